import type { ConnectError } from "@connectrpc/connect";
import { invalidGrpcStatus } from "../grpc/status.ts";
import { headerContentType } from "../headers.ts";
import { notProtocolError } from "../not-protocol.ts";
import { parseContentType } from "./content-type.ts";
import { headerGrpcStatus, headerStatusDetailsBin } from "./headers.ts";

/** An HTTP 2xx answer with a gRPC-web content type: frames follow. */
export function isGrpcWebAnswer(res: Response): boolean {
  return res.ok && parseContentType(res.headers.get(headerContentType)) !== undefined;
}

/**
 * Why an origin's answer is not a gRPC-web response the edge may relay, undefined when it
 * is: HTTP 2xx with a gRPC-web content type, frames or trailers-only with a valid status in
 * the headers (a status with `grpc-status-details-bin` is the origin's to explain). A
 * non-gRPC answer (an HTML 503, say) is mapped from its HTTP status even when it carries a
 * `grpc-status` header: a load balancer's page is not the origin's verdict.
 */
export function validateGrpcWebResponse(res: Response): ConnectError | undefined {
  if (!isGrpcWebAnswer(res)) return notProtocolError(res, "gRPC-web");
  if (!res.headers.has(headerGrpcStatus) || res.headers.has(headerStatusDetailsBin)) return undefined;
  return invalidGrpcStatus(res.headers.get(headerGrpcStatus));
}

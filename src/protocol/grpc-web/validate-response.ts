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
 * is: frames with a gRPC-web content type, or a trailers-only answer whose status in the
 * headers is valid (a status with `grpc-status-details-bin` is the origin's to explain).
 */
export function validateGrpcWebResponse(res: Response): ConnectError | undefined {
  const statusInHeaders = res.headers.has(headerGrpcStatus);
  if (!statusInHeaders) return isGrpcWebAnswer(res) ? undefined : notProtocolError(res, "gRPC-web");
  if (res.headers.has(headerStatusDetailsBin)) return undefined;
  return invalidGrpcStatus(res.headers.get(headerGrpcStatus));
}

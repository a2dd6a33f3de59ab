import type { ConnectError } from "@connectrpc/connect";
import { grpcStatusHeaders } from "../grpc-web/error.ts";
import { headerContentType } from "../headers.ts";
import { contentTypeGrpc } from "./content-type.ts";

/**
 * Refuse a native gRPC call in a form its client can read: a trailers-only response
 * (status in headers, no body) rather than a stream that breaks for want of trailers.
 */
export function grpcErrorResponse(error: ConnectError, headers: Headers = new Headers()): Response {
  grpcStatusHeaders(error, headers);
  headers.set(headerContentType, contentTypeGrpc);
  return new Response(null, { status: 200, headers });
}

import { type Code, ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus as grpcCodeFromHttpStatus } from "@connectrpc/connect/protocol-grpc";
import { headerContentType } from "./headers.ts";

/**
 * The error for an origin answer that is not the protocol the edge called it in (say an
 * HTML 502 from a load balancer): the code from the HTTP status, by gRPC's mapping
 * (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md) unless the
 * caller passes Connect's, and a message that names the status and content type only.
 */
export function notProtocolError(
  res: Response,
  expected: string,
  codeFromHttpStatus: (status: number) => Code = grpcCodeFromHttpStatus,
): ConnectError {
  const type = res.headers.get(headerContentType) || "no content type";
  return new ConnectError(`origin answered HTTP ${res.status} (${type}), not ${expected}`, codeFromHttpStatus(res.status));
}

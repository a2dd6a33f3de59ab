import { Code, ConnectError } from "@connectrpc/connect";
import { connectStreamErrorResponse, connectUnaryErrorResponse } from "./connect/error.ts";
import type { Detected } from "./detect.ts";
import { grpcWebContentType } from "./grpc-web/content-type.ts";
import { grpcWebErrorResponse } from "./grpc-web/error.ts";
import { grpcErrorResponse } from "./grpc/error.ts";

/**
 * Every error the edge produces is a `ConnectError` with a gRPC `Code`; this module is
 * the one place it becomes a wire response, in the protocol the caller speaks
 * (docs/edge.md). Never HTML, never a bare HTTP error for gRPC-web.
 */
export { Code, ConnectError };

/** Who an error is written for: any classified request but a preflight. */
export type ErrorTarget = Exclude<Detected, { kind: "preflight" }>;

/** HTTP 415 for a content type nobody here speaks, as Connect servers answer (https://connectrpc.com/docs/protocol#unary-request). */
const statusUnsupportedMediaType = 415;

/**
 * The longest message the edge writes: messages may quote client input (a path, a header),
 * and a status header tens of KiB long is one clients cannot parse.
 */
export const maxErrorMessageChars = 512;

function bounded(error: ConnectError): ConnectError {
  if (error.rawMessage.length <= maxErrorMessageChars) return error;
  return new ConnectError(`${error.rawMessage.slice(0, maxErrorMessageChars)}…`, error.code, error.metadata);
}

/** Write `error` in the protocol of `target`, its message bounded. */
export function errorResponse(target: ErrorTarget, given: ConnectError, headers: Headers = new Headers()): Response {
  const error = bounded(given);
  // An error's metadata is for the caller (a `www-authenticate` challenge, say) in every
  // protocol; the gRPC and Connect unary writers (connect-es) copy it themselves.
  if (target.kind === "connect-stream") error.metadata.forEach((value, name) => headers.append(name, value));
  switch (target.kind) {
    case "grpc-web":
      return grpcWebErrorResponse(error, grpcWebContentType(target.responseText, target.codec), headers);
    case "connect-unary":
      return connectUnaryErrorResponse(error, undefined, headers);
    case "connect-stream":
      return connectStreamErrorResponse(error, target.codec, headers);
    case "grpc":
      return grpcErrorResponse(error, headers);
    case "unknown":
      return target.looksLike === "grpc-web"
        ? grpcWebErrorResponse(error, grpcWebContentType(false, "proto"), headers)
        : connectUnaryErrorResponse(error, statusUnsupportedMediaType, headers);
  }
}

/** The error a request that cannot be forwarded at all gets. */
export function unforwardableError(target: Extract<Detected, { kind: "grpc" | "unknown" }>): ConnectError {
  if (target.kind === "grpc") {
    return new ConnectError(
      "native gRPC (application/grpc) cannot pass a Cloudflare Worker, which has no HTTP trailers: call this endpoint with gRPC-web (application/grpc-web+proto) or Connect",
      Code.Unimplemented,
    );
  }
  return new ConnectError(target.reason, Code.Unknown);
}

import type { ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { setTrailerStatus, trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { headerContentType } from "../headers.ts";
import { headerGrpcMessage } from "./headers.ts";

/**
 * `grpc-status`, `grpc-message` and (with details) `grpc-status-details-bin` for an
 * outcome: OK when `error` is undefined. `grpc-message` is percent-encoded minimally
 * (PROTOCOL-HTTP2.md, the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)), not with encodeURIComponent as connect-es does.
 */
export function grpcStatusHeaders(error: ConnectError | undefined, target: Headers = new Headers()): Headers {
  setTrailerStatus(target, error);
  if (error !== undefined) target.set(headerGrpcMessage, percentEncodeGrpcMessage(error.rawMessage));
  return target;
}

/** A gRPC-web trailer frame (flag 0x80, the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)–1.4) holding `trailer`. */
export function trailerFrame(trailer: Headers): Uint8Array {
  return encodeEnvelope(trailerFlag, trailerSerialize(trailer));
}

/** A trailer frame with the status of `error` (OK when undefined). */
export function statusTrailerFrame(error: ConnectError | undefined): Uint8Array {
  return trailerFrame(grpcStatusHeaders(error));
}

/**
 * A trailers-only gRPC-web error: HTTP 200, the status in headers, empty body
 * (docs/edge.md). Clients must not be left to map HTTP statuses themselves, https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md.
 */
export function grpcWebErrorResponse(error: ConnectError, contentType: string, headers: Headers = new Headers()): Response {
  grpcStatusHeaders(error, headers);
  headers.set(headerContentType, contentType);
  return new Response(null, { status: 200, headers });
}

const utf8 = new TextEncoder();
const hex = "0123456789ABCDEF";

/** Percent-encode every byte outside %x20-%x24 / %x26-%x7E, upper-case hex (PROTOCOL-HTTP2.md). */
export function percentEncodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of utf8.encode(message)) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${hex[byte >> 4]}${hex[byte & 15]}`;
  }
  return out;
}

import { notProtocolError } from "../not-protocol.ts";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { EnvelopeReader } from "../envelope-reader.ts";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { headerContentType } from "../headers.ts";
import { metadataOnly, type UnaryResult } from "../unary.ts";
import { grpcWebContentType, parseContentType } from "./content-type.ts";
import { grpcStatusHeaders, trailerFrame } from "./error.ts";
import { headerGrpcStatus, headerStatusDetailsBin } from "./headers.ts";
import { invalidGrpcStatus } from "../grpc/status.ts";
import { encodeTextFrame } from "./text-codec.ts";

const compressedFlag = 0x01;

/**
 * The one request message of a unary gRPC-web call. Zero or several messages →
 * UNIMPLEMENTED (conformance, the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)); compressed → UNIMPLEMENTED, since the
 * edge does not recompress across protocols.
 */
export async function grpcWebRequestMessage(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  const messages: Uint8Array[] = [];
  if (body !== null) {
    const reader = new EnvelopeReader(body, maxBytes, "request message");
    for (let next = await reader.read(); next !== undefined; next = await reader.read()) {
      if ((next.flags & compressedFlag) !== 0) {
        throw new ConnectError("compressed gRPC-web messages cannot be translated to Connect", Code.Unimplemented);
      }
      messages.push(next.data);
    }
  }
  if (messages.length !== 1) {
    throw new ConnectError(`protocol error: unary request needs exactly one message, got ${messages.length}`, Code.Unimplemented);
  }
  return messages[0]!;
}

/** Read a gRPC-web origin's unary answer: one message (at most `maxBytes`) and a status, from trailer frame or headers. */
export async function readGrpcWebUnary(res: Response, maxBytes: number): Promise<UnaryResult> {
  const headers = metadataOnly(res.headers);
  if (res.headers.has(headerGrpcStatus)) {
    await res.body?.cancel();
    const malformed = res.headers.has(headerStatusDetailsBin) ? undefined : invalidGrpcStatus(res.headers.get(headerGrpcStatus));
    return { headers, trailers: new Headers(), ...withError(malformed ?? safeTrailerError(res.headers)) };
  }
  if (!res.ok || parseContentType(res.headers.get(headerContentType)) === undefined) {
    await res.body?.cancel();
    return { headers, trailers: new Headers(), error: notProtocolError(res, "gRPC-web") };
  }
  let message: Uint8Array | undefined;
  let trailer: Headers | undefined;
  if (res.body !== null) {
    const reader = new EnvelopeReader(res.body, maxBytes, "the origin's response message");
    for (let next = await reader.read(); next !== undefined; next = await reader.read()) {
      if ((next.flags & trailerFlag) === trailerFlag) trailer = trailerParse(next.data);
      else if ((next.flags & compressedFlag) !== 0)
        throw new ConnectError("origin compressed a message it was asked not to", Code.Internal);
      else message = next.data;
    }
  }
  if (trailer === undefined)
    return { headers, trailers: new Headers(), error: new ConnectError("protocol error: missing status", Code.Internal) };
  const malformed = trailer.has(headerStatusDetailsBin) ? undefined : invalidGrpcStatus(trailer.get(headerGrpcStatus));
  if (malformed !== undefined) return { headers, trailers: new Headers(), error: malformed };
  const error = safeTrailerError(trailer);
  const trailers = metadataOnly(trailer);
  if (error !== undefined) return { headers, trailers, error: withoutProtocolMetadata(error) };
  if (message === undefined)
    return { headers, trailers, error: new ConnectError("protocol error: missing output message for unary method", Code.Unimplemented) };
  return { headers, trailers, message };
}

/** findTrailerError, which throws on a grpc-message that is not valid percent-encoding. */
export function safeTrailerError(trailer: Headers): ConnectError | undefined {
  try {
    return findTrailerError(trailer);
  } catch {
    const copy = new Headers(trailer);
    copy.set("grpc-message", encodeURIComponent(trailer.get("grpc-message") ?? ""));
    try {
      return findTrailerError(copy);
    } catch {
      return new ConnectError("protocol error: malformed status details from the origin", Code.Internal);
    }
  }
}

function withError(error: ConnectError | undefined): { error: ConnectError } {
  if (error === undefined)
    return { error: new ConnectError("protocol error: trailers-only success without a message", Code.Unimplemented) };
  return { error: withoutProtocolMetadata(error) };
}

/** findTrailerError keeps the whole trailer as metadata; grpc-* must not reach a Connect client. */
function withoutProtocolMetadata(error: ConnectError): ConnectError {
  const clean = new ConnectError(error.rawMessage, error.code, metadataOnly(error.metadata));
  clean.details = error.details;
  return clean;
}

/**
 * Write a unary result as a gRPC-web response: data frame and trailer frame, or
 * trailers-only for an error (docs/edge.md "Connect unary upstream").
 */
export function writeGrpcWebUnary(result: UnaryResult, text: boolean, codec: "proto" | "json"): Response {
  const headers = new Headers(result.headers);
  headers.set(headerContentType, grpcWebContentType(text, codec));
  const encode = text ? encodeTextFrame : (f: Uint8Array) => f;
  if (result.error !== undefined || result.message === undefined) {
    result.trailers.forEach((value, key) => headers.append(key, value));
    grpcStatusHeaders(result.error, headers);
    return new Response(null, { status: 200, headers });
  }
  const trailer = grpcStatusHeaders(undefined, new Headers(result.trailers));
  const data = encode(encodeEnvelope(0, result.message));
  const end = encode(trailerFrame(trailer));
  const body = new Uint8Array(data.length + end.length);
  body.set(data, 0);
  body.set(end, data.length);
  return new Response(body, { status: 200, headers });
}

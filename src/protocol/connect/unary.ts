import { notProtocolError } from "../not-protocol.ts";
import { Code, ConnectError } from "@connectrpc/connect";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { codeFromHttpStatus, errorFromJsonBytes, trailerDemux, trailerMux } from "@connectrpc/connect/protocol-connect";
import { readAtMost } from "../envelope-reader.ts";
import { headerContentType } from "../headers.ts";
import { metadataOnly, type UnaryResult } from "../unary.ts";
import { connectContentType, contentTypeErrorJson, contentTypeUnaryRegExp, queryMessage } from "./content-type.ts";
import { connectUnaryErrorResponse } from "./error.ts";
import { headerUnaryEncoding } from "./headers.ts";

/** A Connect error body is a small JSON object; more than this is not one worth reading. */
const errorBodyMax = 64 * 1024;
const queryBase64 = "base64";
const queryCompression = "compression";
const identity = "identity";

/**
 * The request message of a Connect unary call: the POST body, or the GET `message`
 * query parameter (URL-safe base64 with `base64=1`, else percent-decoded UTF-8,
 * the Connect protocol (https://connectrpc.com/docs/protocol)). Compressed requests are refused: the edge does not recompress.
 */
export async function connectRequestMessage(
  request: Request,
  url: URL,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (request.method === "GET") {
    const compression = url.searchParams.get(queryCompression);
    if (compression !== null && compression !== identity) throw uncompressible(compression);
    const message = url.searchParams.get(queryMessage) ?? "";
    return url.searchParams.get(queryBase64) === "1" ? base64Decode(message) : new TextEncoder().encode(message);
  }
  const encoding = request.headers.get(headerUnaryEncoding);
  if (encoding !== null && encoding !== identity) throw uncompressible(encoding);
  return body === null ? new Uint8Array(0) : readAtMost(body, maxBytes, "request message");
}

function uncompressible(encoding: string): ConnectError {
  return new ConnectError(`compressed requests (${encoding}) cannot be translated to gRPC-web`, Code.Unimplemented);
}

/** Read a Connect origin's unary answer: 200 with a message and `trailer-*` headers, or a JSON error. */
export async function readConnectUnary(res: Response, maxBytes: number): Promise<UnaryResult> {
  const [leading, trailing] = trailerDemux(res.headers);
  const headers = metadataOnly(leading);
  const trailers = metadataOnly(trailing);
  const type = res.headers.get(headerContentType) ?? "";
  if (res.status === 200 && contentTypeUnaryRegExp.test(type)) {
    return {
      headers,
      trailers,
      message: res.body === null ? new Uint8Array(0) : await readAtMost(res.body, maxBytes, "the origin's response message"),
    };
  }
  const fallback = notProtocolError(res, "Connect", codeFromHttpStatus);
  if (res.status === 200 || !type.toLowerCase().startsWith(contentTypeErrorJson)) {
    await res.body?.cancel();
    return { headers, trailers, error: fallback };
  }
  const bytes = res.body === null ? new Uint8Array(0) : await readAtMost(res.body, errorBodyMax, "the origin's error body");
  try {
    return { headers, trailers, error: errorFromJsonBytes(bytes, undefined, fallback) };
  } catch (e) {
    return { headers, trailers, error: ConnectError.from(e) };
  }
}

/** Write a unary result as a Connect unary response (trailers as `trailer-*` headers). */
export function writeConnectUnary(result: UnaryResult, codec: "proto" | "json"): Response {
  const headers = trailerMux(result.headers, result.trailers);
  if (result.error !== undefined || result.message === undefined) {
    const error = result.error ?? new ConnectError("protocol error: missing output message", Code.Internal);
    return connectUnaryErrorResponse(error, undefined, headers);
  }
  headers.set(headerContentType, connectContentType(false, codec));
  return new Response(result.message, { status: 200, headers });
}

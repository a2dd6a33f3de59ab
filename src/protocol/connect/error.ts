import type { ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, endStreamFlag, endStreamToJson, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { headerContentType } from "../headers.ts";
import { connectContentType, contentTypeErrorJson } from "./content-type.ts";

/**
 * A Connect unary error: the code's HTTP status (the Connect protocol (https://connectrpc.com/docs/protocol), connect-es
 * `codeToHttpStatus`) unless `httpStatus` overrides it, and a JSON Error body (https://connectrpc.com/docs/protocol#error-end-stream).
 */
export function connectUnaryErrorResponse(error: ConnectError, httpStatus?: number, headers: Headers = new Headers()): Response {
  error.metadata.forEach((value, key) => headers.append(key, value));
  headers.set(headerContentType, contentTypeErrorJson);
  return new Response(errorToJsonBytes(error, {}), { status: httpStatus ?? codeToHttpStatus(error.code), headers });
}

const utf8 = new TextEncoder();

/** An EndStreamResponse envelope (flag 0x02, always JSON, the Connect protocol (https://connectrpc.com/docs/protocol)–2.4). */
export function endStreamFrame(error: ConnectError | undefined, metadata: Headers = new Headers()): Uint8Array {
  return encodeEnvelope(endStreamFlag, utf8.encode(JSON.stringify(endStreamToJson(metadata, error, {}))));
}

/** A Connect streaming error: HTTP 200 and a lone end-stream envelope (docs/edge.md). */
export function connectStreamErrorResponse(error: ConnectError, codec: "proto" | "json", headers: Headers = new Headers()): Response {
  headers.set(headerContentType, connectContentType(true, codec));
  return new Response(endStreamFrame(error), { status: 200, headers });
}

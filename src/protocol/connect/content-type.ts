/**
 * Connect content types and GET query parameters (the Connect protocol (https://connectrpc.com/docs/protocol)–2.3), from connect-es.
 */

import {
  contentTypeStreamJson,
  contentTypeStreamProto,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
} from "@connectrpc/connect/protocol-connect";
export {
  parseContentType,
  contentTypeUnaryProto,
  contentTypeUnaryJson,
  contentTypeStreamProto,
  contentTypeStreamJson,
  contentTypeUnaryRegExp,
  contentTypeStreamRegExp,
} from "@connectrpc/connect/protocol-connect";

export const queryConnect = "connect";
export const queryConnectV1 = "v1";
export const queryEncoding = "encoding";
export const queryMessage = "message";

/** Connect error bodies are always JSON, whatever the codec (the Connect protocol (https://connectrpc.com/docs/protocol)). */
export const contentTypeErrorJson = "application/json";

/** The content type of a Connect message in the given mode and codec. */
export function connectContentType(stream: boolean, codec: "proto" | "json"): string {
  if (stream) return codec === "json" ? contentTypeStreamJson : contentTypeStreamProto;
  return codec === "json" ? contentTypeUnaryJson : contentTypeUnaryProto;
}

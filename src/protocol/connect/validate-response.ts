import type { ConnectError } from "@connectrpc/connect";
import { headerContentType } from "../headers.ts";
import { notProtocolError } from "../not-protocol.ts";
import { contentTypeErrorJson, contentTypeStreamRegExp, contentTypeUnaryRegExp } from "./content-type.ts";

const statusOk = 200;

/**
 * Why an origin's answer is not a Connect unary response the edge may relay, undefined
 * when it is: 200 with a unary content type, or a non-200 JSON error body
 * (https://connectrpc.com/docs/protocol#unary-response).
 */
export function validateConnectUnaryResponse(res: Response): ConnectError | undefined {
  const type = res.headers.get(headerContentType);
  if (type === null) return notProtocolError(res, "Connect");
  if (res.status === statusOk ? contentTypeUnaryRegExp.test(type) : type.toLowerCase().startsWith(contentTypeErrorJson)) return undefined;
  return notProtocolError(res, "Connect");
}

/**
 * Why an origin's answer is not a Connect streaming response, undefined when it is: always
 * 200 with a streaming content type and a body (https://connectrpc.com/docs/protocol#streaming-response).
 */
export function validateConnectStreamResponse(res: Response): ConnectError | undefined {
  const type = res.headers.get(headerContentType);
  if (res.status === statusOk && type !== null && contentTypeStreamRegExp.test(type) && res.body !== null) return undefined;
  return notProtocolError(res, "Connect streaming");
}

import {
  parseContentType as parseConnectContentType,
  queryConnect,
  queryConnectV1,
  queryEncoding,
  queryMessage,
} from "./connect/content-type.ts";
import {
  contentTypeGrpcWebPrefix,
  contentTypeGrpcWebTextPrefix,
  parseContentType as parseGrpcWebContentType,
} from "./grpc-web/content-type.ts";
import { contentTypeGrpcRegExp } from "./grpc/content-type.ts";
import { headerAccept, headerContentType, headerOrigin } from "./headers.ts";

/** The message codec a request uses. */
export type Codec = "proto" | "json";

/** A request in one of the protocols the edge forwards. */
export type ClientProtocol =
  | {
      kind: "grpc-web";
      /** The request body is base64 text (`application/grpc-web-text`). */
      text: boolean;
      /** Answer in text mode: the request was text or Accept asks for it (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)). */
      responseText: boolean;
      codec: Codec;
    }
  | { kind: "connect-unary"; get: boolean; codec: Codec }
  | { kind: "connect-stream"; codec: Codec };

/** What a request is, per docs/edge.md (first match wins). */
export type Detected =
  | { kind: "preflight" }
  | ClientProtocol
  /** Native gRPC (HTTP/2 + trailers): a Worker cannot carry it (the Workers runtime (https://developers.cloudflare.com/workers/runtime-apis/fetch/)). */
  | { kind: "grpc" }
  /** Not forwardable; `looksLike` picks the protocol its error is written in. */
  | { kind: "unknown"; looksLike: "grpc-web" | "connect"; reason: string };

const methodOptions = "OPTIONS";
const methodGet = "GET";
const methodPost = "POST";
const headerAccessControlRequestMethod = "access-control-request-method";

/** Classify a request by method, content type and query (docs/edge.md). */
export function detectProtocol(method: string, headers: Headers, url: URL): Detected {
  if (method === methodOptions && headers.has(headerOrigin) && headers.has(headerAccessControlRequestMethod)) {
    return { kind: "preflight" };
  }
  const contentType = headers.get(headerContentType)?.trim() ?? null;
  if (method === methodGet) {
    const q = url.searchParams;
    if (q.get(queryConnect) === queryConnectV1 || (q.has(queryEncoding) && q.has(queryMessage))) {
      const encoding = q.get(queryEncoding);
      if (encoding === "proto" || encoding === "json") return { kind: "connect-unary", get: true, codec: encoding };
      return { kind: "unknown", looksLike: "connect", reason: `unsupported Connect GET encoding "${encoding ?? ""}"` };
    }
  }
  const lower = contentType?.toLowerCase() ?? "";
  if (method !== methodPost) {
    const looksLike = lower.startsWith(contentTypeGrpcWebPrefix) ? "grpc-web" : "connect";
    return { kind: "unknown", looksLike, reason: `HTTP method ${method} is not allowed: use POST (or GET for Connect)` };
  }
  const grpcWeb = parseGrpcWebContentType(contentType);
  if (grpcWeb !== undefined) {
    const accept = headers.get(headerAccept)?.toLowerCase() ?? "";
    return {
      kind: "grpc-web",
      text: grpcWeb.text,
      responseText: grpcWeb.text || accept.includes(contentTypeGrpcWebTextPrefix),
      codec: grpcWeb.binary ? "proto" : "json",
    };
  }
  const connect = parseConnectContentType(contentType);
  if (connect !== undefined) {
    const codec: Codec = connect.binary ? "proto" : "json";
    return connect.stream ? { kind: "connect-stream", codec } : { kind: "connect-unary", get: false, codec };
  }
  if (contentType !== null && contentTypeGrpcRegExp.test(contentType)) return { kind: "grpc" };
  return {
    kind: "unknown",
    looksLike: lower.startsWith(contentTypeGrpcWebPrefix) ? "grpc-web" : "connect",
    reason: `unsupported content type "${contentType ?? ""}": use application/grpc-web[-text][+proto|+json], application/connect+proto|json or application/proto|json`,
  };
}

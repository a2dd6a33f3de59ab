import {
  encodeEnvelope,
  notProtocolError,
  connectRequestMessage,
  readConnectUnary,
  writeConnectUnary,
  connectStreamFromGrpcWeb,
  connectContentType,
  connectStreamErrorResponse,
  type ClientProtocol,
  Code,
  ConnectError,
  parseGrpcWebContentType,
  headerGrpcStatus,
  grpcWebRequestMessage,
  readGrpcWebUnary,
  writeGrpcWebUnary,
  headerContentType,
  metadataOnly,
} from "../protocol/index.ts";
import type { UpstreamBody } from "./mirror.ts";
import type { StreamFailure } from "./respond.ts";

/** HTTP 415: what a Connect server answers a unary content type on a streaming method. */
const statusUnsupportedMediaType = 415;
const methodPost = "POST";

/**
 * The request body for an origin in the other protocol (docs/edge.md). Unary calls
 * are read whole (one message by definition) and re-framed; a Connect stream keeps its
 * envelopes, which gRPC-web shares byte for byte.
 */
export async function translatedBody(
  client: ClientProtocol,
  request: Request,
  url: URL,
  body: ReadableStream<Uint8Array> | null,
): Promise<UpstreamBody> {
  switch (client.kind) {
    case "connect-unary":
      return encodeEnvelope(0, await connectRequestMessage(request, url, body));
    case "connect-stream":
      return body;
    case "grpc-web":
      return grpcWebRequestMessage(body);
  }
}

/** Translated calls always POST: gRPC-web has no GET, and Connect GET is only for clients. */
export const translatedMethod = methodPost;

/** The client's response from an origin in the other protocol. */
export async function translatedResponse(client: ClientProtocol, res: Response, failure: StreamFailure): Promise<Response> {
  switch (client.kind) {
    case "connect-unary":
      return writeConnectUnary(await readGrpcWebUnary(res), client.codec);
    case "connect-stream": {
      const statusInHeaders = res.headers.has(headerGrpcStatus);
      if (!statusInHeaders && (!res.ok || parseGrpcWebContentType(res.headers.get(headerContentType)) === undefined)) {
        await res.body?.cancel();
        return connectStreamErrorResponse(notProtocolError(res, "gRPC-web"), client.codec);
      }
      const headers = metadataOnly(res.headers);
      headers.set(headerContentType, connectContentType(true, client.codec));
      const body = connectStreamFromGrpcWeb(statusInHeaders ? null : res.body, statusInHeaders ? res.headers : undefined, failure);
      return new Response(body, { status: 200, headers });
    }
    case "grpc-web":
      if (res.status === statusUnsupportedMediaType) {
        await res.body?.cancel();
        // The method streams: a unary Connect call cannot carry it, and the edge cannot
        // know a method's kind without its schema.
        throw new ConnectError(
          "gRPC-web → Connect translation supports unary methods only (the origin refused a unary call)",
          Code.Unimplemented,
        );
      }
      return writeGrpcWebUnary(await readConnectUnary(res), client.responseText, client.codec);
  }
}

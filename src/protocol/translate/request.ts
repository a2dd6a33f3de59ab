import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { connectRequestMessage } from "../connect/unary.ts";
import type { ClientProtocol } from "../detect.ts";
import { grpcWebRequestMessage } from "../grpc-web/unary.ts";

/** A request body as it goes to an origin: streamed, held whole, or none. */
export type UpstreamBody = ReadableStream<Uint8Array> | Uint8Array | null;

/** Translated calls always POST: gRPC-web has no GET, and Connect GET is only for clients. */
export const translatedMethod = "POST";

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
  maxBytes: number,
): Promise<UpstreamBody> {
  switch (client.kind) {
    case "connect-unary":
      return encodeEnvelope(0, await connectRequestMessage(request, url, body, maxBytes));
    case "connect-stream":
      return body;
    case "grpc-web":
      return grpcWebRequestMessage(body, maxBytes);
  }
}

import { Code, ConnectError } from "@connectrpc/connect";
import { connectContentType } from "../connect/content-type.ts";
import { readConnectUnary, writeConnectUnary } from "../connect/unary.ts";
import type { ClientProtocol } from "../detect.ts";
import { errorResponse } from "../edge-error.ts";
import { headerGrpcStatus } from "../grpc-web/headers.ts";
import { readGrpcWebUnary, writeGrpcWebUnary } from "../grpc-web/unary.ts";
import { isGrpcWebAnswer } from "../grpc-web/validate-response.ts";
import { headerContentType } from "../headers.ts";
import { notProtocolError } from "../not-protocol.ts";
import type { StreamFailure } from "../relay-response.ts";
import { metadataOnly } from "../unary.ts";
import { connectStreamFromGrpcWeb } from "./connect-stream.ts";

/** HTTP 415: what a Connect server answers a unary content type on a streaming method. */
const statusUnsupportedMediaType = 415;

/** The client's response from an origin in the other protocol. */
export async function translatedResponse(
  client: ClientProtocol,
  res: Response,
  failure: StreamFailure,
  maxBytes: number,
): Promise<Response> {
  switch (client.kind) {
    case "connect-unary":
      return writeConnectUnary(await readGrpcWebUnary(res, maxBytes), client.codec);
    case "connect-stream": {
      const statusInHeaders = res.headers.has(headerGrpcStatus);
      if (!statusInHeaders && !isGrpcWebAnswer(res)) {
        await res.body?.cancel();
        return errorResponse(client, notProtocolError(res, "gRPC-web"));
      }
      const headers = metadataOnly(res.headers);
      headers.set(headerContentType, connectContentType(true, client.codec));
      const body = connectStreamFromGrpcWeb(
        statusInHeaders ? null : res.body,
        statusInHeaders ? res.headers : undefined,
        failure,
        maxBytes,
      );
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
      return writeGrpcWebUnary(await readConnectUnary(res, maxBytes), client.responseText, client.codec);
  }
}

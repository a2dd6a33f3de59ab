import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientProtocol } from "./detect.ts";
import { errorResponse } from "./edge-error.ts";
import type { FinalFrameOptions } from "./final-frame.ts";
import { relayConnectStreamBody } from "./connect/response.ts";
import { validateConnectStreamResponse, validateConnectUnaryResponse } from "./connect/validate-response.ts";
import { grpcWebContentType } from "./grpc-web/content-type.ts";
import { headerGrpcStatus } from "./grpc-web/headers.ts";
import { relayGrpcWebBody } from "./grpc-web/response.ts";
import { validateGrpcWebResponse } from "./grpc-web/validate-response.ts";
import { headerContentType, stripHopByHop } from "./headers.ts";

/** Turns a failure of the origin's body stream into the caller's error. */
export type StreamFailure = (reason: unknown) => ConnectError;

/** Hears every chunk read from the origin, and the end of the relay (an idle watchdog). */
export type RelayWatch = NonNullable<FinalFrameOptions["watch"]>;

const statusOk = 200;

/**
 * The client's response for an origin's answer in the client's own protocol. Genuine
 * protocol answers stream through (framed ones relayed frame by frame, with a status
 * guaranteed at the end); anything else, such as an HTML 502 from a load balancer,
 * becomes an error in the client's protocol with the code from gRPC's HTTP→status
 * mapping (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md),
 * never the origin's page.
 */
export function relayResponse(
  client: ClientProtocol,
  res: Response,
  failure: StreamFailure,
  watch?: RelayWatch,
  onEdgeStatus?: (error: ConnectError) => void,
): Response {
  const problem =
    client.kind === "grpc-web"
      ? validateGrpcWebResponse(res)
      : client.kind === "connect-unary"
        ? validateConnectUnaryResponse(res)
        : validateConnectStreamResponse(res);
  if (problem !== undefined) {
    watch?.stop();
    res.body?.cancel().catch(() => undefined);
    onEdgeStatus?.(problem);
    return errorResponse(client, problem);
  }
  const headers = new Headers(res.headers);
  stripHopByHop(headers);
  switch (client.kind) {
    case "grpc-web": {
      // What the client will see decides: an origin's `Connection: grpc-status` strips the
      // status from the headers, and then the stream must end with one.
      const statusInHeaders = headers.has(headerGrpcStatus);
      if (res.body === null) {
        watch?.stop();
        if (!statusInHeaders) {
          const missing = new ConnectError("protocol error: missing status", Code.Internal);
          onEdgeStatus?.(missing);
          return errorResponse(client, missing);
        }
      }
      headers.set(headerContentType, grpcWebContentType(client.responseText, client.codec));
      const body =
        res.body === null ? null : relayGrpcWebBody(res.body, { text: client.responseText, statusInHeaders, failure, watch, onEdgeStatus });
      return new Response(body, { status: statusOk, headers });
    }
    case "connect-unary":
      return new Response(res.body, { status: res.status, headers });
    case "connect-stream":
      return new Response(relayConnectStreamBody(res.body!, failure, watch, onEdgeStatus), { status: statusOk, headers });
  }
}

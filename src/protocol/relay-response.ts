import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientProtocol } from "./detect.ts";
import { errorResponse } from "./edge-error.ts";
import { EXACT_PREFIX_BYTES, relayFramed, type FramedRelay, type RelayOutcome, type RelayWatch } from "./framed-relay.ts";
import { connectStreamFraming } from "./connect/response.ts";
import { validateConnectStreamResponse, validateConnectUnaryResponse } from "./connect/validate-response.ts";
import { grpcWebContentType } from "./grpc-web/content-type.ts";
import { headerGrpcStatus } from "./grpc-web/headers.ts";
import { grpcWebFraming } from "./grpc-web/response.ts";
import { encodeTextFrame } from "./grpc-web/text-codec.ts";
import { validateGrpcWebResponse } from "./grpc-web/validate-response.ts";
import { headerContentLength, headerContentType, stripHopByHop } from "./headers.ts";

/** Turns a failure of the origin's body stream into the caller's error. */
export type StreamFailure = (reason: unknown) => ConnectError;

export type { RelayOutcome, RelayWatch };

/** How to relay one call's answer. */
export interface RelayOptions {
  failure: StreamFailure;
  watch?: RelayWatch | undefined;
  /** Hears a status the edge wrote in place of the origin's. */
  onEdgeStatus?: (error: ConnectError) => void;
  /** Relay the whole stream in the edge (never piped natively): every guarantee, at JavaScript's cost per chunk. */
  exact: boolean;
  /** MAX_MESSAGE_BYTES: the largest message the exact relay holds whole. */
  maxMessageBytes: number;
  waitUntil?: (promise: Promise<unknown>) => void;
  clientSignal?: AbortSignal;
}

/** The client's response, and (when the edge relays it) what the client was sent. */
export interface Relayed {
  response: Response;
  outcome?: Promise<RelayOutcome>;
}

const statusOk = 200;

/**
 * The client's response for an origin's answer in the client's own protocol. Genuine
 * protocol answers stream through (framed ones through relayFramed, with a status
 * guaranteed where the edge can give one; Connect unary bodies untouched, so an origin's
 * compression passes as sent); anything else, such as an HTML 502 from a load balancer,
 * becomes an error in the client's protocol with the code from gRPC's HTTP→status
 * mapping (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md),
 * never the origin's page.
 */
export async function relayResponse(client: ClientProtocol, res: Response, options: RelayOptions): Promise<Relayed> {
  const { watch, onEdgeStatus } = options;
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
    return { response: errorResponse(client, problem) };
  }
  const headers = new Headers(res.headers);
  stripHopByHop(headers);
  switch (client.kind) {
    case "grpc-web": {
      // What the client will see decides: an origin's `Connection: grpc-status` strips the
      // status from the headers, and then the stream must end with one.
      const statusInHeaders = headers.has(headerGrpcStatus);
      headers.set(headerContentType, grpcWebContentType(client.responseText, client.codec));
      if (res.body === null) {
        watch?.stop();
        if (!statusInHeaders) {
          const missing = new ConnectError("protocol error: missing status", Code.Internal);
          onEdgeStatus?.(missing);
          return { response: errorResponse(client, missing) };
        }
        return { response: new Response(null, { status: statusOk, headers }) };
      }
      const relayed = await relayFramed(res.body, grpcWebFraming, {
        ...framedOptions(options),
        statusInHeaders,
        ...(client.responseText ? { encode: encodeTextFrame } : {}),
      });
      return framedResponse(relayed, headers);
    }
    case "connect-unary": {
      const response = new Response(res.body, { status: res.status, headers });
      if (res.status !== statusOk) return { response };
      const length = Number(res.headers.get(headerContentLength) ?? Number.NaN);
      const outcome: RelayOutcome = { messages: 1, code: 0, piped: false, cancelled: false };
      if (Number.isInteger(length)) outcome.bytes = length;
      return { response, outcome: Promise.resolve(outcome) };
    }
    case "connect-stream": {
      const relayed = await relayFramed(res.body!, connectStreamFraming, { ...framedOptions(options), statusInHeaders: false });
      return framedResponse(relayed, headers);
    }
  }
}

function framedOptions(o: RelayOptions) {
  return {
    failure: o.failure,
    exactBytes: o.exact ? Number.POSITIVE_INFINITY : EXACT_PREFIX_BYTES,
    maxMessageBytes: o.maxMessageBytes,
    ...(o.watch !== undefined ? { watch: o.watch } : {}),
    ...(o.onEdgeStatus !== undefined ? { onEdgeStatus: o.onEdgeStatus } : {}),
    ...(o.waitUntil !== undefined ? { waitUntil: o.waitUntil } : {}),
    ...(o.clientSignal !== undefined ? { clientSignal: o.clientSignal } : {}),
  };
}

function framedResponse(relayed: FramedRelay, headers: Headers): Relayed {
  // A whole answer goes out as one buffer with its length; the origin's framing headers no longer apply.
  headers.delete(headerContentLength);
  return { response: new Response(relayed.body, { status: statusOk, headers }), outcome: relayed.outcome };
}

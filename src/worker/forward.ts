import type { ClientProtocol } from "../protocol/detect.ts";
import { Code, ConnectError } from "../protocol/edge-error.ts";
import type { Procedure } from "../protocol/procedure.ts";
import type { Decision } from "../runtime/types.ts";
import type { Origin } from "../table/types.ts";
import type { EdgeConfig } from "./config.ts";
import { deadlineError, type CallTimer } from "./deadline-signal.ts";
import type { EdgeEnv } from "./env.ts";
import { startMirrors } from "./mirror.ts";
import { resolveOrigin } from "./origins.ts";
import { upstreamRequestHeaders } from "./request-headers.ts";
import { relayResponse } from "./respond.ts";
import { decodeTextBody } from "./text-body.ts";
import { translatedBody, translatedMethod, translatedResponse } from "./translate.ts";
import { callOrigin, familyOf } from "./upstream.ts";

/** Everything one forwarded call needs. */
export interface ForwardCall {
  client: ClientProtocol;
  procedure: Procedure;
  request: Request;
  /** The request body to read instead of `request.body` (see drain.ts). */
  body: ReadableStream<Uint8Array> | null;
  url: URL;
  decision: Extract<Decision, { kind: "forward" }>;
  origin: Origin;
  config: EdgeConfig;
  env: EdgeEnv;
  timer: CallTimer;
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Forward a call to its origin, with mirrors copied off the request body. In the client's
 * own protocol bodies stream both ways (protocols.md §6.4 "Same protocol"); to an origin
 * that speaks the other protocol the call is translated. Throws ConnectError for anything
 * the caller must answer as an error.
 */
export async function forward(call: ForwardCall): Promise<Response> {
  const { client, request, url, timer } = call;
  const target = call.origin.protocol ?? familyOf(client.kind);
  const translate = target !== familyOf(client.kind);
  const headers = upstreamRequestHeaders(client, target, request, url, call.decision.filters, timer);
  const keepQuery = !translate && client.kind === "connect-unary" && client.get;
  const pathAndQuery = call.procedure.path + (keepQuery ? url.search : "");
  const method = translate ? translatedMethod : request.method;
  const text = client.kind === "grpc-web" && client.text && call.body !== null ? decodeTextBody(call.body) : undefined;
  const clientBody = text?.stream ?? call.body;
  const failure = (reason: unknown): ConnectError =>
    timer.expired() ? deadlineError() : new ConnectError(`origin stream broke: ${describe(reason)}`, Code.Unavailable);

  try {
    const upstreamBody = translate ? await translatedBody(client, request, url, clientBody) : clientBody;
    const mirrorOrigins = call.decision.mirrors.map((m) => {
      const origin = resolveOrigin(m.backend, call.config.origins);
      // A mirror speaking neither protocol of this call is skipped, not sent a wrong one.
      return origin !== null && (origin.protocol === undefined || origin.protocol === target) ? origin : null;
    });
    const body = startMirrors(
      mirrorOrigins,
      upstreamBody,
      (origin, copy) => callOrigin(origin, call.env, pathAndQuery, url, { method, headers: new Headers(headers), body: copy }),
      call.waitUntil,
    );
    let res: Response;
    try {
      res = await callOrigin(call.origin, call.env, pathAndQuery, url, {
        method,
        headers,
        body,
        redirect: "manual",
        ...(timer.signal !== undefined ? { signal: timer.signal } : {}),
      });
    } catch (reason) {
      if (timer.expired() || text?.error() !== undefined) throw reason;
      const b = call.decision.backend;
      throw new ConnectError(`origin for ${b.name}.${b.namespace} is unreachable: ${describe(reason)}`, Code.Unavailable);
    }
    // A text body that stopped decoding may still have drawn an answer to its truncated
    // frames; the caller's real problem is its base64.
    if (text?.error() !== undefined) {
      res.body?.cancel().catch(() => undefined);
      throw text.error();
    }
    return translate ? await translatedResponse(client, res, failure) : relayResponse(client, res, failure);
  } catch (e) {
    if (timer.expired()) throw deadlineError();
    throw text?.error() ?? e;
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

import type { ClientProtocol } from "../protocol/detect.ts";
import { Code, ConnectError } from "../protocol/edge-error.ts";
import type { Procedure } from "../protocol/procedure.ts";
import { createByteLimit, createEnvelopeGuard, EnvelopeChecker, messageTooLarge } from "../protocol/request-limits.ts";
import type { Random } from "../runtime/types.ts";
import type { Origin, OriginProtocol, RouteTable, Rule } from "../table/types.ts";
import type { EdgeConfig } from "./config.ts";
import { deadlineError, type CallTimer } from "./deadline-signal.ts";
import type { EdgeEnv } from "./env.ts";
import { headersTimeoutError, IdleWatch, isEdgeTimeout, readWithin, withIdleTimeout } from "./idle.ts";
import { headerContentLength } from "../protocol/headers.ts";
import { startMirrors, type UpstreamBody } from "./mirror.ts";
import { resolveOrigin } from "./origins.ts";
import { replayableBody, replayMaxBytes, wholeBody, type ReplayableBody } from "./replay.ts";
import { upstreamRequestHeaders } from "./request-headers.ts";
import { relayResponse } from "./respond.ts";
import { peekStatus, redraw, retryPolicy, type ForwardDecision } from "./retry.ts";
import { decodeTextBody as decodeTextStream } from "./text-body.ts";
import { decodeTextBody as decodeTextBytes } from "../protocol/grpc-web/text-codec.ts";
import { translatedBody, translatedMethod, translatedResponse } from "./translate.ts";
import { callOrigin, familyOf } from "./upstream.ts";

/** Everything one forwarded call needs. */
export interface ForwardCall {
  client: ClientProtocol;
  procedure: Procedure;
  request: Request;
  /** The request body to read instead of `request.body` (see drain.ts). */
  body: ReadableStream<Uint8Array> | null;
  /** The whole request body, when it was read up front (client-body.ts); `body` is null then. */
  whole?: Uint8Array | undefined;
  url: URL;
  decision: ForwardDecision;
  origin: Origin;
  config: EdgeConfig;
  env: EdgeEnv;
  timer: CallTimer;
  waitUntil(promise: Promise<unknown>): void;
  /** The table and the decision's rule, for retries (another backend, the route's policy). */
  table: RouteTable;
  rule: Rule | undefined;
  random: Random;
}

/** How long the edge waits for a request's first envelope header before calling the origin anyway. */
const firstHeaderWaitMs = 1000;

/** How one attempt ended: an answer, or an error (`unsent`: nothing of the request left the edge). */
type Outcome =
  | { kind: "response"; res: Response; target: OriginProtocol; translate: boolean; watch?: IdleWatch | undefined }
  | { kind: "error"; error: ConnectError; unsent: boolean };

/**
 * Forward a call to its origin, with mirrors copied off the request body. In the client's
 * own protocol bodies stream both ways (protocols.md §6.4 "Same protocol"); to an origin
 * that speaks the other protocol the call is translated. The request body is checked as
 * it streams (MAX_MESSAGE_BYTES, truncated envelopes) and kept up to 64 KiB, so a call
 * that never reached its origin, or got a status the route retries, can be sent again
 * (see retry.ts). Throws ConnectError for anything the caller must answer as an error.
 */
export async function forward(call: ForwardCall): Promise<Response> {
  const { client, timer } = call;
  const textMode = client.kind === "grpc-web" && client.text;
  const text = textMode && call.body !== null ? decodeTextStream(call.body) : undefined;
  let guardError: ConnectError | undefined;
  const onGuard = (e: ConnectError): void => void (guardError ??= e);
  const bodyError = (): ConnectError | undefined => text?.error() ?? guardError;
  let replay: ReplayableBody | null;
  if (call.whole !== undefined) {
    const bytes = textMode ? decodeTextBytes(call.whole) : call.whole;
    checkWholeBody(client, bytes, call.config.limits.maxMessageBytes);
    replay = wholeBody(bytes);
  } else {
    let source = text?.stream ?? call.body;
    if (source !== null) source = source.pipeThrough(bodyGuard(client, call.config.limits.maxMessageBytes, onGuard));
    replay = source === null ? null : replayableBody(source);
  }
  const policy = retryPolicy(call.rule);
  const retryable = client.kind !== "connect-stream";
  let idleError: ConnectError | undefined;
  const failure = (reason: unknown): ConnectError => {
    if (timer.expired()) return deadlineError();
    if (isEdgeTimeout(reason)) return reason;
    const fromBody = bodyError();
    if (fromBody !== undefined) return fromBody;
    if (idleError !== undefined) return idleError;
    console.error(`grpcroute-edge: origin stream for ${label(call.decision)} broke: ${describe(reason)}`);
    return new ConnectError("origin stream broke", Code.Unavailable);
  };
  let decision = call.decision;
  let origin = call.origin;
  let retriesLeft = policy.limit;
  /** Whether another attempt may go, and if so, with which backend. */
  const retryNext = async (): Promise<boolean> => {
    if (!retryable || retriesLeft <= 0 || timer.expired()) return false;
    if (replay !== null && !(await replay.complete())) return false;
    retriesLeft--;
    const other = redraw(call.table, decision, call.config.origins, call.random);
    if (other !== undefined) ({ decision, origin } = other);
    return true;
  };

  try {
    // The first envelope header is checked before the origin is called, so an oversized
    // first message never reaches it (bounded: a client stream may wait to send).
    if (replay !== null && client.kind !== "connect-unary") {
      await replay.prefetch(5, firstHeaderWaitMs);
      const early = bodyError();
      if (early !== undefined) throw early;
    }
    for (let first = true; ; first = false) {
      const outcome = await attempt(call, decision, origin, replay, first, bodyError, (e) => (idleError = e));
      if (outcome.kind === "error") {
        if (outcome.unsent && (await retryNext())) continue;
        throw outcome.error;
      }
      let res = outcome.res;
      if (policy.codes.size > 0 && retryable && retriesLeft > 0) {
        const peeked = await peekStatus(res, outcome.target);
        res = peeked.res;
        if (peeked.code !== undefined && policy.codes.has(peeked.code) && (await retryNext())) {
          outcome.watch?.stop();
          res.body?.cancel().catch(() => undefined);
          continue;
        }
      }
      replay?.finish();
      return outcome.translate ? await translatedResponse(client, res, failure) : relayResponse(client, res, failure, outcome.watch);
    }
  } catch (e) {
    replay?.finish();
    if (timer.expired()) throw deadlineError();
    throw bodyError() ?? e;
  }
}

/** One request to one origin; the response's body is watched for STREAM_IDLE_TIMEOUT_MS. */
async function attempt(
  call: ForwardCall,
  decision: ForwardDecision,
  origin: Origin,
  replay: ReplayableBody | null,
  first: boolean,
  bodyError: () => ConnectError | undefined,
  onIdle: (error: ConnectError) => void,
): Promise<Outcome> {
  const { client, request, url, timer } = call;
  const limits = call.config.limits;
  const target = origin.protocol ?? familyOf(client.kind);
  const translate = target !== familyOf(client.kind);
  const headers = upstreamRequestHeaders(client, target, request, url, decision.filters, timer);
  const keepQuery = !translate && client.kind === "connect-unary" && client.get;
  const pathAndQuery = call.procedure.path + (keepQuery ? url.search : "");
  const method = translate ? translatedMethod : request.method;
  const clientBody = replay?.attempt() ?? null;
  const asStream = clientBody instanceof Uint8Array ? bytesStream(clientBody) : clientBody;
  const upstreamBody: UpstreamBody = translate ? await translatedBody(client, request, url, asStream) : clientBody;
  // The body fetch() reads, counted: a connection that failed before taking a byte sent nothing.
  const sent = countedBody(upstreamBody);
  const mirrorOrigins = first
    ? decision.mirrors.map((m) => {
        const o = resolveOrigin(m.backend, call.config.origins);
        // A mirror speaking neither protocol of this call is skipped, not sent a wrong one.
        return o !== null && (o.protocol === undefined || o.protocol === target) ? o : null;
      })
    : [];
  const body = startMirrors(
    mirrorOrigins,
    sent.body,
    (o, copy) => callOrigin(o, call.env, pathAndQuery, url, { method, headers: new Headers(headers), body: copy }),
    call.waitUntil,
  );
  const controller = new AbortController();
  const abortOnDeadline = (): void => controller.abort(deadlineError());
  if (timer.signal?.aborted) abortOnDeadline();
  timer.signal?.addEventListener("abort", abortOnDeadline, { once: true });
  let headersTimedOut = false;
  const headersTimer = setTimeout(() => {
    headersTimedOut = true;
    controller.abort(headersTimeoutError(limits.originHeadersTimeoutMs));
  }, limits.originHeadersTimeoutMs);
  let res: Response;
  try {
    res = await callOrigin(origin, call.env, pathAndQuery, url, { method, headers, body, redirect: "manual", signal: controller.signal });
  } catch (reason) {
    if (timer.expired()) return { kind: "error", error: deadlineError(), unsent: false };
    const fromBody = bodyError();
    if (fromBody !== undefined) return { kind: "error", error: fromBody, unsent: false };
    if (headersTimedOut) return { kind: "error", error: headersTimeoutError(limits.originHeadersTimeoutMs), unsent: false };
    // workerd reads one chunk of the body ahead while it connects; a connection that
    // failed before fetch() read again (refused) sent nothing, one reset later may have.
    const unsent = sent.taken() <= 1;
    console.error(`grpcroute-edge: origin for ${label(decision)} is unreachable (${unsent ? "nothing sent" : "request partly sent"}): ${describe(reason)}`);
    return { kind: "error", error: new ConnectError(`origin for ${label(decision)} is unreachable`, Code.Unavailable), unsent };
  } finally {
    clearTimeout(headersTimer);
  }
  // A body that failed its checks may still have drawn an answer to its truncated
  // frames; the caller's real problem is its request.
  const fromBody = bodyError();
  if (fromBody !== undefined) {
    res.body?.cancel().catch(() => undefined);
    return { kind: "error", error: fromBody, unsent: false };
  }
  // STREAM_IDLE_TIMEOUT_MS, watched as cheaply as each path allows: a framed body relayed
  // by the edge reports its chunks to one timer; a small Connect unary body is read whole
  // against a timer; only translated bodies get a watching stream of their own.
  let watch: IdleWatch | undefined;
  if (res.body !== null) {
    const ms = limits.streamIdleTimeoutMs;
    const idle = (e: ConnectError): void => {
      onIdle(e);
      controller.abort(e);
    };
    const length = Number(res.headers.get(headerContentLength) ?? Number.NaN);
    if (!translate && client.kind === "connect-unary" && Number.isInteger(length) && length <= replayMaxBytes) {
      try {
        const bytes = await readWithin(res, ms, idle);
        res = new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
      } catch (reason) {
        if (timer.expired()) return { kind: "error", error: deadlineError(), unsent: false };
        console.error(`grpcroute-edge: origin response for ${label(decision)} broke: ${describe(reason)}`);
        return { kind: "error", error: isEdgeTimeout(reason) ? reason : new ConnectError("origin stream broke", Code.Unavailable), unsent: false };
      }
    } else if (translate || client.kind === "connect-unary") {
      res = new Response(withIdleTimeout(res.body, ms, idle), { status: res.status, statusText: res.statusText, headers: res.headers });
    } else watch = new IdleWatch(ms, idle);
  }
  return { kind: "response", res, target, translate, watch };
}

/** The checks a request body passes through on its way out (see request-limits.ts). */
function bodyGuard(client: ClientProtocol, max: number, onError: (e: ConnectError) => void): TransformStream<Uint8Array, Uint8Array> {
  switch (client.kind) {
    case "connect-unary":
      return createByteLimit(max, onError);
    case "connect-stream":
      return createEnvelopeGuard(max, Code.InvalidArgument, onError);
    case "grpc-web":
      return createEnvelopeGuard(max, Code.Internal, onError);
  }
}

/** bodyGuard's checks on a body read whole; throws the ConnectError. */
function checkWholeBody(client: ClientProtocol, bytes: Uint8Array, max: number): void {
  if (client.kind === "connect-unary") {
    if (bytes.length > max) throw messageTooLarge(bytes.length, max);
    return;
  }
  const checker = new EnvelopeChecker(max, client.kind === "grpc-web" ? Code.Internal : Code.InvalidArgument);
  checker.push(bytes);
  checker.end();
}

/** Whole bytes as a stream, for the translators that read one. */
function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      if (bytes.length > 0) c.enqueue(bytes);
      c.close();
    },
  });
}

/** The body as fetch() will read it, noting whether it took anything. */
function countedBody(body: UpstreamBody): { body: UpstreamBody; taken(): number } {
  let taken = 0;
  // Whole bytes go out as a plain buffer (with a Content-Length, no JS stream). Whether the
  // origin read them before the connection failed cannot be told: workerd takes a small
  // body in one piece while it connects (see README "Retries", SECURITY.md).
  if (body === null || body instanceof Uint8Array) return { body, taken: () => 0 };
  const reader = body.getReader();
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        // Any read counts, even one that finds the end: the request may have gone out.
        taken++;
        const next = await reader.read();
        if (next.done) c.close();
        else c.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { body: counted, taken: () => taken };
}

function label(decision: ForwardDecision): string {
  return `backend ${decision.backend.name}.${decision.backend.namespace}`;
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

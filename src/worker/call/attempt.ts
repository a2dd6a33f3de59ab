import { Code, ConnectError, headerContentLength, translatedBody, translatedMethod, type UpstreamBody } from "../../protocol/index.ts";
import type { Origin, OriginProtocol } from "../../table/types.ts";
import { deadlineError } from "./deadline-signal.ts";
import type { ForwardCall } from "./call.ts";
import { headersTimeoutError, IdleWatch, isEdgeTimeout, readWithin, withIdleTimeout } from "./idle.ts";
import { startMirrors } from "./mirror.ts";
import { resolveOrigin } from "../origins.ts";
import { replayMaxBytes, type ReplayableBody } from "../body/replay.ts";
import { upstreamRequestHeaders } from "../request/upstream-headers.ts";
import type { ForwardDecision } from "./retry.ts";
import { callOrigin, familyOf } from "./upstream.ts";

const statusOk = 200;

/** How one attempt ended: an answer, or an error (`unsent`: nothing of the request left the edge). */
export type Outcome =
  | { kind: "response"; res: Response; target: OriginProtocol; translate: boolean; watch?: IdleWatch | undefined }
  /** `retryable`: the attempt ran out of its per-try timeout, so another may go even though this one was sent. */
  | { kind: "error"; error: ConnectError; unsent: boolean; retryable?: boolean };

/** One request to one origin; the response's body is watched for STREAM_IDLE_TIMEOUT_MS. */
export async function attempt(
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
  const headers = upstreamRequestHeaders(client, target, call.headers, url, decision.filters, timer);
  const keepQuery = !translate && client.kind === "connect-unary" && client.get;
  const pathAndQuery = call.procedure.path + (keepQuery ? url.search : "");
  const method = translate ? translatedMethod : request.method;
  const clientBody = replay?.attempt();
  const own = clientBody?.body ?? null;
  // Only the translators read a stream; the direct path sends whole bytes as they are.
  const upstreamBody: UpstreamBody = translate
    ? await translatedBody(client, request, url, own instanceof Uint8Array ? bytesStream(own) : own, limits.maxMessageBytes)
    : own;
  // The attempt's stream counts fetch()'s reads: a connection that failed before taking a
  // byte sent nothing. A translation that re-framed the body sends whole bytes, which
  // cannot tell (see wholeBody in replay.ts).
  const sent = { body: upstreamBody, taken: upstreamBody !== null && upstreamBody === own ? clientBody!.taken : () => 0 };
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
  // workerd aborts the incoming request's signal when it sees the client go away (the
  // enable_request_signal compatibility flag): end the origin call then. (workerd
  // 1.20260426 notices only when it writes to the client, so a call that is quiet on both
  // sides still waits for its idle or headers timeout.)
  const clientGone = (): void => controller.abort(new ConnectError("the client went away", Code.Canceled));
  if (call.request.signal?.aborted) clientGone();
  call.request.signal?.addEventListener("abort", clientGone, { once: true });
  // A BackendTrafficPolicy's perRetry.timeout bounds each attempt's wait for headers.
  const perTry = call.rule?.retry?.perTryTimeoutMs;
  const headersMs = perTry === undefined ? limits.originHeadersTimeoutMs : Math.min(perTry, limits.originHeadersTimeoutMs);
  let headersTimedOut = false;
  const headersTimer = setTimeout(() => {
    headersTimedOut = true;
    controller.abort(headersTimeoutError(headersMs));
  }, headersMs);
  let res: Response;
  try {
    res = await callOrigin(origin, call.env, pathAndQuery, url, { method, headers, body, redirect: "manual", signal: controller.signal });
  } catch (reason) {
    if (timer.expired()) return { kind: "error", error: deadlineError(), unsent: false };
    const fromBody = bodyError();
    if (fromBody !== undefined) return { kind: "error", error: fromBody, unsent: false };
    if (headersTimedOut) return { kind: "error", error: headersTimeoutError(headersMs), unsent: false, retryable: perTry !== undefined };
    // workerd reads one chunk of the body ahead while it connects; a connection that
    // failed before fetch() read again (refused) sent nothing, one reset later may have.
    const unsent = sent.taken() <= 1;
    call.log.error(
      `origin for ${label(decision)} is unreachable (${unsent ? "nothing sent" : "request partly sent"}): ${describe(reason)}`,
    );
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
  // by the edge reports its reads to one timer; a Connect unary error body is read whole
  // against a timer; translated bodies get a watching stream of their own. A Connect unary
  // answer passes to the client untouched (workerd's native copy, the origin's compression
  // kept), so the call's deadline bounds it, not the idle timeout.
  let watch: IdleWatch | undefined;
  if (res.body !== null) {
    const ms = call.rule?.idleTimeoutMs ?? limits.streamIdleTimeoutMs;
    const idle = (e: ConnectError): void => {
      onIdle(e);
      controller.abort(e);
    };
    const length = Number(res.headers.get(headerContentLength) ?? Number.NaN);
    const connectUnary = !translate && client.kind === "connect-unary";
    if (connectUnary && res.status !== statusOk && Number.isInteger(length) && length <= replayMaxBytes) {
      try {
        const bytes = await readWithin(res, ms, idle);
        res = new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
      } catch (reason) {
        if (timer.expired()) return { kind: "error", error: deadlineError(), unsent: false };
        call.log.error(`origin response for ${label(decision)} broke: ${describe(reason)}`);
        return {
          kind: "error",
          error: isEdgeTimeout(reason) ? reason : new ConnectError("origin stream broke", Code.Unavailable),
          unsent: false,
        };
      }
    } else if (translate || (connectUnary && res.status !== statusOk)) {
      res = new Response(withIdleTimeout(res.body, ms, idle), { status: res.status, statusText: res.statusText, headers: res.headers });
    } else if (!connectUnary) watch = new IdleWatch(ms, idle);
  }
  return { kind: "response", res, target, translate, watch };
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

export function label(decision: ForwardDecision): string {
  return `backend ${decision.backend.name}.${decision.backend.namespace}`;
}

export function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

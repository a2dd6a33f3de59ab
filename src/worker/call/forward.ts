import {
  Code,
  ConnectError,
  headerContentLength,
  peekStatus,
  relayResponse,
  requestBodyCheck,
  translatedResponse,
} from "../../protocol/index.ts";
import { deadlineError } from "./deadline-signal.ts";
import { isEdgeTimeout } from "./idle.ts";
import { ClientBody } from "../body/client-body.ts";
import { nativeBody, replayableBody, replayMaxBytes, wholeBody, type ReplayableBody } from "../body/replay.ts";
import { redraw, retryPolicy } from "./retry.ts";
import { attempt, describe, label } from "./attempt.ts";
import type { ForwardCall } from "./call.ts";

/** How long the edge waits for a request's first envelope header before calling the origin anyway. */
const firstHeaderWaitMs = 1000;

/**
 * The declared length of a Connect unary body that fetch() may take as the client's own
 * stream: over `replayMaxBytes` it can never be retried, Connect unary has no envelopes
 * and no text mode, and handle.ts has held its Content-Length to MAX_MESSAGE_BYTES, which
 * HTTP framing holds the body to. Undefined for every other body, which ClientBody reads.
 */
function untouchedLength(call: ForwardCall): number | undefined {
  if (call.client.kind !== "connect-unary" || call.client.get) return undefined;
  const declared = call.request.headers.get(headerContentLength);
  const length = declared === null ? Number.NaN : Number(declared);
  return Number.isInteger(length) && length > replayMaxBytes && length <= call.config.limits.maxMessageBytes ? length : undefined;
}

/**
 * Forward a call to its origin, with mirrors copied off the request body. In the client's
 * own protocol bodies stream both ways (docs/edge.md "Same protocol"); to an origin
 * that speaks the other protocol the call is translated. A small request body arrives
 * whole and checked (handle.ts); a larger one is read by one ClientBody, which checks it
 * as it streams (MAX_MESSAGE_BYTES, truncated envelopes, compressed flags) and keeps it up
 * to 64 KiB. Either way a call that never reached its origin, or got a status the route
 * retries, can be sent again (see retry.ts). Throws ConnectError for anything the caller
 * must answer as an error.
 */
export async function forward(call: ForwardCall): Promise<Response> {
  const { client, timer } = call;
  let body: ClientBody | undefined;
  let replay: ReplayableBody | null;
  let counted: (() => void) | undefined;
  const untouched = call.body === null ? undefined : untouchedLength(call);
  if (call.whole !== undefined) replay = wholeBody(call.whole);
  else if (call.body === null) replay = null;
  else if (untouched !== undefined) {
    replay = nativeBody(call.body);
    counted = () => call.log.request(untouched, 1);
  } else {
    const source = new ClientBody(call.body, requestBodyCheck(client, call.headers, call.config.limits.maxMessageBytes));
    body = source;
    replay = replayableBody(source);
    counted = () => call.log.request(source.bytes, source.messages());
  }
  const bodyError = (): ConnectError | undefined => body?.error();
  const policy = retryPolicy(call.rule);
  const retryable = client.kind !== "connect-stream";
  let idleError: ConnectError | undefined;
  const failure = (reason: unknown): ConnectError => {
    const e = streamFailure(reason);
    call.log.edge(e);
    return e;
  };
  const streamFailure = (reason: unknown): ConnectError => {
    if (timer.expired()) return deadlineError();
    if (isEdgeTimeout(reason)) return reason;
    const fromBody = bodyError();
    if (fromBody !== undefined) return fromBody;
    if (idleError !== undefined) return idleError;
    call.log.error(`origin stream for ${label(call.decision)} broke: ${describe(reason)}`);
    return new ConnectError("origin stream broke", Code.Unavailable);
  };
  let decision = call.decision;
  let origin = call.origin;
  let retriesLeft = policy.limit;
  /** Whether another attempt may go, and if so, with which backend. */
  const retryNext = async (): Promise<boolean> => {
    if (!retryable || retriesLeft <= 0 || timer.expired()) return false;
    if (replay !== null && !(await replay.complete())) return false;
    if (policy.backoff !== undefined) {
      // Fully jittered exponential backoff (Envoy's), never past the deadline.
      const n = policy.limit - retriesLeft;
      const cap = Math.min(policy.backoff.maxMs, policy.backoff.baseMs * 2 ** n);
      const wait = Math.min(call.random() * cap, timer.remaining() ?? Number.POSITIVE_INFINITY);
      await new Promise((r) => setTimeout(r, wait));
      if (timer.expired()) return false;
    }
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
    for (let first = true, attempts = 1; ; first = false, attempts++) {
      call.log.set("attempts", attempts);
      const outcome = await attempt(call, decision, origin, replay, first, bodyError, (e) => (idleError = e));
      if (outcome.kind === "error") {
        if ((outcome.unsent || outcome.retryable === true) && (await retryNext())) continue;
        throw outcome.error;
      }
      let res = outcome.res;
      if ((policy.codes.size > 0 || policy.httpStatuses !== undefined) && retryable && retriesLeft > 0) {
        const peeked = await peekStatus(res, outcome.target);
        res = peeked.res;
        const again =
          peeked.httpStatus !== undefined && policy.httpStatuses !== undefined
            ? policy.httpStatuses.has(peeked.httpStatus)
            : peeked.code !== undefined && policy.codes.has(peeked.code);
        if (again && (await retryNext())) {
          outcome.watch?.stop();
          res.body?.cancel().catch(() => undefined);
          continue;
        }
      }
      void replay?.finish();
      counted?.();
      if (outcome.translate) return await translatedResponse(client, res, failure, call.config.limits.maxMessageBytes);
      const relayed = await relayResponse(client, res, {
        failure,
        watch: outcome.watch,
        onEdgeStatus: (e) => call.log.edge(e),
        exact: call.rule?.exactRelay === true,
        maxMessageBytes: call.config.limits.maxMessageBytes,
        waitUntil: call.waitUntil,
        ...(call.request.signal !== undefined ? { clientSignal: call.request.signal } : {}),
      });
      if (relayed.outcome !== undefined) call.log.relayed(relayed.outcome);
      return relayed.response;
    }
  } catch (e) {
    // The answer waits for the rest of the body, drained within bounds (drain.ts).
    await Promise.all([replay?.finish(), body?.drain()]);
    counted?.();
    if (timer.expired()) throw deadlineError();
    throw bodyError() ?? e;
  }
}

import type { RetryPolicy } from "../../table/types.ts";
import type { BackendTrafficPolicyDoc } from "../model.ts";
import { GRPC_CODE_BY_NAME, type RoutePolicy } from "./route-policy.ts";

/**
 * A BackendTrafficPolicy's `retry` and `timeout` on the edge's retry engine and deadline
 * (https://gateway.envoyproxy.io/docs/api/extension_types/#retry). gRPC triggers retry on a
 * real `grpc-status` the origin sends before any message; HTTP triggers on a non-gRPC
 * answer's status. Connections that failed before any byte was sent are always retried
 * while retries are left, whatever the triggers: nothing reached the origin.
 */

/** Envoy's HTTP triggers as the statuses they retry. */
const httpTriggers: Readonly<Record<string, readonly number[]>> = {
  "5xx": Array.from({ length: 100 }, (_, i) => 500 + i),
  "gateway-error": [502, 503, 504],
  "retriable-4xx": [409],
};

export interface TrafficRule extends RoutePolicy {
  idleTimeoutMs?: number;
}

export function trafficRule(policy: BackendTrafficPolicyDoc): TrafficRule {
  const out: TrafficRule = {};
  const r = policy.spec.retry;
  if (r !== undefined) {
    const codes = new Set<number>();
    const statuses = new Set<number>();
    for (const t of r.triggers) {
      const code = GRPC_CODE_BY_NAME[t];
      if (code !== undefined) codes.add(code);
      for (const s of httpTriggers[t] ?? []) statuses.add(s);
      if (t === "retriable-status-codes") for (const s of r.httpStatusCodes) statuses.add(s);
    }
    const retry: RetryPolicy = {
      codes: [...codes].sort((a, b) => a - b),
      limit: r.numRetries,
      httpStatuses: [...statuses].sort((a, b) => a - b),
    };
    if (r.perRetryTimeoutMs !== undefined) retry.perTryTimeoutMs = r.perRetryTimeoutMs;
    if (r.backOff !== undefined) retry.backoff = { baseMs: r.backOff.baseIntervalMs, maxMs: r.backOff.maxIntervalMs };
    out.retry = retry;
  }
  const t = policy.spec.timeout;
  if (t !== undefined) {
    // Both end the call at a fixed time after it starts: the deadline is the sooner; 0s is none.
    const caps = [t.requestTimeoutMs, t.maxStreamDurationMs].filter((ms): ms is number => ms !== undefined && ms > 0);
    if (caps.length > 0) out.timeoutMs = Math.min(...caps);
    if (t.streamIdleTimeoutMs !== undefined && t.streamIdleTimeoutMs > 0) out.idleTimeoutMs = t.streamIdleTimeoutMs;
  }
  return out;
}

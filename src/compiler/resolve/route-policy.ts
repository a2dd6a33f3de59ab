import { formatPath, type Diagnostic } from "../diagnostics.ts";
import type { GRPCRouteDoc } from "../model.ts";
import { DEFAULT_RETRY_LIMIT, type RetryPolicy } from "../../table/types.ts";

/** Linkerd's retry and timeout annotations on a GRPCRoute (https://linkerd.io/2-edge/reference/retries/, https://linkerd.io/2-edge/reference/timeouts/), as the edge honours them. */
export const POLICY_ANNOTATION = {
  grpcRetry: "retry.linkerd.io/grpc",
  retryLimit: "retry.linkerd.io/limit",
  requestTimeout: "timeout.linkerd.io/request",
} as const;

/**
 * How the edge relays this route's responses: `native` (the default) relays the first
 * 64 KiB itself and pipes the rest through workerd natively; `exact` relays all of it,
 * keeping every status guarantee and the log's view of the whole stream (docs/edge.md).
 */
export const RELAY_ANNOTATION = "grpcroute-edge.dev/relay";

/** Linkerd annotations the edge does not implement: warned about, ignored. */
const unsupported: Record<string, string> = {
  "retry.linkerd.io/http": "retry.linkerd.io/http is for HTTPRoute; on a GRPCRoute use retry.linkerd.io/grpc",
  "retry.linkerd.io/timeout": "per-try timeouts are not implemented by grpcroute-edge",
  "timeout.linkerd.io/response": "response timeouts are not implemented by grpcroute-edge; use timeout.linkerd.io/request",
  "timeout.linkerd.io/idle": "idle timeouts are set for the whole Worker by the STREAM_IDLE_TIMEOUT_MS var",
};

export const MAX_RETRY_LIMIT = 10;

/** gRPC status names as Linkerd and the Gateway API write them (kebab-case), with their codes. */
export const GRPC_CODE_BY_NAME: Readonly<Record<string, number>> = {
  cancelled: 1,
  unknown: 2,
  "invalid-argument": 3,
  "deadline-exceeded": 4,
  "not-found": 5,
  "already-exists": 6,
  "permission-denied": 7,
  "resource-exhausted": 8,
  "failed-precondition": 9,
  aborted: 10,
  "out-of-range": 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  "data-loss": 15,
  unauthenticated: 16,
};

export interface RoutePolicy {
  retry?: RetryPolicy;
  timeoutMs?: number;
  exactRelay?: true;
}

/** A Go duration (`300ms`, `1.5s`, `1m30s`, `0`) in milliseconds, rounded up; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    at = re.lastIndex;
  }
  if (at === 0 || at !== text.length) return undefined;
  return Math.ceil(total);
}

/**
 * Read the route's retry and timeout annotations; each malformed one is an error at its
 * line (a bad duration, an unknown status name, a limit outside 0..10).
 */
export function routePolicy(route: GRPCRouteDoc, label: string, diagnostics: Diagnostic[]): RoutePolicy {
  const notes = route.metadata.annotations;
  const out: RoutePolicy = {};
  const report = (key: string, severity: "error" | "warning", message: string, fix: string): void => {
    const path = ["metadata", "annotations", key];
    diagnostics.push({
      severity,
      pos: route.locate(path),
      object: label,
      path: `${formatPath(["metadata", "annotations"])}[${key}]`,
      message,
      fix,
    });
  };
  for (const [key, why] of Object.entries(unsupported)) {
    if (notes[key] !== undefined) report(key, "warning", `annotation ${key} is ignored: ${why}`, "remove it");
  }
  const list = notes[POLICY_ANNOTATION.grpcRetry];
  const limitText = notes[POLICY_ANNOTATION.retryLimit];
  let limit = DEFAULT_RETRY_LIMIT;
  if (limitText !== undefined) {
    const v = limitText.trim();
    if (!/^\d+$/.test(v) || Number(v) > MAX_RETRY_LIMIT) {
      report(
        POLICY_ANNOTATION.retryLimit,
        "error",
        `${POLICY_ANNOTATION.retryLimit} must be an integer from 0 to ${MAX_RETRY_LIMIT}, got "${limitText}"`,
        'write a number such as "2"',
      );
    } else limit = Number(v);
  }
  if (list !== undefined) {
    const found: number[] = [];
    for (const raw of list.split(",")) {
      const name = raw
        .trim()
        .toLowerCase()
        .replace(/_/g, "-")
        .replace(/^canceled$/, "cancelled");
      if (name === "") continue;
      const code = GRPC_CODE_BY_NAME[name];
      if (code === undefined) {
        report(
          POLICY_ANNOTATION.grpcRetry,
          "error",
          `unknown gRPC status "${raw.trim()}" in ${POLICY_ANNOTATION.grpcRetry}`,
          `use names such as ${Object.keys(GRPC_CODE_BY_NAME)
            .filter((c) => [1, 4, 8, 13, 14].includes(GRPC_CODE_BY_NAME[c]!))
            .join(", ")}`,
        );
      } else if (!found.includes(code)) found.push(code);
    }
    if (found.length > 0 || limitText !== undefined) out.retry = { codes: found.sort((a, b) => a - b), limit };
  } else if (limitText !== undefined) out.retry = { codes: [], limit };
  const timeout = notes[POLICY_ANNOTATION.requestTimeout];
  if (timeout !== undefined) {
    const ms = parseGoDuration(timeout.trim());
    if (ms === undefined) {
      report(
        POLICY_ANNOTATION.requestTimeout,
        "error",
        `${POLICY_ANNOTATION.requestTimeout} "${timeout}" is not a duration`,
        'write a Go duration such as "500ms", "2s" or "1m30s"',
      );
    } else if (ms > 0) out.timeoutMs = ms;
  }
  const relay = notes[RELAY_ANNOTATION];
  if (relay !== undefined) {
    const v = relay.trim();
    if (v === "exact") out.exactRelay = true;
    else if (v !== "native")
      report(
        RELAY_ANNOTATION,
        "error",
        `${RELAY_ANNOTATION} must be "exact" or "native", got "${relay}"`,
        'write "exact" to relay every byte at the edge',
      );
  }
  return out;
}

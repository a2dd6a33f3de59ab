import type { BackendTrafficPolicySpec, FieldPath, RetrySpec, TimeoutSpec } from "../model.ts";
import { readRateLimit } from "./backend-traffic-policy-ratelimit.ts";
import type { Checker } from "./context.ts";
import {
  checkMergeType,
  optionalList,
  readBool,
  readDuration,
  readPolicyTargets,
  readStringList,
  refuse,
  TARGET_REFUSALS,
  type TargetRules,
} from "./policy-fields.ts";
import { field, isObj, readInt, readList, readObject, readString, required, type Obj } from "./read.ts";

// Envoy Gateway's BackendTrafficPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#backendtrafficpolicy):
// the CRD schema and CEL rules, the checks Envoy Gateway makes at translation, a refusal for what
// would change answers the Worker cannot reproduce, and a warning for upstream tuning it does not own.

/** The CRD's CEL rules on targets and `mergeType`. */
const TARGETS: TargetRules = {
  kinds: ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TCPRoute", "UDPRoute", "TLSRoute"],
  routeKinds: ["HTTPRoute", "GRPCRoute", "UDPRoute", "TCPRoute", "TLSRoute"],
  mergeTypeOwner: "BackendTrafficPolicySpec",
};

/** Refused features: each changes what a client is answered, or needs bodies buffered, in a way the Worker does not. */
const REFUSED: readonly [field: string, why: string, fix: string][] = [
  ["faultInjection", "injected delays and aborts are not built yet at the edge", "remove faultInjection"],
  [
    "responseOverride",
    "it rewrites the answers clients get, and the edge's answers to gRPC-web and Connect clients follow their protocols",
    "remove responseOverride; have the origin send the response it means",
  ],
  ["requestBuffer", "it holds the whole request body before forwarding, and the Worker streams bodies through", "remove requestBuffer"],
  [
    "admissionControl",
    "it rejects requests by the origin's recent success rate, which changes answers and needs state the edge does not keep",
    "remove admissionControl",
  ],
  [
    "bandwidthLimit",
    "it paces bodies through buffers, and the Worker streams bodies through unpaced",
    "remove bandwidthLimit; limit request rates with rateLimit",
  ],
  ...TARGET_REFUSALS,
];

/** Ignored features and their CRD types (only the type is checked): upstream tuning that is Cloudflare's, not the Worker's. */
const IGNORED: readonly [field: string, type: "object" | "list" | "boolean" | "string"][] = [
  ["circuitBreaker", "object"],
  ["connection", "object"],
  ["dns", "object"],
  ["healthCheck", "object"],
  ["http2", "object"],
  ["loadBalancer", "object"],
  ["proxyProtocol", "object"],
  ["tcpKeepalive", "object"],
  ["useClientProtocol", "boolean"],
  ["routingType", "string"],
  ["telemetry", "object"],
  ["compression", "list"],
  ["compressor", "list"],
  ["httpUpgrade", "list"],
];

const SPEC_FIELDS = ["targetRef", "targetRefs", "rateLimit", "retry", "timeout", ...REFUSED.map((r) => r[0]), ...IGNORED.map((r) => r[0])];

/** Envoy's `retry_on` conditions that Envoy Gateway exposes. */
const TRIGGERS = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];
/** Envoy Gateway's defaults when `retry` is present. */
const DEFAULT_TRIGGERS = ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"];
const DEFAULT_STATUS_CODES = [503];
const DEFAULT_RETRIES = 2;
const MAX_EDGE_RETRIES = 10;
/** Envoy's backoff defaults: base 25 ms, max 10 × base. */
const DEFAULT_BASE_INTERVAL_MS = 25;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

function readBackOff(ck: Checker, v: unknown, path: FieldPath): RetrySpec["backOff"] {
  const b = readObject(ck, v, path, { known: ["baseInterval", "maxInterval"] });
  if (b === undefined) return undefined;
  const base = readDuration(ck, field(b, "baseInterval"), [...path, "baseInterval"]);
  const max = readDuration(ck, field(b, "maxInterval"), [...path, "maxInterval"]);
  let ok = true;
  if (base === 0) {
    ck.error([...path, "baseInterval"], "baseInterval cannot be set to 0s", "write a positive interval, e.g. 25ms, or remove it");
    ok = false;
  }
  if (max === 0) {
    ck.error([...path, "maxInterval"], "maxInterval cannot be set to 0s", "write a positive interval, e.g. 250ms, or remove it");
    ok = false;
  }
  if (!ok || (base === undefined && max === undefined)) return undefined;
  const baseIntervalMs = base ?? DEFAULT_BASE_INTERVAL_MS;
  const maxIntervalMs = max ?? 10 * baseIntervalMs;
  if (maxIntervalMs < baseIntervalMs) {
    const unset = base === undefined ? ` (${DEFAULT_BASE_INTERVAL_MS}ms when unset)` : "";
    ck.error(
      [...path, "maxInterval"],
      `maxInterval cannot be less than baseInterval${unset}`,
      `use a maxInterval of at least ${baseIntervalMs}ms`,
    );
    return undefined;
  }
  return { baseIntervalMs, maxIntervalMs };
}

/** `spec.retry`, with Envoy Gateway's defaults (and its status-code quirk) applied. */
function readRetry(ck: Checker, v: unknown, path: FieldPath): RetrySpec | undefined {
  const r = readObject(ck, v, path, { known: ["numRetries", "numAttemptsPerPriority", "retryOn", "perRetry"] });
  if (r === undefined) return undefined;
  let numRetries = readInt(ck, field(r, "numRetries"), [...path, "numRetries"], { min: 0, max: INT32_MAX }) ?? DEFAULT_RETRIES;
  if (numRetries > MAX_EDGE_RETRIES) {
    ck.error(
      [...path, "numRetries"],
      `numRetries ${numRetries} is too many: the edge retries at most ${MAX_EDGE_RETRIES} times`,
      `use numRetries: ${MAX_EDGE_RETRIES} or fewer`,
    );
    numRetries = MAX_EDGE_RETRIES;
  }
  readInt(ck, field(r, "numAttemptsPerPriority"), [...path, "numAttemptsPerPriority"], { min: INT32_MIN, max: INT32_MAX });
  refuse(
    ck,
    r,
    "numAttemptsPerPriority",
    path,
    "the edge has no endpoint priorities to fail over between",
    "remove numAttemptsPerPriority",
  );
  const out: RetrySpec = { numRetries, triggers: [...DEFAULT_TRIGGERS], httpStatusCodes: [...DEFAULT_STATUS_CODES] };
  const op = [...path, "retryOn"];
  const on = readObject(ck, field(r, "retryOn"), op, { known: ["triggers", "httpStatusCodes"] });
  if (on !== undefined) {
    const triggers = readStringList(ck, field(on, "triggers"), [...op, "triggers"], {}, { enum: TRIGGERS });
    const codes: number[] = [];
    optionalList(ck, field(on, "httpStatusCodes"), [...op, "httpStatusCodes"]).forEach((c, i) => {
      const n = readInt(ck, c, [...op, "httpStatusCodes", i], { min: 100, max: 599, fix: "use an HTTP status code from 100 to 599" });
      if (n !== undefined) codes.push(n);
    });
    // Envoy Gateway: triggers replace the default list, and with it the default 503. Both lists are sets.
    if (triggers.length > 0) {
      out.triggers = [...new Set(triggers)];
      out.httpStatusCodes = [...new Set(codes)];
    } else if (codes.length > 0) out.httpStatusCodes = [...new Set(codes)];
  }
  const pp = [...path, "perRetry"];
  const per = readObject(ck, field(r, "perRetry"), pp, { known: ["timeout", "backOff"] });
  if (per !== undefined) {
    const timeout = readDuration(ck, field(per, "timeout"), [...pp, "timeout"]);
    if (timeout !== undefined) out.perRetryTimeoutMs = timeout;
    const backOff = readBackOff(ck, field(per, "backOff"), [...pp, "backOff"]);
    if (backOff !== undefined) out.backOff = backOff;
  }
  return out;
}

const CONNECTION_TUNING = "upstream connection tuning the Worker does not own";

/** `spec.timeout`: the request and stream timeouts in milliseconds; connection timeouts are warned about. */
function readTimeout(ck: Checker, v: unknown, path: FieldPath): TimeoutSpec | undefined {
  const t = readObject(ck, v, path, { known: ["http", "tcp"] });
  if (t === undefined) return undefined;
  const out: TimeoutSpec = {};
  const hp = [...path, "http"];
  const http = readObject(ck, field(t, "http"), hp, {
    known: ["requestTimeout", "maxStreamDuration", "streamIdleTimeout", "connectionIdleTimeout", "maxConnectionDuration"],
  });
  if (http !== undefined) {
    const kept = [
      ["requestTimeout", "requestTimeoutMs"],
      ["maxStreamDuration", "maxStreamDurationMs"],
      ["streamIdleTimeout", "streamIdleTimeoutMs"],
    ] as const;
    for (const [key, to] of kept) {
      const ms = readDuration(ck, field(http, key), [...hp, key]);
      if (ms !== undefined) out[to] = ms;
    }
    for (const key of ["connectionIdleTimeout", "maxConnectionDuration"]) ignoredDuration(ck, http, key, hp);
  }
  const tcp = readObject(ck, field(t, "tcp"), [...path, "tcp"], { known: ["connectTimeout"] });
  if (tcp !== undefined) ignoredDuration(ck, tcp, "connectTimeout", [...path, "tcp"]);
  return out;
}

function ignoredDuration(ck: Checker, obj: Obj, key: string, path: FieldPath): void {
  if (field(obj, key) === undefined) return;
  readDuration(ck, field(obj, key), [...path, key]);
  ck.warn(
    [...path, key],
    `${key} is ignored: ${CONNECTION_TUNING}`,
    `remove ${key}; Cloudflare manages the connections to the origin`,
    "key",
  );
}

/** Ignored spec fields: the CRD type is checked, then a warning. */
function warnIgnored(ck: Checker, spec: Obj): void {
  for (const [key, type] of IGNORED) {
    const v = field(spec, key);
    if (v === undefined) continue;
    const p = ["spec", key];
    if (type === "object") readObject(ck, v, p);
    else if (type === "list") readList(ck, v, p);
    else if (type === "boolean") readBool(ck, v, p);
    else readString(ck, v, p);
    ck.warn(
      p,
      `${key} is ignored: upstream connection and pool tuning the Worker does not own`,
      `remove ${key}; Cloudflare manages the connections to the origin`,
      "key",
    );
  }
}

/** The spec-level CEL rules on fields this reader refuses or ignores; the API server checks them all the same. */
function checkSpecRules(ck: Checker, spec: Obj): void {
  if (field(spec, "compression") !== undefined && field(spec, "compressor") !== undefined) {
    ck.error(["spec", "compressor"], "either compression or compressor can be set, not both", "remove compression (deprecated)", "key");
  }
  const upgrade = field(spec, "httpUpgrade");
  if (field(spec, "requestBuffer") !== undefined && Array.isArray(upgrade) && upgrade.length > 0) {
    ck.error(["spec", "requestBuffer"], "requestBuffer cannot be used together with httpUpgrade", "remove requestBuffer", "key");
  }
  if (field(spec, "admissionControl") !== undefined) {
    const allowed = ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute"];
    const refs = [field(spec, "targetRef"), ...(Array.isArray(field(spec, "targetRefs")) ? (field(spec, "targetRefs") as unknown[]) : [])];
    if (refs.some((t) => isObj(t) && !allowed.includes(String(field(t, "kind"))))) {
      ck.error(
        ["spec", "admissionControl"],
        "admissionControl can only be used with HTTPRoute, GRPCRoute, Gateway, or ListenerSet targets",
        "remove admissionControl",
        "key",
      );
    }
  }
  const connection = field(spec, "connection");
  const preconnect = isObj(connection) ? field(connection, "preconnect") : undefined;
  const lb = field(spec, "loadBalancer");
  const lbType = isObj(lb) ? field(lb, "type") : undefined;
  if (isObj(preconnect) && field(preconnect, "predictivePercent") !== undefined && lbType !== "Random" && lbType !== "RoundRobin") {
    ck.error(
      ["spec", "connection", "preconnect", "predictivePercent"],
      "predictivePercent in preconnect policy only works with RoundRobin or Random load balancers",
      "remove predictivePercent",
      "key",
    );
  }
}

/**
 * Validates a BackendTrafficPolicy's `spec` and returns it with the CRD's and Envoy Gateway's
 * defaults applied. Targets the edge does not serve are dropped with a warning.
 */
export function readBackendTrafficPolicySpec(ck: Checker, raw: Obj, _namespace: string): BackendTrafficPolicySpec {
  // `_namespace` is unused: the only references read here are targets, always in the policy's own namespace.
  const out: BackendTrafficPolicySpec = { targetRefs: [], deprecatedTargetRef: false };
  const spec = readObject(ck, required(ck, raw, "spec", [], "add spec with targetRefs and rateLimit, retry or timeout"), ["spec"], {
    known: SPEC_FIELDS,
  });
  if (spec === undefined) return out;
  readPolicyTargets(ck, spec, TARGETS, out);
  for (const [key, why, fix] of REFUSED) {
    const v = field(spec, key);
    // An empty list (selectors, overrides) selects nothing and changes nothing.
    if (!(Array.isArray(v) && v.length === 0)) refuse(ck, spec, key, ["spec"], why, fix);
  }
  checkMergeType(ck, spec, TARGETS);
  checkSpecRules(ck, spec);
  warnIgnored(ck, spec);
  const rateLimit = readRateLimit(ck, field(spec, "rateLimit"), ["spec", "rateLimit"]);
  if (rateLimit !== undefined) out.rateLimit = rateLimit;
  const retry = readRetry(ck, field(spec, "retry"), ["spec", "retry"]);
  if (retry !== undefined) out.retry = retry;
  const timeout = readTimeout(ck, field(spec, "timeout"), ["spec", "timeout"]);
  if (timeout !== undefined) out.timeout = timeout;
  return out;
}

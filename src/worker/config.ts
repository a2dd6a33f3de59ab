import { Code, ConnectError } from "../protocol/index.ts";
import type { EdgeEnv } from "./env.ts";
import { parseOriginOverrides, type OriginOverrides } from "./origins.ts";

/** Settings derived from the vars, parsed once per distinct value, not per request. */
export interface EdgeConfig {
  cors: CorsConfig;
  origins: OriginOverrides;
  limits: EdgeLimits;
}

export interface CorsConfig {
  /** Exact origins allowed. */
  origins: ReadonlySet<string>;
  /** `*` was configured and credentials are off. */
  any: boolean;
  credentials: boolean;
}

/** The edge's own bounds on a call (vars `MAX_MESSAGE_BYTES`, `ORIGIN_HEADERS_TIMEOUT_MS`, `STREAM_IDLE_TIMEOUT_MS`). */
export interface EdgeLimits {
  /** Largest request message (one envelope, or a Connect unary body) forwarded; larger → RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  /** How long an origin may take to send its response headers; then UNAVAILABLE. */
  originHeadersTimeoutMs: number;
  /** How long an origin's response body may go without a byte; then UNAVAILABLE. */
  streamIdleTimeoutMs: number;
}

export const defaultLimits: EdgeLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  originHeadersTimeoutMs: 30_000,
  streamIdleTimeoutMs: 300_000,
};

/** A var that cannot be used: every request gets INTERNAL naming it, and it is logged. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
  /** What the caller sees: names the var, never its value. */
  toConnectError(): ConnectError {
    return new ConnectError(`edge misconfigured: the ${this.variable} var is invalid (see the Worker's logs)`, Code.Internal);
  }
}

let cachedKey: string | undefined;
let cached: EdgeConfig | ConfigError | undefined;
// workerd hands every request of an isolate the same env object, and vars cannot change
// under a running isolate: once an env has a config, the vars need not be read again.
const byEnv = new WeakMap<EdgeEnv, EdgeConfig | ConfigError>();

/** Every var the worker reads; wrangler.toml declares each (test/deploy/worker-types.test.ts). */
export const varNames = [
  "ALLOWED_ORIGINS",
  "ALLOW_CREDENTIALS",
  "ORIGINS",
  "MAX_MESSAGE_BYTES",
  "ORIGIN_HEADERS_TIMEOUT_MS",
  "STREAM_IDLE_TIMEOUT_MS",
  "TRACEPARENT",
] as const;

/**
 * The config for these vars: remembered per env object, and across env objects recomputed
 * only when a var changes (tests, redeploys). Never throws: a malformed var yields a
 * ConfigError, logged once per distinct value, which the caller answers in the request's
 * protocol.
 */
export function edgeConfig(env: EdgeEnv): EdgeConfig | ConfigError {
  const known = byEnv.get(env);
  if (known !== undefined) return known;
  const config = parseConfig(env);
  byEnv.set(env, config);
  return config;
}

function parseConfig(env: EdgeEnv): EdgeConfig | ConfigError {
  const key = JSON.stringify(varNames.map((n) => (typeof env[n] === "string" ? env[n] : null)));
  if (cached !== undefined && key === cachedKey) return cached;
  try {
    cached = {
      cors: parseCors(env.ALLOWED_ORIGINS, env.ALLOW_CREDENTIALS === "true"),
      origins: wrap("ORIGINS", () => parseOriginOverrides(env.ORIGINS)),
      limits: {
        maxMessageBytes: positiveInt(env, "MAX_MESSAGE_BYTES", defaultLimits.maxMessageBytes),
        originHeadersTimeoutMs: positiveInt(env, "ORIGIN_HEADERS_TIMEOUT_MS", defaultLimits.originHeadersTimeoutMs),
        streamIdleTimeoutMs: positiveInt(env, "STREAM_IDLE_TIMEOUT_MS", defaultLimits.streamIdleTimeoutMs),
      },
    };
  } catch (e) {
    const error = e instanceof ConfigError ? e : new ConfigError("unknown", String(e));
    console.error(`grpcroute-edge: ${error.variable}: ${error.message}`);
    cached = error;
  }
  cachedKey = key;
  return cached;
}

function wrap<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new ConfigError(variable, e instanceof Error ? e.message : String(e));
  }
}

function positiveInt(env: EdgeEnv, name: (typeof varNames)[number], fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) return fallback;
  const text = String(raw).trim();
  if (!/^\d{1,15}$/.test(text) || Number(text) <= 0)
    throw new ConfigError(name, `${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseCors(raw: string | undefined, credentials: boolean): CorsConfig {
  const list = wrap("ALLOWED_ORIGINS", () => parseList(raw));
  // `*` with credentials is refused by browsers (and would leak cookies): ignore it.
  const any = list.includes("*") && !credentials;
  return { origins: new Set(list.filter((o) => o !== "*")), any, credentials };
}

function parseList(raw: string | undefined): string[] {
  const text = raw?.trim() ?? "";
  if (text === "") return [];
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((o) => typeof o === "string")) {
      throw new Error('ALLOWED_ORIGINS as JSON must be an array of strings, e.g. ["https://app.example.com"]');
    }
    return parsed.map((o) => o.trim());
  }
  return text
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
}

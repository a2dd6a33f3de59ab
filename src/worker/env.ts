/**
 * The Worker's bindings. Vars are strings (wrangler.toml `[vars]`); every other key may be
 * a service binding an `ORIGINS` override names as `binding:NAME`.
 */
export interface EdgeEnv {
  /** Comma list or JSON array of allowed browser origins; `*` for any (never with credentials). */
  ALLOWED_ORIGINS?: string;
  /** "true" to send `Access-Control-Allow-Credentials` (then `*` is ignored). */
  ALLOW_CREDENTIALS?: string;
  /** JSON object: `name`, `name.namespace` or `name.namespace:port` → origin URL or `binding:NAME`. */
  ORIGINS?: string;
  /** Largest request message the edge forwards, in bytes (default 4 MiB); larger → RESOURCE_EXHAUSTED. */
  MAX_MESSAGE_BYTES?: string;
  /** Milliseconds an origin may take to send response headers (default 30000); then UNAVAILABLE. */
  ORIGIN_HEADERS_TIMEOUT_MS?: string;
  /** Milliseconds an origin's response may go without a byte (default 300000); then UNAVAILABLE. */
  STREAM_IDLE_TIMEOUT_MS?: string;
  /** "off": do not start a W3C trace (`traceparent`) for calls that arrive without one. */
  TRACEPARENT?: string;
  [binding: string]: unknown;
}

/** The part of a service binding the edge uses. */
export interface FetcherLike {
  fetch(request: Request): Promise<Response>;
}

/** `env[name]` when it is a service binding. */
export function serviceBinding(env: EdgeEnv, name: string): FetcherLike | undefined {
  const value = env[name];
  if (typeof value === "object" && value !== null && typeof (value as FetcherLike).fetch === "function") {
    return value as FetcherLike;
  }
  return undefined;
}

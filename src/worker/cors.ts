import { cors, headerOrigin, headerVary } from "../protocol/index.ts";
import type { CorsConfig } from "./config.ts";

const headerAllowOrigin = "access-control-allow-origin";
const headerAllowCredentials = "access-control-allow-credentials";
const headerAllowMethods = "access-control-allow-methods";
const headerAllowHeaders = "access-control-allow-headers";
const headerExposeHeaders = "access-control-expose-headers";
const headerMaxAge = "access-control-max-age";
const headerRequestHeaders = "access-control-request-headers";

/** Chrome caps preflight caching at 2 h, Firefox at 24 h (the Fetch standard's CORS protocol (https://fetch.spec.whatwg.org/#http-cors-protocol)). */
const maxAgeSeconds = "7200";
const preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const allowedMethods = [...cors.allowedMethods, "OPTIONS"].join(", ");
/** What each protocol's clients send (connect-es `cors.allowedHeaders`), plus `authorization`. */
const baseAllowedHeaders = [...cors.allowedHeaders, "Authorization"];

/** The `Access-Control-Allow-Origin` value for a request origin, or null when not allowed. */
function allowOrigin(config: CorsConfig, origin: string | null): string | null {
  if (origin === null) return null;
  if (config.origins.has(origin)) return origin;
  return config.any ? "*" : null;
}

/**
 * Answer a preflight at the edge, never touching an origin (the Fetch standard's CORS protocol, https://fetch.spec.whatwg.org/#http-cors-protocol):
 * the protocols' headers plus whatever the browser asks for, POST and GET, cached 2 h.
 * A disallowed origin gets a 204 without CORS headers, which the browser refuses.
 */
export function preflightResponse(config: CorsConfig, request: Headers): Response {
  const headers = new Headers({ [headerVary]: preflightVary });
  const allowed = allowOrigin(config, request.get(headerOrigin));
  if (allowed !== null) {
    headers.set(headerAllowOrigin, allowed);
    if (config.credentials) headers.set(headerAllowCredentials, "true");
    headers.set(headerAllowMethods, allowedMethods);
    const requested = request.get(headerRequestHeaders);
    headers.set(headerAllowHeaders, requested ? `${baseAllowedHeaders.join(", ")}, ${requested}` : baseAllowedHeaders.join(", "));
    headers.set(headerMaxAge, maxAgeSeconds);
  }
  return new Response(null, { status: 204, headers });
}

/**
 * Decorate an actual response for an allowed origin: the status headers gRPC-web reads
 * (connect-es `cors.exposedHeaders`) and every header the response carries, so metadata,
 * trailers-only statuses and Connect `trailer-*` headers are visible to JS.
 * The origin's own `access-control-*` headers are dropped first: the edge's policy is the
 * only one, or an origin answering `*` would open every response to every site.
 */
export function applyCors(config: CorsConfig, requestOrigin: string | null, headers: Headers): void {
  const own: string[] = [];
  headers.forEach((_, name) => {
    if (name.startsWith("access-control-")) own.push(name);
  });
  for (const name of own) headers.delete(name);
  const allowed = allowOrigin(config, requestOrigin);
  headers.append(headerVary, "Origin");
  if (allowed === null) return;
  headers.set(headerAllowOrigin, allowed);
  if (config.credentials) headers.set(headerAllowCredentials, "true");
  const exposed = new Set(cors.exposedHeaders.map((h) => h.toLowerCase()));
  headers.forEach((_, name) => {
    if (!name.startsWith("access-control-")) exposed.add(name);
  });
  headers.set(headerExposeHeaders, [...exposed].join(", "));
}

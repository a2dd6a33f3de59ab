/**
 * The Workers Analytics Engine data point the edge writes per call
 * (https://developers.cloudflare.com/analytics/analytics-engine/), a versioned contract
 * between the worker, which writes it, and `grpcroute-edge stats` and dashboards, which
 * query it. Later versions only append blobs and doubles; `blob1` says the version.
 *
 * In SQL the fields are `index1`, `blob1`…`blob20`, `double1`…`double20`, plus `timestamp`
 * and `_sample_interval` (https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/).
 */
export const ANALYTICS_LAYOUT_VERSION = "1";

/** `blobs[i]` is `blob${i + 1}` in SQL. */
export const ANALYTICS_BLOBS = [
  "layout", // "1"
  "host",
  "service",
  "method",
  "route", // ns/name, "" when no route matched
  "rule", // the rule's index as text, "" when none
  "backend", // ns/name:port, "" when none
  "grpc_status", // UNAVAILABLE, OK, …
  "protocol", // grpc-web, grpc-web-text, connect, connect-get, connect-stream
  "status_source", // origin | edge
  "colo",
] as const;

/** `doubles[i]` is `double${i + 1}` in SQL. */
export const ANALYTICS_DOUBLES = [
  "duration_ms",
  "ttfb_ms",
  "request_bytes",
  "response_bytes",
  "request_messages",
  "response_messages",
  "attempts",
  "grpc_code",
] as const;

export type AnalyticsBlob = (typeof ANALYTICS_BLOBS)[number];
export type AnalyticsDouble = (typeof ANALYTICS_DOUBLES)[number];

/** The SQL column of a named field, e.g. `route` → `blob5`. */
export function analyticsColumn(name: AnalyticsBlob | AnalyticsDouble): string {
  const b = (ANALYTICS_BLOBS as readonly string[]).indexOf(name);
  if (b >= 0) return `blob${b + 1}`;
  return `double${(ANALYTICS_DOUBLES as readonly string[]).indexOf(name) + 1}`;
}

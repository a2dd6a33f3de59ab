import {
  type AnalyticsBlob,
  type AnalyticsDouble,
  ANALYTICS_BLOBS,
  ANALYTICS_DOUBLES,
  ANALYTICS_LAYOUT_VERSION,
} from "./analytics-layout.ts";

/**
 * One access-log line per call, written when the call is over (after the last byte to the
 * client, or when the client goes away), in the shape Workers Logs indexes: one JSON object,
 * snake_case, `v: 1`, fields absent rather than null. Later versions add fields, never
 * rename them. The same call becomes one Analytics Engine data point when the ANALYTICS
 * binding exists (src/runtime/analytics-layout.ts).
 */
export interface AccessRecord {
  v: 1;
  ts: string;
  request_id: string;
  trace_id?: string;
  host: string;
  protocol?: "grpc-web" | "grpc-web-text" | "connect" | "connect-get" | "connect-stream";
  service?: string;
  method?: string;
  route?: string;
  rule?: number;
  rule_name?: string;
  backend?: string;
  origin_host?: string;
  attempts?: number;
  /** Absent only for a piped stream that ended without the edge seeing its status. */
  grpc_status?: string;
  grpc_code?: number;
  http_status: number;
  status_source: "origin" | "edge";
  edge_reason?: string;
  duration_ms: number;
  ttfb_ms?: number;
  request_bytes: number;
  /** Absent for a piped stream: the edge did not see its bytes past the exact prefix. */
  response_bytes?: number;
  request_messages: number;
  response_messages?: number;
  deadline_ms?: number;
  /** `piped`: past the first 64 KiB the response went through workerd's native pipe, unseen. */
  relay?: "piped";
  colo?: string;
  country?: string;
}

/** Upper-case names of gRPC codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const codeNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The record as an Analytics Engine data point, in the versioned layout. */
export function dataPoint(r: AccessRecord): { indexes: string[]; blobs: string[]; doubles: number[] } {
  const blob: Record<AnalyticsBlob, string> = {
    layout: ANALYTICS_LAYOUT_VERSION,
    host: r.host,
    service: r.service ?? "",
    method: r.method ?? "",
    route: r.route ?? "",
    rule: r.rule === undefined ? "" : String(r.rule),
    backend: r.backend ?? "",
    grpc_status: r.grpc_status ?? "",
    protocol: r.protocol ?? "",
    status_source: r.status_source,
    colo: r.colo ?? "",
  };
  const double: Record<AnalyticsDouble, number> = {
    duration_ms: r.duration_ms,
    ttfb_ms: r.ttfb_ms ?? 0,
    request_bytes: r.request_bytes,
    response_bytes: r.response_bytes ?? 0,
    request_messages: r.request_messages,
    response_messages: r.response_messages ?? 0,
    attempts: r.attempts ?? 0,
    grpc_code: r.grpc_code ?? -1,
  };
  return { indexes: [r.route ?? ""], blobs: ANALYTICS_BLOBS.map((b) => blob[b]), doubles: ANALYTICS_DOUBLES.map((d) => double[d]) };
}

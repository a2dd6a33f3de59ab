/**
 * How `dev` shows what the worker logs: its structured records (a JSON object with `v: 1` on
 * one line: an access record per call, or an error record) as one readable line each, or raw
 * in json mode; everything else the worker prints goes to stderr as it came.
 */

import { codeNames } from "../runtime/access-record.ts";

export type LogFormat = "text" | "json";

export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** One structured line of the worker; every field may be missing, as an older or newer worker may write another set. */
export interface LogRecord {
  v: 1;
  ts?: string | number;
  level?: string;
  message?: string;
  request_id?: string;
  protocol?: string;
  service?: string;
  method?: string;
  route?: string;
  rule?: string | number;
  rule_name?: string;
  backend?: string;
  origin_host?: string;
  attempts?: number;
  grpc_status?: string;
  relay?: string;
  grpc_code?: number;
  http_status?: number;
  status_source?: string;
  edge_reason?: string;
  duration_ms?: number;
  [field: string]: unknown;
}

/** The record a line carries, or undefined for free text (and for JSON that is not a version 1 record). */
export function parseLogRecord(line: string): LogRecord | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && !Array.isArray(value) && (value as { v?: unknown }).v === 1) {
      return value as LogRecord;
    }
  } catch {
    // Free text that happens to start with a brace.
  }
  return undefined;
}

// The caller can fix these by changing the request or its credentials, so they are not the edge's or the origin's fault.
const CLIENT_ERRORS = new Set(["INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"]);

// Widths of the longest status name and protocol, so the columns after them line up.
const STATUS_WIDTH = Math.max(...codeNames.map((n) => n.length));
const PROTOCOL_WIDTH = "connect-stream".length;

export interface TextOptions {
  color: boolean;
  /** When the line arrived, for records without a `ts`. */
  now?: Date;
}

type Paint = (s: string) => string;
const ansi =
  (open: number, close: number): Paint =>
  (s) =>
    `\x1b[${open}m${s}\x1b[${close}m`;
const green = ansi(32, 39);
const yellow = ansi(33, 39);
const red = ansi(31, 39);
const dim = ansi(2, 22);
const plain: Paint = (s) => s;

/** One line for a record, without a newline. */
export function formatRecord(record: LogRecord, options: TextOptions): string {
  const paint = (p: Paint): Paint => (options.color ? p : plain);
  const time = clock(record.ts, options.now ?? new Date());
  if (record.level !== undefined && record.grpc_status === undefined && record.grpc_code === undefined) {
    const level = record.level.toUpperCase();
    const tone = level === "ERROR" ? red : level === "WARN" || level === "WARNING" ? yellow : plain;
    const parts = [text(record.message) ?? "-"];
    if (record.request_id !== undefined) parts.push(paint(dim)(`request ${record.request_id}`));
    return `${time} ${padded(level, STATUS_WIDTH, paint(tone))} ${parts.join("  ")}`;
  }
  const status = statusName(record);
  // A piped stream that ended cleanly has no status the edge saw: not an error.
  const unseen = status === "-" && record.relay === "piped";
  const tone = status === "OK" ? green : CLIENT_ERRORS.has(status) ? yellow : unseen ? plain : red;
  const http = typeof record.http_status === "number" ? String(record.http_status) : "-";
  const fixed = [padded(status, STATUS_WIDTH, paint(tone)), http.padStart(3), duration(record.duration_ms).padStart(8)];
  const parts = [padded(text(record.protocol) ?? "-", PROTOCOL_WIDTH), procedure(record), routing(record)];
  if (typeof record.attempts === "number" && record.attempts > 1) parts.push(`${record.attempts} attempts`);
  if (record.relay === "piped") parts.push(paint(dim)("piped"));
  if (record.status_source === "edge") {
    parts.push(paint(tone)(record.edge_reason !== undefined ? `edge: ${record.edge_reason}` : "edge"));
  }
  return `${time} ${fixed.join(" ")}  ${parts.join("  ")}`;
}

// Padding outside the colour codes, so a coloured status takes as many columns as a plain one.
function padded(s: string, width: number, paint: Paint = plain): string {
  return paint(s) + " ".repeat(Math.max(0, width - s.length));
}

function statusName(record: LogRecord): string {
  const name = text(record.grpc_status);
  if (name !== undefined) return name.toUpperCase();
  if (typeof record.grpc_code === "number") return codeNames[record.grpc_code] ?? `CODE_${record.grpc_code}`;
  return "-";
}

function procedure(record: LogRecord): string {
  const service = text(record.service);
  const method = text(record.method);
  if (service === undefined && method === undefined) return "-";
  return `${service ?? "?"}/${method ?? "?"}`;
}

function routing(record: LogRecord): string {
  const route = text(record.route);
  const rule = text(record.rule_name) ?? (record.rule !== undefined && record.rule !== null ? String(record.rule) : undefined);
  const backend = text(record.backend) ?? text(record.origin_host);
  const from = route === undefined ? "(no route)" : rule === undefined ? route : `${route}#${rule}`;
  return backend === undefined ? from : `${from} → ${backend}`;
}

function duration(ms: unknown): string {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "-";
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Local wall-clock time to the millisecond, as a terminal reader compares it with their own clock. */
function clock(ts: unknown, now: Date): string {
  const parsed = typeof ts === "number" ? new Date(ts) : typeof ts === "string" ? new Date(ts) : now;
  const d = Number.isNaN(parsed.getTime()) ? now : parsed;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

export interface Sink {
  write(s: string): unknown;
}

export interface LogRouterOptions {
  format: LogFormat;
  color: boolean;
  stdout: Sink;
  stderr: Sink;
}

/**
 * Where each worker line goes: records to stdout (raw in json mode, so stdout stays one JSON
 * object per line), anything else to stderr unchanged, whichever stream the worker used.
 */
export function logRouter(options: LogRouterOptions): (line: string) => void {
  return (line) => {
    const record = parseLogRecord(line);
    if (record === undefined) options.stderr.write(`${line}\n`);
    else if (options.format === "json") options.stdout.write(`${line}\n`);
    else options.stdout.write(`${formatRecord(record, { color: options.color })}\n`);
  };
}

/** Colour only for a terminal, and never when NO_COLOR is set to anything but the empty string (no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "");
}

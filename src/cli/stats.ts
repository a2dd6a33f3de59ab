/**
 * `grpcroute-edge stats`: golden signals per route, backend, method or status from the data
 * points the worker writes to Workers Analytics Engine, read through its SQL API
 * (https://developers.cloudflare.com/analytics/analytics-engine/sql-api/).
 */
import { parseArgs } from "node:util";
import { analyticsColumn } from "../runtime/analytics-layout.ts";
import { helpOption, printedHelp, UsageError } from "./usage.ts";

export const STATS_BY = ["route", "backend", "method", "status"] as const;
export type StatsBy = (typeof STATS_BY)[number];

export const DEFAULT_DATASET = "grpcroute_edge";
export const DEFAULT_API_BASE = "https://api.cloudflare.com/client/v4";

const UNITS = { s: ["SECOND", 1], m: ["MINUTE", 60], h: ["HOUR", 3600], d: ["DAY", 86400] } as const;

export interface Since {
  text: string;
  amount: number;
  unit: keyof typeof UNITS;
  seconds: number;
}

export function parseSince(text: string): Since {
  const m = /^([1-9][0-9]{0,5})([smhd])$/.exec(text);
  if (m === null) throw new UsageError(`--since must be a positive number and s, m, h or d (e.g. 15m, 2h), not ${JSON.stringify(text)}`);
  const amount = Number(m[1]);
  const unit = m[2] as keyof typeof UNITS;
  return { text, amount, unit, seconds: amount * UNITS[unit][1] };
}

export function parseBy(text: string): StatsBy {
  if ((STATS_BY as readonly string[]).includes(text)) return text as StatsBy;
  throw new UsageError(`--by must be one of ${STATS_BY.join(", ")}, not ${JSON.stringify(text)}`);
}

export function parseDataset(text: string): string {
  // The name goes into the SQL text unquoted, so only what a wrangler dataset name can be.
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return text;
  throw new UsageError(`--dataset must be a table name (letters, digits, _), not ${JSON.stringify(text)}`);
}

/** The SELECT columns naming the group; `method` needs the service too to mean anything. */
function groupColumns(by: StatsBy): string[] {
  switch (by) {
    case "route":
      return [`${analyticsColumn("route")} AS route`];
    case "backend":
      return [`${analyticsColumn("backend")} AS backend`];
    case "status":
      return [`${analyticsColumn("grpc_status")} AS status`];
    case "method":
      return [`${analyticsColumn("service")} AS service`, `${analyticsColumn("method")} AS method`];
  }
}

function groupAliases(by: StatsBy): string[] {
  return by === "method" ? ["service", "method"] : [by];
}

/**
 * The query. Analytics Engine samples at high volume and says how many calls each stored
 * point stands for in `_sample_interval`, so counts and quantiles are weighted by it.
 */
export function statsSql(opts: { since: Since; by: StatsBy; dataset: string }): string {
  const w = "_sample_interval";
  const latency = analyticsColumn("duration_ms");
  return [
    `SELECT ${groupColumns(opts.by).join(", ")},`,
    `  SUM(${w}) AS calls,`,
    `  SUM(IF(${analyticsColumn("grpc_status")} = 'OK', ${w}, 0)) AS ok,`,
    `  quantileWeighted(0.5, ${latency}, ${w}) AS p50_ms,`,
    `  quantileWeighted(0.99, ${latency}, ${w}) AS p99_ms`,
    `FROM ${opts.dataset}`,
    `WHERE timestamp > NOW() - INTERVAL '${opts.since.amount}' ${UNITS[opts.since.unit][0]}`,
    `GROUP BY ${groupAliases(opts.by).join(", ")}`,
    "ORDER BY calls DESC",
    "FORMAT JSON",
  ].join("\n");
}

export interface StatsRow {
  group: string;
  calls: number;
  successRate: number | null;
  rps: number;
  p50: number | null;
  p99: number | null;
}

/** A failure talking to the API: exit 1 with the message. */
export class StatsApiError extends Error {}

// ClickHouse's JSON format quotes 64-bit integers, and a quantile over nothing may be null or "nan".
function num(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

export function toRows(data: readonly Record<string, unknown>[], by: StatsBy, since: Since): StatsRow[] {
  const rows = data.map((d) => {
    const calls = num(d.calls) ?? 0;
    const ok = num(d.ok) ?? 0;
    const group = by === "method" ? joinMethod(String(d.service ?? ""), String(d.method ?? "")) : String(d[by] ?? "");
    return {
      group,
      calls,
      successRate: calls > 0 ? ok / calls : null,
      rps: calls / since.seconds,
      p50: num(d.p50_ms),
      p99: num(d.p99_ms),
    };
  });
  return rows.sort((a, b) => b.calls - a.calls || a.group.localeCompare(b.group));
}

function joinMethod(service: string, method: string): string {
  return service === "" && method === "" ? "" : `${service}/${method}`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function statsJson(rows: readonly StatsRow[], by: StatsBy, since: Since): string {
  return JSON.stringify({
    since: since.text,
    by,
    rows: rows.map((r) => ({
      [by]: r.group,
      calls: r.calls,
      success_rate: r.successRate === null ? null : round(r.successRate, 4),
      rps: round(r.rps, 3),
      p50_ms: r.p50 === null ? null : round(r.p50, 1),
      p99_ms: r.p99 === null ? null : round(r.p99, 1),
    })),
  });
}

function ms(n: number | null): string {
  return n === null ? "-" : `${round(n, 1)}ms`;
}

/** Columns as `linkerd viz stat` prints them. */
export function statsText(rows: readonly StatsRow[], by: StatsBy, since: Since, dataset: string): string {
  if (rows.length === 0) return `no calls in the last ${since.text} in dataset ${dataset}`;
  const table = [
    [by.toUpperCase(), "CALLS", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P99"],
    ...rows.map((r) => [
      // No route, backend or method is an empty blob: a dash keeps the column readable.
      r.group === "" ? "-" : r.group,
      String(Math.round(r.calls)),
      r.successRate === null ? "-" : `${(r.successRate * 100).toFixed(2)}%`,
      `${r.rps.toFixed(2)}rps`,
      ms(r.p50),
      ms(r.p99),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join("")).join("\n");
}

function apiMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("errors" in body)) return undefined;
  const errors = (body as { errors: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((e) => (typeof e === "object" && e !== null && "message" in e ? String(e.message) : JSON.stringify(e))).join("; ");
}

/** POSTs the SQL and returns the `data` rows of the `FORMAT JSON` answer. */
export async function querySql(sql: string, env: { accountId: string; token: string; base: string }): Promise<Record<string, unknown>[]> {
  const url = `${env.base.replace(/\/+$/, "")}/accounts/${encodeURIComponent(env.accountId)}/analytics_engine/sql`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${env.token}`, "content-type": "text/plain" },
      body: sql,
      // A stuck connection should end the command, not hang a terminal or a CI job.
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : e instanceof Error ? `: ${e.message}` : "";
    throw new StatsApiError(`cannot reach the Analytics Engine SQL API at ${url}${cause}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const why = apiMessage(body) ?? (text.trim().slice(0, 300) || res.statusText);
    throw new StatsApiError(`the Analytics Engine SQL API answered HTTP ${res.status}: ${why}`);
  }
  const errors = apiMessage(body);
  if (errors !== undefined) throw new StatsApiError(`the Analytics Engine SQL API answered an error: ${errors}`);
  const data = typeof body === "object" && body !== null ? (body as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new StatsApiError(`the Analytics Engine SQL API answered no data rows: ${text.trim().slice(0, 300)}`);
  return data as Record<string, unknown>[];
}

/** Credentials as wrangler names them, so a shell set up for `wrangler deploy` just works. */
export function apiEnv(env: NodeJS.ProcessEnv): { accountId: string; token: string; base: string } {
  const accountId = env.CLOUDFLARE_ACCOUNT_ID ?? "";
  const token = env.CLOUDFLARE_API_TOKEN ?? "";
  const missing = [accountId === "" && "CLOUDFLARE_ACCOUNT_ID", token === "" && "CLOUDFLARE_API_TOKEN"].filter((s) => s !== false);
  if (missing.length > 0)
    throw new UsageError(
      `stats needs ${missing.join(" and ")} in the environment (an API token with Account Analytics Read); --print-sql needs neither`,
    );
  return { accountId, token, base: env.GRPCROUTE_EDGE_ANALYTICS_URL || DEFAULT_API_BASE };
}

export async function stats(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      since: { type: "string", default: "15m" },
      by: { type: "string", default: "route" },
      json: { type: "boolean", default: false },
      "print-sql": { type: "boolean", default: false },
      dataset: { type: "string", default: DEFAULT_DATASET },
      ...helpOption,
    },
  });
  if (printedHelp("stats", values)) return 0;
  const since = parseSince(values.since);
  const by = parseBy(values.by);
  const dataset = parseDataset(values.dataset);
  const sql = statsSql({ since, by, dataset });
  if (values["print-sql"]) {
    process.stdout.write(`${sql}\n`);
    return 0;
  }
  const env = apiEnv(process.env);
  let rows: StatsRow[];
  try {
    rows = toRows(await querySql(sql, env), by, since);
  } catch (e) {
    if (!(e instanceof StatsApiError)) throw e;
    process.stderr.write(`grpcroute-edge: stats: ${e.message}\n`);
    return 1;
  }
  process.stdout.write(`${values.json ? statsJson(rows, by, since) : statsText(rows, by, since, dataset)}\n`);
  return 0;
}

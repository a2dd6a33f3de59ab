import { build, type Plugin } from "esbuild";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { serializeTable } from "../table/codec.ts";
import type { RouteTable } from "../table/types.ts";

// Bundled by scripts/run-ts.js this module no longer sits in src/cli, so the launcher says where the repository is.
const root = process.env.GRPCROUTE_EDGE_ROOT ?? fileURLToPath(new URL("../..", import.meta.url));
const entry = join(root, "src", "worker", "index.ts");

/** workerd 1.20260426.1 (miniflare 4.20260426.0) knows no later date; keep wrangler.toml in step. */
export const COMPATIBILITY_DATE = "2026-04-26";
/** As wrangler.toml: request.signal tells the worker when a client goes away. */
export const COMPATIBILITY_FLAGS = ["enable_request_signal"];

export interface RunningWorker {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  dispose(): Promise<void>;
}

export interface WorkerOptions {
  /** wrangler `[vars]`: ALLOWED_ORIGINS, ORIGINS, ... */
  vars?: Record<string, string>;
  /** Service bindings, e.g. `{ BOUND: { external: { address: "127.0.0.1:1234", http: {} } } }`. */
  serviceBindings?: MiniflareOptions["serviceBindings"];
  /** 0 picks a free port. */
  port?: number;
  /** The `request.cf` every request gets (Miniflare's own placeholder when unset). */
  cf?: Record<string, unknown>;
  /**
   * Every line workerd prints, without its newline, instead of Miniflare echoing it on this
   * process's stdout and stderr; `stream` says which one workerd wrote it on (console.log on
   * stdout, console.warn and console.error on stderr).
   */
  onLogLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** An Analytics Engine dataset bound as `ANALYTICS` (Miniflare's local one accepts and drops the points). */
  analytics?: string;
  /**
   * Instead, `ANALYTICS` bound to a recorder with the dataset's `writeDataPoint` that prints
   * each point on stdout as one `{"analytics_data_point": {...}}` line: Miniflare's local
   * dataset drops points, so tests see what the worker wrote through this.
   */
  analyticsRecorder?: boolean;
  /** esbuild `define` for the bundle: only the benchmarks set it (bench/observe.ts). */
  define?: Record<string, string>;
}

/** Replaces the worker's `.generated/routes.json.txt` import with the given table, as text. */
function tablePlugin(table: RouteTable): Plugin {
  return {
    name: "route-table",
    setup(b) {
      b.onResolve({ filter: /\.generated\/routes\.json\.txt$/ }, () => ({ path: "routes.json.txt", namespace: "route-table" }));
      b.onLoad({ filter: /.*/, namespace: "route-table" }, () => ({ contents: serializeTable(table), loader: "text" }));
    },
  };
}

/** The worker bundled for workerd, as wrangler would, with `table` as its compiled routes. */
export async function bundleWorker(table: RouteTable, define?: Record<string, string>): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    plugins: [tablePlugin(table)],
    external: ["cloudflare:*"],
    ...(define !== undefined ? { define } : {}),
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

function lineHandler(onLogLine: NonNullable<WorkerOptions["onLogLine"]>): (stdout: Readable, stderr: Readable) => void {
  return (stdout, stderr) => {
    createInterface({ input: stdout, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (l) => onLogLine(l, "stdout"));
    createInterface({ input: stderr, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (l) => onLogLine(l, "stderr"));
  };
}

/**
 * Without a listener, the worker's own output passes through but its access-log records
 * (one per call) do not: a load test would print thousands.
 */
function quietAccessLog(line: string, stream: "stdout" | "stderr"): void {
  if (stream === "stdout" && line.startsWith('{"v":1,')) return;
  (stream === "stdout" ? process.stdout : process.stderr).write(`${line}\n`);
}

type WorkerOptionsOf<T> = T extends { workers: (infer W)[] } ? W : never;

/** A wrapped binding with an Analytics Engine dataset's interface, printing what it is given. */
const analyticsRecorder: WorkerOptionsOf<MiniflareOptions> = {
  name: "analytics-recorder",
  modules: true,
  script: `export default function () {
  return { writeDataPoint(point) { console.log(JSON.stringify({ analytics_data_point: point })); } };
}`,
};

/** The worker with `table`, in workerd (Miniflare), listening on 127.0.0.1 only. */
export async function startWorker(table: RouteTable, options: WorkerOptions = {}): Promise<RunningWorker> {
  const script = await bundleWorker(table, options.define);
  const edge: WorkerOptionsOf<MiniflareOptions> = {
    name: "edge",
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    bindings: options.vars ?? {},
    ...(options.serviceBindings !== undefined ? { serviceBindings: options.serviceBindings } : {}),
    ...(options.analytics !== undefined ? { analyticsEngineDatasets: { ANALYTICS: { dataset: options.analytics } } } : {}),
    ...(options.analyticsRecorder === true ? { wrappedBindings: { ANALYTICS: { scriptName: "analytics-recorder" } } } : {}),
    // The bindings the table needs, as wrangler.toml declares them for a deploy: Miniflare
    // runs the rate-limiting binding and the Durable Object locally.
    ...(table.bindings?.rateLimits !== undefined
      ? { ratelimits: Object.fromEntries(table.bindings.rateLimits.map((r) => [r.name, { simple: { limit: r.limit, period: r.period } }])) }
      : {}),
    ...(table.bindings?.globalLimiter !== undefined
      ? { durableObjects: { [table.bindings.globalLimiter.binding]: table.bindings.globalLimiter.className } }
      : {}),
  };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: options.port ?? 0,
    // Shared by every worker of the instance, so not among the edge's own options.
    ...(options.cf !== undefined ? { cf: options.cf } : {}),
    handleRuntimeStdio: lineHandler(options.onLogLine ?? quietAccessLog),
    workers: options.analyticsRecorder === true ? [edge, analyticsRecorder] : [edge],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return { url, dispose: () => mf.dispose() };
}

import { setTimeout as sleep } from "node:timers/promises";
import { startWorker, type WorkerOptions } from "../src/cli/workerd.ts";
import { runLoad, type LoadResult } from "./load.ts";
import { median, summarize, type Summary } from "./measure.ts";
import { demoTable, echoSpec, spawnOrigin } from "./proxy.ts";
import { clockTicks, cpuTicks, startWithPid } from "./workerd-cpu.ts";

/**
 * What the per-call access log costs: the same unary gRPC-web Echo call (1 KiB) through
 * three workers running side by side on one table, each in its own workerd:
 *
 * - `off`: the worker bundled with `__GRPCROUTE_EDGE_ACCESS_LOG__` defined as `false`, so
 *   the call is neither watched nor logged and no data point is written. The access log
 *   has no runtime off switch, so a separate build is the only way to see the worker without it.
 * - `log`: the worker as shipped, no ANALYTICS binding: one JSON line per call on workerd's
 *   stdout, read off the pipe and dropped by this process, as a log collector would read it.
 * - `log+analytics`: as `log`, with Miniflare's Analytics Engine dataset bound as ANALYTICS,
 *   so every call also builds and writes its data point. Miniflare's dataset drops the
 *   point in the isolate; Cloudflare's ships it outside the isolate, a cost not in this figure.
 *
 * Nothing else differs between them; all three have their stdout read by the same line
 * reader, so what reading costs (in this process, not in workerd) differs only by the lines.
 * Runs rotate off / log / log+analytics, then backwards, so that drift on the shared
 * machine lands on every setup alike; ratios are taken within each round.
 */
export type ObserveSetup = "off" | "log" | "log+analytics";
const setups: ObserveSetup[] = ["off", "log", "log+analytics"];

export interface ObserveRow {
  setup: ObserveSetup;
  rps: Summary;
  p50_ms: Summary;
  p99_ms: Summary;
  lone_rps: Summary;
  lone_p50_ms: Summary;
  /** workerd user + system CPU time over the concurrent run, divided by its calls. */
  cpu_us_per_call: Summary;
  errors: number;
  /** Access-log lines workerd printed over the whole benchmark. */
  log_lines: number;
  /** Calls sent to this setup over the whole benchmark, warm-up included. */
  calls: number;
}

export interface ObserveVsOff {
  setup: ObserveSetup;
  /** Medians over rounds of the per-run figure against the `off` run of the same round. */
  rps_ratio: number;
  p50_extra_ms: number;
  lone_rps_ratio: number;
  lone_p50_extra_ms: number;
  cpu_us_extra: number;
}

export interface ObserveFigures {
  protocol: "grpc-web";
  concurrency: number;
  requests: number;
  lone_requests: number;
  runs: number;
  clk_tck: number;
  /** The esbuild define that builds `off`. */
  off_define: Record<string, string>;
  rows: ObserveRow[];
  vs_off: ObserveVsOff[];
}

const OFF_DEFINE = { __GRPCROUTE_EDGE_ACCESS_LOG__: "false" };
const DATASET = "grpcroute_edge";

const isAccessLine = (line: string) => line.startsWith('{"v":1,');

export async function measureObserve(opts: {
  requests: number;
  loneRequests: number;
  runs: number;
  concurrency: number;
}): Promise<ObserveFigures> {
  const origin = await spawnOrigin("unary");
  const clk = clockTicks();
  const lines = new Map<ObserveSetup, number>(setups.map((s) => [s, 0]));
  const calls = new Map<ObserveSetup, number>(setups.map((s) => [s, 0]));
  const workers = new Map<ObserveSetup, Awaited<ReturnType<typeof startWithPid>>>();
  const results = new Map<ObserveSetup, { load: LoadResult; lone: LoadResult; cpuUs: number }[]>(setups.map((s) => [s, []]));
  try {
    const t = demoTable(origin.url);
    for (const s of setups) {
      const options: WorkerOptions = {
        // Counting costs what the default reader's prefix test costs: the line is read and dropped either way.
        onLogLine: (line, stream) => {
          if (stream === "stdout" && isAccessLine(line)) lines.set(s, lines.get(s)! + 1);
          else (stream === "stdout" ? process.stdout : process.stderr).write(`${line}\n`);
        },
        ...(s === "off" ? { define: OFF_DEFINE } : {}),
        ...(s === "log+analytics" ? { analytics: DATASET } : {}),
      };
      workers.set(s, await startWithPid(() => startWorker(t, options)));
    }
    const load = async (s: ObserveSetup, requests: number, concurrency: number) => {
      const r = await runLoad(echoSpec(workers.get(s)!.worker.url, "grpc-web", requests, concurrency));
      calls.set(s, calls.get(s)! + requests);
      if (r.errors > 0) throw new Error(`observe ${s}: ${r.firstError}`);
      return r;
    };
    for (const s of setups) await load(s, Math.min(300, opts.requests), opts.concurrency);
    for (let run = 0; run < opts.runs; run++) {
      for (const s of run % 2 === 0 ? setups : [...setups].reverse()) {
        const pid = workers.get(s)!.pid;
        const t0 = cpuTicks(pid);
        const l = await load(s, opts.requests, opts.concurrency);
        const ticks = cpuTicks(pid) - t0;
        const lone = await load(s, opts.loneRequests, 1);
        results.get(s)!.push({ load: l, lone, cpuUs: (ticks * 1e6) / clk / l.requests });
      }
    }
    // The last lines may still be in the pipe; without every one, `log` would not have logged every call.
    for (let i = 0; i < 40 && setups.some((s) => s !== "off" && lines.get(s)! < calls.get(s)!); i++) await sleep(50);
    for (const s of setups) {
      const want = s === "off" ? 0 : calls.get(s)!;
      if (lines.get(s) !== want) throw new Error(`observe ${s}: ${lines.get(s)} access-log lines for ${calls.get(s)} calls, want ${want}`);
    }
  } finally {
    for (const w of workers.values()) await w.worker.dispose();
    origin.stop();
  }
  const rows: ObserveRow[] = setups.map((setup) => {
    const rs = results.get(setup)!;
    return {
      setup,
      rps: summarize(rs.map((r) => r.load.rps)),
      p50_ms: summarize(rs.map((r) => r.load.p50_ms)),
      p99_ms: summarize(rs.map((r) => r.load.p99_ms)),
      lone_rps: summarize(rs.map((r) => r.lone.rps)),
      lone_p50_ms: summarize(rs.map((r) => r.lone.p50_ms)),
      cpu_us_per_call: summarize(rs.map((r) => r.cpuUs)),
      errors: rs.reduce((a, r) => a + r.load.errors + r.lone.errors, 0),
      log_lines: lines.get(setup)!,
      calls: calls.get(setup)!,
    };
  });
  const off = results.get("off")!;
  const vs_off = setups
    .filter((s) => s !== "off")
    .map((setup) => {
      const rs = results.get(setup)!;
      return {
        setup,
        rps_ratio: median(rs.map((r, i) => r.load.rps / off[i]!.load.rps)),
        p50_extra_ms: median(rs.map((r, i) => r.load.p50_ms - off[i]!.load.p50_ms)),
        lone_rps_ratio: median(rs.map((r, i) => r.lone.rps / off[i]!.lone.rps)),
        lone_p50_extra_ms: median(rs.map((r, i) => r.lone.p50_ms - off[i]!.lone.p50_ms)),
        cpu_us_extra: median(rs.map((r, i) => r.cpuUs - off[i]!.cpuUs)),
      };
    });
  return {
    protocol: "grpc-web",
    concurrency: opts.concurrency,
    requests: opts.requests,
    lone_requests: opts.loneRequests,
    runs: opts.runs,
    clk_tck: clk,
    off_define: OFF_DEFINE,
    rows,
    vs_off,
  };
}

export async function main(): Promise<number> {
  console.log(JSON.stringify(await measureObserve({ requests: 200, loneRequests: 50, runs: 2, concurrency: 16 }), null, 1));
  return 0;
}

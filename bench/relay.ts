import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { bundleWorker, COMPATIBILITY_FLAGS } from "../src/cli/workerd.ts";
import { EchoRequestSchema, EchoResponseSchema } from "../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { root } from "./build.ts";
import { runLoad, type LoadResult, type LoadSpec } from "./load.ts";
import { prepareMatch } from "./match.ts";
import { median, summarize, timeNs, type Summary } from "./measure.ts";
import { bundleBaseline, echoSpec, spawnOrigin, startBaseline, startOurs, demoTable, type OriginProcess } from "./proxy.ts";
import { connectStreamOnce, streamOnce, type StreamRun } from "./stream.ts";
import { clockTicks, cpuTicks, startWithPid } from "./workerd-cpu.ts";
import { startDirect } from "./workerd-direct.ts";

/**
 * What relaying costs workerd, in CPU: the same calls through three workers side by side,
 * each in its own workerd started through Miniflare as `grpcroute-edge dev` starts ours:
 *
 * - `ours`: our worker, on a one-rule table routing DemoService to the origin;
 * - `passthrough`: bench/passthrough-worker.ts, `fetch()` of the origin returned as is;
 * - `native-pipe`: bench/native-pipe-worker.ts, the origin's body piped natively through an
 *   IdentityTransformStream, the cheapest way a worker can hold the response stream.
 *
 * CPU is workerd's user + system time from /proc over a run, per call or per MiB. Under
 * Miniflare that process also runs Miniflare's entry worker in front of the worker, which all
 * three setups pay alike and which dilutes their ratios; so the CPU workloads run a second
 * time on the same three bundles under `workerd serve` itself (bench/workerd-direct.ts),
 * where the process holds only the worker and its two HTTP legs. The kernel counts CPU in ticks of 1 / CLK_TCK s (10 ms at 100), so each run
 * is sized to span about a second of workerd CPU or more. Runs rotate the setups and
 * alternate their order, and ratios are medians of per-round ratios: the machine is shared.
 * Every answer is checked (message, trailer or end-of-stream frame), so a relay that breaks
 * calls fails the benchmark instead of measuring as a cheap one.
 */
export type RelaySetup = "ours" | "passthrough" | "native-pipe";
export type RelayRuntime = "Miniflare" | "workerd";
const setups: RelaySetup[] = ["ours", "passthrough", "native-pipe"];

export type RelayWorkload =
  | "grpc-web"
  | "connect"
  | "connect-gzip-br"
  | "grpc-web-text"
  | "upload-256k"
  | "stream-grpc-web"
  | "stream-connect";

export interface RelayOptions {
  /** Unary calls per run (1 KiB messages). */
  unaryCalls: number;
  /** 256 KiB upload calls per run. */
  uploadCalls: number;
  /** MiB per stream run (64 KiB messages). */
  streamMib: number;
  runs: number;
  concurrency: number;
  /** Calls per connection count. */
  connectionCalls: number;
  /** Lone calls per latency run, with and without the stream beside them. */
  latencyCalls: number;
  matchRules: number[];
  matchMs: number;
  /** Also run the CPU workloads under `workerd serve` without Miniflare. */
  direct: boolean;
}

export interface RelayRow {
  runtime: RelayRuntime;
  workload: RelayWorkload;
  setup: RelaySetup;
  unit: "call" | "MiB";
  /** workerd CPU per call (µs) or per MiB (ms). */
  cpu: Summary;
  /** Calls per second, or MiB/s. */
  rate: Summary;
  /** workerd CPU seconds one run spanned: below 1 the tick resolution shows. */
  cpu_seconds: Summary;
  p50_ms?: Summary;
  first_message_ms?: Summary;
}

export interface RelayRatio {
  runtime: RelayRuntime;
  workload: RelayWorkload;
  setup: RelaySetup;
  baseline: RelaySetup;
  /** The baseline's workload: gRPC-web text goes against binary gRPC-web, which the baselines can carry. */
  baseline_workload: RelayWorkload;
  /** Median over rounds of setup CPU / baseline CPU. */
  cpu_ratio: number;
  /** Median over rounds of setup rate / baseline rate. */
  rate_ratio: number;
}

export interface RelayConnections {
  protocol: "grpc-web" | "connect";
  setup: RelaySetup;
  calls: number;
  concurrency: number;
  /** TCP connections the origin accepted during the calls. */
  opened: number;
  /** Distinct connections that carried at least one of the calls. */
  used: number;
}

export interface RelayLatency {
  /** `direct`: the same calls and stream straight to the origin, what the origin and the clients cost. */
  setup: RelaySetup | "direct";
  alone_p50_ms: Summary;
  alone_p99_ms: Summary;
  beside_stream_p50_ms: Summary;
  beside_stream_p99_ms: Summary;
  /** Median over runs of p50 beside the stream / p50 alone in the same run. */
  slowdown_p50: number;
  slowdown_p99: number;
  /** MiB/s of the stream the calls ran beside. */
  stream_mib_per_s: Summary;
}

export interface RelayMatch {
  rules: number;
  exact_ns: Summary;
  /** Two Map.get on fresh sliced strings, host then path, into maps the size of the table's. */
  floor_ns: Summary;
  /** Median over runs of ours / floor. */
  ratio: number;
}

export interface RelayFigures {
  /** Where the CPU workloads ran; connections, latency and the matcher are Miniflare's (or Node's) only. */
  runtimes: RelayRuntime[];
  clk_tck: number;
  runs: number;
  concurrency: number;
  unary_calls: number;
  upload_calls: number;
  upload_bytes: number;
  stream_mib: number;
  rows: RelayRow[];
  ratios: RelayRatio[];
  connections: RelayConnections[];
  latency: RelayLatency[];
  /** Median over runs of ours' slowdown / the baseline's, p50. */
  latency_slowdown_vs: { baseline: RelaySetup; p50: number; p99: number }[];
  match: RelayMatch[];
  /** 1-minute load average when the benchmark started and ended: the machine is shared. */
  load_average?: [start: number, end: number];
}

function frame(msg: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + msg.length);
  out[0] = flags;
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

/** The frames of a whole gRPC-web body; throws on a torn one. */
function frames(body: Buffer): { flags: number; payload: Buffer }[] {
  const out: { flags: number; payload: Buffer }[] = [];
  for (let i = 0; i < body.length; ) {
    if (i + 5 > body.length) throw new Error(`torn frame header at byte ${i} of ${body.length}`);
    const n = body.readUInt32BE(i + 1);
    if (i + 5 + n > body.length) throw new Error(`torn frame at byte ${i}: ${n} bytes announced, ${body.length - i - 5} left`);
    out.push({ flags: body[i]!, payload: body.subarray(i + 5, i + 5 + n) });
    i += 5 + n;
  }
  return out;
}

/** One message frame holding an Echo answer of `size` bytes, then a trailer with grpc-status 0. */
function checkGrpcWebEcho(body: Buffer, size: number, what: string): void {
  const fs = frames(body);
  const data = fs.filter((f) => f.flags === 0);
  const trailer = fs.at(-1);
  if (
    data.length !== 1 ||
    trailer === undefined ||
    (trailer.flags & 0x80) === 0 ||
    !/grpc-status: ?0\r?\n/.test(trailer.payload.toString())
  )
    throw new Error(`${what}: ${data.length} message frame(s), trailer ${JSON.stringify(trailer?.payload.toString().slice(0, 200))}`);
  const got = fromBinary(EchoResponseSchema, data[0]!.payload).message.length;
  if (got !== size) throw new Error(`${what}: echoed ${got} bytes, sent ${size}`);
}

const decode: Record<string, (b: Buffer) => Buffer> = { gzip: gunzipSync, br: brotliDecompressSync, deflate: inflateSync };

function message(size: number): string {
  return "x".repeat(size);
}

/** The load spec of one unary workload; every answer is decoded and its echo compared. */
function unarySpec(w: RelayWorkload, url: string, requests: number, concurrency: number): LoadSpec {
  if (w === "grpc-web" || w === "upload-256k") {
    const size = w === "upload-256k" ? UPLOAD_BYTES : 1024;
    const s = echoSpec(url, "grpc-web", requests, concurrency);
    return {
      ...s,
      body: frame(toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: message(size) }))),
      check(status, h, body) {
        if (status !== 200 || (h["grpc-status"] !== undefined && h["grpc-status"] !== "0"))
          throw new Error(`${w}: HTTP ${status}, grpc-status ${String(h["grpc-status"])}`);
        checkGrpcWebEcho(body, size, w);
      },
    };
  }
  if (w === "grpc-web-text") {
    const s = echoSpec(url, "grpc-web", requests, concurrency);
    return {
      ...s,
      headers: { "content-type": "application/grpc-web-text+proto", "x-grpc-web": "1" },
      body: Buffer.from(frame(toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: message(1024) }))).toString("base64")),
      check(status, h, body) {
        const type = String(h["content-type"]);
        if (status !== 200 || !type.startsWith("application/grpc-web-text")) throw new Error(`${w}: HTTP ${status}, content-type ${type}`);
        // A text answer may be several base64 runs, each padded (the gRPC-web protocol allows it).
        const text = body.toString("latin1");
        if (!/^[A-Za-z0-9+/=\r\n]*$/.test(text)) throw new Error(`${w}: answer is not base64: ${JSON.stringify(text.slice(0, 100))}`);
        const runs = text.replace(/\s/g, "").match(/[^=]+=*/g) ?? [];
        checkGrpcWebEcho(Buffer.concat(runs.map((r) => Buffer.from(r, "base64"))), 1024, w);
      },
    };
  }
  const s = echoSpec(url, "connect", requests, concurrency);
  return {
    ...s,
    // What a browser sends on every fetch().
    headers: w === "connect-gzip-br" ? { ...s.headers, "accept-encoding": "gzip, deflate, br" } : s.headers,
    check(status, h, body) {
      const enc = h["content-encoding"];
      const raw = typeof enc === "string" && enc !== "identity" ? decode[enc]?.(body) : body;
      if (raw === undefined) throw new Error(`${w}: unknown content-encoding ${String(enc)}`);
      if (status !== 200) throw new Error(`${w}: HTTP ${status}: ${raw.subarray(0, 200).toString()}`);
      const got = fromBinary(EchoResponseSchema, raw).message.length;
      if (got !== 1024) throw new Error(`${w}: echoed ${got} bytes, sent 1024`);
    },
  };
}

/** connect-node reads requests up to 4 GiB unless told otherwise (readMaxBytes), so the origin takes it whole; the echo check proves it. */
const UPLOAD_BYTES = 256 * 1024;
const unaryWorkloads: RelayWorkload[] = ["grpc-web", "connect", "connect-gzip-br", "grpc-web-text", "upload-256k"];
const streamWorkloads: RelayWorkload[] = ["stream-grpc-web", "stream-connect"];
/** connect-node (the origin) refuses gRPC-web text, so only a worker that translates it can carry it. */
const setupsOf = (w: RelayWorkload): RelaySetup[] => (w === "grpc-web-text" ? ["ours"] : setups);

/** ABC, CBA, BCA, ACB, ...: every setup first, middle and last in turn. */
function order(run: number): RelaySetup[] {
  const k = Math.floor(run / 2) % setups.length;
  const rotated = [...setups.slice(k), ...setups.slice(0, k)];
  return run % 2 === 0 ? rotated : rotated.reverse();
}

interface Sample {
  cpu: number;
  rate: number;
  cpuSeconds: number;
  p50?: number;
  first?: number;
}

/** At most 256 MiB per stream (the origin's bound); a run of more reads several. */
async function streamRun(w: RelayWorkload, url: string, mib: number): Promise<StreamRun[]> {
  const once = w === "stream-connect" ? connectStreamOnce : streamOnce;
  const out: StreamRun[] = [];
  for (let left = mib; left > 0; left -= 256) out.push(await once(url, Math.min(256, left)));
  return out;
}

/**
 * One client draining 64 MiB Count streams back to back until told to stop, in a process of
 * its own: read in this process, 300 MiB/s of stream would hold up the lone calls' own event
 * loop and measure the load generator. Resolves once the first stream is under way.
 */
async function startDrain(url: string): Promise<{ stop(): Promise<number> }> {
  const child = spawn(process.execPath, [join(root, "scripts", "run-ts.js"), "bench/relay.ts", "--drain", url], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  const line = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const look = () => {
        const m = out.match(re);
        if (m === null) return;
        child.stdout!.off("data", onData);
        child.off("exit", onExit);
        resolve(m);
      };
      const onData = (c: Buffer) => {
        out += c.toString();
        look();
      };
      const onExit = (code: number | null) => reject(new Error(`stream drain exited with ${code}: ${out}`));
      child.stdout!.on("data", onData);
      child.once("exit", onExit);
      look();
    });
  await line(/DRAINING\n/);
  return {
    async stop() {
      const done = line(/DRAINED (\S+)\n/);
      child.stdin!.end("stop\n");
      return Number((await done)[1]);
    },
  };
}

/** Child mode of startDrain: prints the MiB/s it drained at once it is stopped. */
async function drain(url: string): Promise<void> {
  let stop = false;
  process.stdin.on("data", () => (stop = true));
  process.stdin.on("end", () => (stop = true));
  let bytes = 0;
  const t0 = performance.now();
  const first = streamOnce(url, 64);
  process.stdout.write("DRAINING\n");
  bytes += (await first).bytes;
  while (!stop) bytes += (await streamOnce(url, 64)).bytes;
  process.stdout.write(`DRAINED ${bytes / 1048576 / ((performance.now() - t0) / 1000)}\n`);
}

/** Matching against the floor any exact hit pays: one Map.get for the host and one for the path. */
function measureMatch(sizes: number[], runs: number, ms: number): RelayMatch[] {
  return sizes.map((rules) => {
    const p = prepareMatch(rules, false);
    // The floor's maps hold what the table holds: every request host of the set, each with its paths.
    const floor = new Map<string, Map<string, number>>();
    for (const r of [...p.mix, ...p.exact]) {
      let paths = floor.get(r.raw.host);
      if (paths === undefined) floor.set(r.raw.host, (paths = new Map()));
      paths.set(r.raw.path, paths.size);
    }
    const ours = (r: (typeof p.exact)[number]) =>
      p.matcher.match({ host: r.host.slice(1), path: r.path.slice(1), header: r.header }).rule >= 0;
    const two = (r: (typeof p.exact)[number]) => floor.get(r.host.slice(1))?.get(r.path.slice(1)) !== undefined;
    for (const r of p.exact) if (!ours(r) || !two(r)) throw new Error(`match: ${r.raw.host}${r.raw.path} is no exact hit`);
    const o: number[] = [];
    const f: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternated, so neither always runs on the warmer machine.
      if (i % 2 === 0) {
        o.push(timeNs(p.exact, ours, { ms }).p50);
        f.push(timeNs(p.exact, two, { ms }).p50);
      } else {
        f.push(timeNs(p.exact, two, { ms }).p50);
        o.push(timeNs(p.exact, ours, { ms }).p50);
      }
    }
    return { rules, exact_ns: summarize(o), floor_ns: summarize(f), ratio: median(o.map((x, i) => x / f[i]!)) };
  });
}

export async function measureRelay(opts: RelayOptions): Promise<RelayFigures> {
  const clk = clockTicks();
  const loadStart = loadavg()[0]!;
  const match = measureMatch(opts.matchRules, opts.runs, opts.matchMs);
  const origin: OriginProcess = await spawnOrigin("stream");
  const runtimes: RelayRuntime[] = opts.direct ? ["Miniflare", "workerd"] : ["Miniflare"];
  const workers = new Map<string, { url: string; pid: number; dispose(): Promise<void> }>();
  const at = (rt: RelayRuntime, s: RelaySetup) => workers.get(`${rt}/${s}`)!;
  const samples = new Map<string, Sample[]>();
  const connections: RelayConnections[] = [];
  const latSetups = [...setups, "direct"] as const;
  type LatSetup = (typeof latSetups)[number];
  const lat = new Map<LatSetup, { alone: LoadResult; beside: LoadResult; stream: number }[]>(latSetups.map((s) => [s, []]));
  const key = (w: RelayWorkload, s: RelaySetup, rt: RelayRuntime = "Miniflare") => `${rt}/${w}/${s}`;
  try {
    const t = demoTable(origin.url);
    const vars = { ORIGINS: JSON.stringify({ "demo-origin": origin.url }) };
    const baselines = { passthrough: "passthrough-worker.ts", "native-pipe": "native-pipe-worker.ts" } as const;
    // One at a time: each new Miniflare workerd is told apart from the others by appearing.
    const miniflare = async (start: () => ReturnType<typeof startOurs>) => {
      const { worker, pid } = await startWithPid(start);
      return { url: worker.url, pid, dispose: () => worker.dispose() };
    };
    workers.set("Miniflare/ours", await miniflare(() => startOurs(t, origin.url)));
    for (const [s, file] of Object.entries(baselines))
      workers.set(`Miniflare/${s}`, await miniflare(() => startBaseline(file, origin.url)));
    if (opts.direct) {
      workers.set("workerd/ours", await startDirect(await bundleWorker(t), { bindings: vars, flags: COMPATIBILITY_FLAGS }));
      for (const [s, file] of Object.entries(baselines))
        workers.set(`workerd/${s}`, await startDirect(await bundleBaseline(file), { bindings: { ORIGIN: origin.url } }));
    }
    const url = (s: RelaySetup, rt: RelayRuntime = "Miniflare") => at(rt, s).url;
    const load = async (w: RelayWorkload, s: RelaySetup, n: number, c: number, rt: RelayRuntime = "Miniflare") => {
      const r = await runLoad(unarySpec(w, url(s, rt), n, c));
      if (r.errors > 0) throw new Error(`relay ${w} via ${s} (${rt}): ${r.errors} of ${n} calls failed: ${r.firstError}`);
      return r;
    };
    const timed = async (w: RelayWorkload, s: RelaySetup, rt: RelayRuntime): Promise<Sample> => {
      const pid = at(rt, s).pid;
      const t0 = cpuTicks(pid);
      const w0 = performance.now();
      if (streamWorkloads.includes(w)) {
        const rs = await streamRun(w, url(s, rt), opts.streamMib);
        const seconds = (performance.now() - w0) / 1000;
        const ticks = cpuTicks(pid) - t0;
        const mib = rs.reduce((a, r) => a + r.bytes, 0) / 1048576;
        return {
          cpu: (ticks * 1000) / clk / mib,
          rate: mib / seconds,
          cpuSeconds: ticks / clk,
          first: median(rs.map((r) => r.first_message_ms)),
        };
      }
      const n = w === "upload-256k" ? opts.uploadCalls : opts.unaryCalls;
      const r = await load(w, s, n, opts.concurrency, rt);
      const ticks = cpuTicks(pid) - t0;
      return { cpu: (ticks * 1e6) / clk / r.requests, rate: r.rps, cpuSeconds: ticks / clk, p50: r.p50_ms };
    };
    // Warm-up, uncounted: JIT, origin connections, and a first check of every answer.
    for (const rt of runtimes)
      for (const w of [...unaryWorkloads, ...streamWorkloads])
        for (const s of setupsOf(w)) {
          if (streamWorkloads.includes(w)) await streamRun(w, url(s, rt), 16);
          else await load(w, s, Math.min(200, opts.unaryCalls), opts.concurrency, rt);
        }
    for (let run = 0; run < opts.runs; run++) {
      for (const rt of run % 2 === 0 ? runtimes : [...runtimes].reverse())
        for (const w of [...unaryWorkloads, ...streamWorkloads])
          for (const s of order(run).filter((x) => setupsOf(w).includes(x))) {
            const k = key(w, s, rt);
            samples.set(k, [...(samples.get(k) ?? []), await timed(w, s, rt)]);
          }
      for (const s of [...order(run), "direct" as const]) {
        const u = s === "direct" ? origin.url : url(s);
        const lone = async () => {
          const r = await runLoad(unarySpec("grpc-web", u, opts.latencyCalls, 1));
          if (r.errors > 0) throw new Error(`relay latency via ${s}: ${r.firstError}`);
          return r;
        };
        const alone = await lone();
        const drain = await startDrain(u);
        const beside = await lone();
        lat.get(s)!.push({ alone, beside, stream: await drain.stop() });
      }
    }
    // Once, after everything else: the pools are as warm as a long-running worker's.
    for (const protocol of ["grpc-web", "connect"] as const)
      for (const s of setups) {
        await origin.connections();
        const opened0 = (await origin.connections()).opened;
        await load(protocol, s, opts.connectionCalls, opts.concurrency);
        const c = await origin.connections();
        connections.push({
          protocol,
          setup: s,
          calls: opts.connectionCalls,
          concurrency: opts.concurrency,
          opened: c.opened - opened0,
          used: c.used,
        });
      }
  } finally {
    for (const w of workers.values()) await w.dispose();
    origin.stop();
  }
  const rows: RelayRow[] = [];
  for (const rt of runtimes)
    for (const w of [...unaryWorkloads, ...streamWorkloads])
      for (const s of setupsOf(w)) {
        const xs = samples.get(key(w, s, rt))!;
        const row: RelayRow = {
          runtime: rt,
          workload: w,
          setup: s,
          unit: streamWorkloads.includes(w) ? "MiB" : "call",
          cpu: summarize(xs.map((x) => x.cpu)),
          rate: summarize(xs.map((x) => x.rate)),
          cpu_seconds: summarize(xs.map((x) => x.cpuSeconds)),
        };
        if (xs[0]!.p50 !== undefined) row.p50_ms = summarize(xs.map((x) => x.p50!));
        if (xs[0]!.first !== undefined) row.first_message_ms = summarize(xs.map((x) => x.first!));
        rows.push(row);
      }
  const ratios: RelayRatio[] = [];
  for (const rt of runtimes)
    for (const w of [...unaryWorkloads, ...streamWorkloads])
      for (const s of setupsOf(w))
        for (const baseline of setups.filter((b) => b !== s && b !== "ours")) {
          const bw: RelayWorkload = w === "grpc-web-text" ? "grpc-web" : w;
          const a = samples.get(key(w, s, rt))!;
          const b = samples.get(key(bw, baseline, rt))!;
          ratios.push({
            runtime: rt,
            workload: w,
            setup: s,
            baseline,
            baseline_workload: bw,
            cpu_ratio: median(a.map((x, i) => x.cpu / b[i]!.cpu)),
            rate_ratio: median(a.map((x, i) => x.rate / b[i]!.rate)),
          });
        }
  const slow = (s: LatSetup, q: "p50_ms" | "p99_ms") => lat.get(s)!.map((r) => r.beside[q] / r.alone[q]);
  const latency: RelayLatency[] = latSetups.map((s) => {
    const rs = lat.get(s)!;
    return {
      setup: s,
      alone_p50_ms: summarize(rs.map((r) => r.alone.p50_ms)),
      alone_p99_ms: summarize(rs.map((r) => r.alone.p99_ms)),
      beside_stream_p50_ms: summarize(rs.map((r) => r.beside.p50_ms)),
      beside_stream_p99_ms: summarize(rs.map((r) => r.beside.p99_ms)),
      slowdown_p50: median(slow(s, "p50_ms")),
      slowdown_p99: median(slow(s, "p99_ms")),
      stream_mib_per_s: summarize(rs.map((r) => r.stream)),
    };
  });
  const latency_slowdown_vs = (["passthrough", "native-pipe"] as const).map((baseline) => {
    const o50 = slow("ours", "p50_ms");
    const o99 = slow("ours", "p99_ms");
    const b50 = slow(baseline, "p50_ms");
    const b99 = slow(baseline, "p99_ms");
    return { baseline, p50: median(o50.map((x, i) => x / b50[i]!)), p99: median(o99.map((x, i) => x / b99[i]!)) };
  });
  return {
    runtimes,
    clk_tck: clk,
    runs: opts.runs,
    concurrency: opts.concurrency,
    unary_calls: opts.unaryCalls,
    upload_calls: opts.uploadCalls,
    upload_bytes: UPLOAD_BYTES,
    stream_mib: opts.streamMib,
    rows,
    ratios,
    connections,
    latency,
    latency_slowdown_vs,
    match,
    load_average: [loadStart, loadavg()[0]!],
  };
}

export async function main(argv: string[]): Promise<number> {
  const d = argv.indexOf("--drain");
  if (d >= 0) {
    await drain(argv[d + 1]!);
    return 0;
  }
  const f = await measureRelay({
    unaryCalls: 300,
    uploadCalls: 100,
    streamMib: 64,
    runs: 2,
    concurrency: 16,
    connectionCalls: 500,
    latencyCalls: 100,
    matchRules: [1000, 10000],
    matchMs: 100,
    direct: true,
  });
  console.log(JSON.stringify(f, null, 1));
  return 0;
}

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { measureBuild, measureBundle, outDir, root } from "./build.ts";
import { measureColdStart } from "./cold-start.ts";
import { runMatch, type MatchRow } from "./match.ts";
import { measureMemory } from "./memory.ts";
import { measureObserve, type ObserveFigures } from "./observe.ts";
import { measurePolicy, type PolicyFigures } from "./policy.ts";
import { measureProxy, type ProxyFigures } from "./proxy.ts";
import { measureRelay, type RelayFigures, type RelayOptions } from "./relay.ts";
import { renderReport } from "./report.ts";
import { measureStream } from "./stream.ts";

/**
 * `npm run bench`: every benchmark, BENCHMARKS.md and bench/results.json.
 * `npm run bench -- --quick`: a reduced run (< 1 minute) that writes bench/out/ only.
 * `npm run bench -- --report-only`: BENCHMARKS.md again from bench/results.json.
 * `npm run bench -- --only policy` (or `observe`, `relay`): that benchmark alone, its figures merged into
 *   bench/results.json and BENCHMARKS.md re-rendered (with `--quick`: printed only), so
 *   one section can be measured again without the half hour the others take.
 * Either way the results are printed as one JSON line, last.
 */
export interface Plan {
  quick: boolean;
  matchSizes: number[];
  matchRuns: number;
  matchMs: number;
  pathSizes: number[];
  buildSizes: [rules: number, runs: number][];
  wrangler: boolean;
  coldRuns: number;
  proxy: { requests: number; runs: number; concurrency: number; rules: number };
  stream: { mib: number; runs: number; rules: number };
  memory: { matcherRules: number; workerdRules: number[] };
  policy: { requests: number; loneRequests: number; runs: number; concurrency: number };
  observe: { requests: number; loneRequests: number; runs: number; concurrency: number };
  relay: RelayOptions;
}

export function plan(quick: boolean): Plan {
  return quick
    ? {
        quick,
        matchSizes: [10, 1000, 10000, 50000],
        matchRuns: 1,
        matchMs: 40,
        pathSizes: [10000],
        buildSizes: [[10000, 1]],
        wrangler: false,
        coldRuns: 2,
        proxy: { requests: 400, runs: 1, concurrency: 16, rules: 10000 },
        stream: { mib: 16, runs: 1, rules: 10000 },
        memory: { matcherRules: 50000, workerdRules: [10000] },
        policy: { requests: 200, loneRequests: 50, runs: 2, concurrency: 16 },
        observe: { requests: 200, loneRequests: 50, runs: 2, concurrency: 16 },
        relay: {
          unaryCalls: 300,
          uploadCalls: 100,
          streamMib: 64,
          runs: 2,
          concurrency: 16,
          connectionCalls: 500,
          latencyCalls: 50,
          matchRules: [1000, 10000],
          matchMs: 40,
          direct: true,
        },
      }
    : {
        quick,
        matchSizes: [10, 1000, 10000, 50000],
        matchRuns: 5,
        matchMs: 300,
        pathSizes: [10, 1000, 10000, 50000],
        buildSizes: [
          [10, 3],
          [1000, 3],
          [10000, 3],
          [50000, 1],
        ],
        wrangler: true,
        coldRuns: 7,
        proxy: { requests: 3000, runs: 3, concurrency: 16, rules: 10000 },
        stream: { mib: 64, runs: 3, rules: 10000 },
        memory: { matcherRules: 50000, workerdRules: [10, 10000] },
        policy: { requests: 1500, loneRequests: 300, runs: 5, concurrency: 16 },
        observe: { requests: 1500, loneRequests: 300, runs: 6, concurrency: 16 },
        // Sized so that a run spans about a second of workerd CPU or more for most setups at
        // CLK_TCK 100 (the native pipe and the bare-workerd baselines are too cheap: half a second or more),
        // in about 15 minutes.
        relay: {
          unaryCalls: 3000,
          uploadCalls: 500,
          streamMib: 768,
          runs: 3,
          concurrency: 16,
          connectionCalls: 500,
          latencyCalls: 100,
          matchRules: [1000, 10000],
          matchMs: 300,
          direct: true,
        },
      };
}

function row(rows: MatchRow[], n: number): MatchRow {
  const r = rows.find((x) => x.rules === n);
  if (r === undefined) throw new Error(`no match figures at ${n} rules`);
  return r;
}

/** The worse protocol's ratio: the target must hold for both. */
function proxyKeys(p: ProxyFigures) {
  const get = (protocol: string, setup: string) => p.rows.find((r) => r.protocol === protocol && r.setup === setup)!;
  const per = (["grpc-web", "connect"] as const).map((protocol) => {
    const [a, b, c] = (["direct", "passthrough", "ours"] as const).map((s) => get(protocol, s));
    return {
      protocol,
      rps_vs_passthrough: c!.rps.median / b!.rps.median,
      p50_extra_ms: c!.p50_ms.median - b!.p50_ms.median,
      rps_vs_direct: c!.rps.median / a!.rps.median,
      p50_extra_ms_vs_direct: c!.p50_ms.median - a!.p50_ms.median,
    };
  });
  return {
    proxy_rps_vs_passthrough: Math.min(...per.map((x) => x.rps_vs_passthrough)),
    proxy_p50_ms_vs_passthrough: Math.max(...per.map((x) => x.p50_extra_ms)),
    proxy_rps_vs_direct: Math.min(...per.map((x) => x.rps_vs_direct)),
    per,
  };
}

/** RS256 is the headline (the common issuer default); ES256 rides along. */
function policyKeys(f: PolicyFigures) {
  const row = (s: string) => f.rows.find((r) => r.setup === s)!;
  const vs = (s: string) => f.vs_open.find((r) => r.setup === s)!;
  return {
    policy_p50_ms_open: row("open").p50_ms.median,
    policy_p50_ms_jwt: row("jwt-rs256").p50_ms.median,
    policy_p50_extra_ms: vs("jwt-rs256").p50_extra_ms,
    policy_lone_p50_ms_open: row("open").lone_p50_ms.median,
    policy_lone_p50_ms_jwt: row("jwt-rs256").lone_p50_ms.median,
    policy_lone_p50_extra_ms: vs("jwt-rs256").lone_p50_extra_ms,
    policy_rps_vs_open: vs("jwt-rs256").rps_ratio,
    policy_cpu_us_open: row("open").cpu_us_per_call.median,
    policy_cpu_us_jwt: row("jwt-rs256").cpu_us_per_call.median,
    policy_cpu_us_extra: vs("jwt-rs256").cpu_us_extra,
    policy_es256_p50_extra_ms: vs("jwt-es256").p50_extra_ms,
    policy_es256_lone_p50_extra_ms: vs("jwt-es256").lone_p50_extra_ms,
    policy_es256_rps_vs_open: vs("jwt-es256").rps_ratio,
    policy_es256_cpu_us_extra: vs("jwt-es256").cpu_us_extra,
    policy_jwks_fetches: f.jwks_fetches,
    ...limitKeys(f),
  };
}

/** Absent when the figures come from before rate limits were measured. */
function limitKeys(f: PolicyFigures) {
  const row = (s: string) => f.rows.find((r) => r.setup === s);
  const vs = (s: string) => f.vs_open.find((r) => r.setup === s);
  const local = row("limit-local");
  const global = row("limit-global");
  const vl = vs("limit-local");
  const vg = vs("limit-global");
  if (local === undefined || global === undefined || vl === undefined || vg === undefined) return {};
  return {
    limit_local_lone_p50_extra_ms: vl.lone_p50_extra_ms,
    limit_local_p50_extra_ms: vl.p50_extra_ms,
    limit_local_rps_vs_open: vl.rps_ratio,
    limit_local_cpu_us: local.cpu_us_per_call.median,
    limit_local_cpu_us_extra: vl.cpu_us_extra,
    limit_global_lone_p50_ms: global.lone_p50_ms.median,
    /** One Durable Object round trip, in process: no network. */
    limit_global_lone_p50_extra_ms: vg.lone_p50_extra_ms,
    limit_global_p50_extra_ms: vg.p50_extra_ms,
    limit_global_rps_vs_open: vg.rps_ratio,
    limit_global_cpu_us: global.cpu_us_per_call.median,
    limit_global_cpu_us_extra: vg.cpu_us_extra,
    limit_limited_calls: local.limited + global.limited,
  };
}

/** Logging and the data point together are the headline: that is the worker as deployed with ANALYTICS bound. */
function observeKeys(f: ObserveFigures) {
  const row = (s: string) => f.rows.find((r) => r.setup === s)!;
  const vs = (s: string) => f.vs_off.find((r) => r.setup === s)!;
  const on = vs("log+analytics");
  const log = vs("log");
  return {
    observe_rps_vs_off: on.rps_ratio,
    observe_lone_rps_vs_off: on.lone_rps_ratio,
    observe_p50_extra_ms: on.p50_extra_ms,
    observe_lone_p50_extra_ms: on.lone_p50_extra_ms,
    observe_cpu_us_off: row("off").cpu_us_per_call.median,
    observe_cpu_us_extra: on.cpu_us_extra,
    observe_log_only_rps_vs_off: log.rps_ratio,
    observe_log_only_lone_p50_extra_ms: log.lone_p50_extra_ms,
    observe_log_only_cpu_us_extra: log.cpu_us_extra,
  };
}

/** Ours against each baseline, the worse of a workload pair where a target covers two. */
export function relayKeys(f: RelayFigures) {
  const ratio = (w: string, baseline = "passthrough", runtime = "Miniflare") =>
    f.ratios.find((r) => r.runtime === runtime && r.workload === w && r.setup === "ours" && r.baseline === baseline)!;
  const cpu = (w: string) => f.rows.find((r) => r.runtime === "Miniflare" && r.workload === w && r.setup === "ours")!.cpu.median;
  const direct = f.runtimes.includes("workerd")
    ? {
        relay_workerd_grpcweb_cpu_vs_passthrough: ratio("grpc-web", "passthrough", "workerd").cpu_ratio,
        relay_workerd_connect_cpu_vs_passthrough: Math.max(
          ratio("connect", "passthrough", "workerd").cpu_ratio,
          ratio("connect-gzip-br", "passthrough", "workerd").cpu_ratio,
        ),
        relay_workerd_stream_cpu_vs_passthrough: Math.max(
          ratio("stream-grpc-web", "passthrough", "workerd").cpu_ratio,
          ratio("stream-connect", "passthrough", "workerd").cpu_ratio,
        ),
      }
    : {};
  const ours = f.connections.filter((c) => c.setup === "ours");
  return {
    relay_grpcweb_cpu_vs_passthrough: ratio("grpc-web").cpu_ratio,
    relay_grpcweb_cpu_vs_native_pipe: ratio("grpc-web", "native-pipe").cpu_ratio,
    relay_connect_cpu_vs_passthrough: Math.max(ratio("connect").cpu_ratio, ratio("connect-gzip-br").cpu_ratio),
    relay_grpcweb_text_cpu_vs_passthrough: ratio("grpc-web-text").cpu_ratio,
    relay_stream_cpu_vs_passthrough: Math.max(ratio("stream-grpc-web").cpu_ratio, ratio("stream-connect").cpu_ratio),
    relay_stream_rate_vs_passthrough: Math.min(ratio("stream-grpc-web").rate_ratio, ratio("stream-connect").rate_ratio),
    relay_stream_cpu_vs_native_pipe: Math.max(
      ratio("stream-grpc-web", "native-pipe").cpu_ratio,
      ratio("stream-connect", "native-pipe").cpu_ratio,
    ),
    relay_upload_cpu_ms_per_mib: cpu("upload-256k") / 1000 / (f.upload_bytes / 1048576),
    relay_upload_cpu_vs_passthrough: ratio("upload-256k").cpu_ratio,
    relay_origin_connections_per_caller: Math.max(...ours.map((c) => Math.max(c.opened, c.used) / c.concurrency)),
    relay_latency_slowdown_vs_passthrough: f.latency_slowdown_vs.find((x) => x.baseline === "passthrough")!.p50,
    relay_match_exact_vs_floor: Math.max(...f.match.map((m) => m.ratio)),
    ...direct,
  };
}

async function only(name: string | undefined, p: Plan): Promise<number> {
  if (name !== "policy" && name !== "observe" && name !== "relay")
    throw new Error(`--only takes: policy, observe, relay (got ${String(name)})`);
  const started = performance.now();
  const section =
    name === "policy"
      ? await measurePolicy(p.policy).then((policy) => ({ keys: policyKeys(policy), details: { policy }, plan: { policy: p.policy } }))
      : name === "observe"
        ? await measureObserve(p.observe).then((observe) => ({
            keys: observeKeys(observe),
            details: { observe },
            plan: { observe: p.observe },
          }))
        : await measureRelay(p.relay).then((relay) => ({ keys: relayKeys(relay), details: { relay }, plan: { relay: p.relay } }));
  const keys = section.keys;
  if (!p.quick) {
    const file = join(root, "bench", "results.json");
    const saved = JSON.parse(readFileSync(file, "utf8")) as Parameters<typeof renderReport>[0];
    const merged = {
      ...saved,
      ...keys,
      details: { ...saved.details, plan: { ...(saved.details.plan as object), ...section.plan }, ...section.details },
    };
    writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
    const { markdown, svg } = renderReport(merged);
    writeFileSync(join(root, "BENCHMARKS.md"), markdown);
    writeFileSync(join(root, "bench", "match.svg"), svg);
  }
  console.log(JSON.stringify({ ...keys, quick: p.quick, seconds: (performance.now() - started) / 1000, details: section.details }));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--report-only")) {
    // Re-render BENCHMARKS.md from the last full run's figures (after editing report.ts).
    const saved = JSON.parse(readFileSync(join(root, "bench", "results.json"), "utf8")) as Parameters<typeof renderReport>[0];
    const { markdown, svg } = renderReport(saved);
    writeFileSync(join(root, "BENCHMARKS.md"), markdown);
    writeFileSync(join(root, "bench", "match.svg"), svg);
    return 0;
  }
  const p = plan(argv.includes("--quick"));
  const o = argv.indexOf("--only");
  if (o >= 0) return only(argv[o + 1], p);
  const started = performance.now();
  const step = (name: string) => console.error(`[bench] ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  step("match");
  const match = runMatch(p.matchSizes, p.matchRuns, p.matchMs, p.pathSizes);
  step("build");
  const build = p.buildSizes.map(([n, runs]) => measureBuild(n, runs));
  const bundle = await measureBundle(10000, p.wrangler);
  step("cold start");
  const cold = await measureColdStart({ runs: p.coldRuns, large: 10000 });
  step("proxy");
  const proxy = await measureProxy(p.proxy);
  step("stream");
  const stream = await measureStream(p.stream);
  step("memory");
  const memory = await measureMemory(p.memory);
  step("policy");
  const policy = await measurePolicy(p.policy);
  step("observe");
  const observe = await measureObserve(p.observe);
  step("relay");
  const relay = await measureRelay(p.relay);
  const m1k = row(match, 1000);
  const m10k = row(match, 10000);
  const m50k = row(match, 50000);
  const pk = proxyKeys(proxy);
  const results = {
    match_ns_p50_10k: m10k.mix_p50.median,
    match_exact_ns_p50_10k: m10k.exact_p50.median,
    match_miss_ns_p50_10k: m10k.miss_p50.median,
    match_growth_1k_to_50k: m50k.mix_p50.median / m1k.mix_p50.median,
    match_exact_growth_1k_to_50k: m50k.exact_p50.median / m1k.exact_p50.median,
    match_vs_linear_10k: m10k.linear_mix_p50.median / m10k.mix_p50.median,
    match_vs_hono_10k: m10k.hono_paths_p50!.median / m10k.ours_paths_p50!.median,
    compile_ms_10k: build.find((b) => b.rules === 10000)!.compile_ms.median,
    bundle_gzip_bytes_10k: bundle.wrangler?.gzip_bytes ?? bundle.minified_gzip_bytes,
    cold_start_extra_ms_10k: cold.extra_ms.median,
    proxy_rps_vs_passthrough: pk.proxy_rps_vs_passthrough,
    proxy_p50_ms_vs_passthrough: pk.proxy_p50_ms_vs_passthrough,
    proxy_rps_vs_direct: pk.proxy_rps_vs_direct,
    stream_throughput_vs_direct: stream.ours.mib_per_s.median / stream.direct.mib_per_s.median,
    stream_first_message_extra_ms: stream.ours.first_message_ms.median - stream.direct.first_message_ms.median,
    matcher_heap_bytes_50k: memory.matcher_retained_heap_bytes,
    workerd_rss_bytes_10k: memory.workerd.find((w) => w.rules === 10000)?.rss_bytes ?? NaN,
    ...policyKeys(policy),
    ...observeKeys(observe),
    ...relayKeys(relay),
    quick: p.quick,
    seconds: (performance.now() - started) / 1000,
    details: {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", node: process.version },
      plan: p,
      match,
      build,
      bundle,
      cold,
      proxy: { ...proxy, per_protocol: pk.per },
      stream,
      memory,
      policy,
      observe,
      relay,
    },
  };
  if (p.quick) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "results-quick.json"), `${JSON.stringify(results, null, 2)}\n`);
  } else {
    writeFileSync(join(root, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    const { markdown, svg } = renderReport(results);
    writeFileSync(join(root, "BENCHMARKS.md"), markdown);
    writeFileSync(join(root, "bench", "match.svg"), svg);
  }
  step("done");
  console.log(JSON.stringify(results));
  return 0;
}

import type { BuildRow, BundleFigures } from "./build.ts";
import type { ColdStartFigures } from "./cold-start.ts";
import type { MatchRow } from "./match.ts";
import type { Summary } from "./measure.ts";
import type { MemoryFigures } from "./memory.ts";
import type { ObserveFigures } from "./observe.ts";
import { plotSvg } from "./plot.ts";
import type { PolicyFigures } from "./policy.ts";
import type { ProxyFigures } from "./proxy.ts";
import type { RelayFigures } from "./relay.ts";
import type { StreamFigures } from "./stream.ts";

/** BENCHMARKS.md and its chart from one full run's results. */
export interface Results {
  [key: string]: unknown;
  details: {
    machine: { cpus: number; model: string; node: string };
    match: MatchRow[];
    build: BuildRow[];
    bundle: BundleFigures;
    cold: ColdStartFigures;
    proxy: ProxyFigures & {
      per_protocol: {
        protocol: string;
        rps_vs_passthrough: number;
        p50_extra_ms: number;
        rps_vs_direct: number;
        p50_extra_ms_vs_direct: number;
      }[];
    };
    stream: StreamFigures;
    memory: MemoryFigures;
    plan?: unknown;
    /** Absent in results from before the policy benchmark existed. */
    policy?: PolicyFigures;
    /** Absent in results from before the access-log benchmark existed. */
    observe?: ObserveFigures;
    /** Absent in results from before the relay CPU benchmark existed. */
    relay?: RelayFigures;
  };
}

const ns = (s: Summary | undefined) =>
  s === undefined ? "–" : s.median >= 10000 ? `${(s.median / 1000).toFixed(1)} µs` : `${s.median.toFixed(0)} ns`;
const pm = (s: Summary) => `±${((100 * s.spread) / 2).toFixed(0)}%`;
const ms = (x: number, d = 1) => `${x.toFixed(d)} ms`;
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const num = (n: number) => n.toLocaleString("en-US");
const sign = (x: number) => (x >= 0 ? "+" : "");
const ok = (pass: boolean) => (pass ? "met" : "**missed**");

export function renderReport(r: Results): { markdown: string; svg: string } {
  const d = r.details;
  const k = r as Record<string, number>;
  const svg = plotSvg(
    [
      { name: "ours, whole mix", color: "#d62728", points: d.match.map((m) => [m.rules, m.mix_p50.median]) },
      { name: "ours, exact hit", color: "#ff9896", points: d.match.map((m) => [m.rules, m.exact_p50.median]) },
      {
        name: "ours, path-only",
        color: "#9467bd",
        points: d.match.filter((m) => m.ours_paths_p50).map((m) => [m.rules, m.ours_paths_p50!.median]),
      },
      {
        name: "Hono RegExpRouter",
        color: "#1f77b4",
        points: d.match.filter((m) => m.hono_paths_p50).map((m) => [m.rules, m.hono_paths_p50!.median]),
      },
      { name: "linear scan, mix", color: "#7f7f7f", points: d.match.map((m) => [m.rules, m.linear_mix_p50.median]) },
    ],
    "Matching: ns per match (p50) vs rule count",
  );
  const L: string[] = [];
  L.push(
    "# Benchmarks",
    "",
    "Reproduce: `npm run bench` (writes this file, `bench/match.svg` and `bench/results.json`); `npm run bench -- --quick` is a reduced run (< 1 minute) that prints the same JSON keys as its last line; `npm run bench -- --only policy`, `npm run bench -- --only observe` and `npm run bench -- --only relay` measure section 7, 8 or 9 alone and merge it in.",
    "",
    "## Method",
    "",
    `- Machine: ${d.machine.cpus} × ${d.machine.model}, Node ${d.machine.node}, shared with other work, so every figure stands next to a baseline measured in the same run, and ratios are what to read.`,
    "- Every figure is the **median of several runs** (count in each table); `±` is half the spread (max − min) / median across those runs.",
    "- Route sets come from `bench/generate.ts`, deterministic: routes of 16 rules, 70% exact service+method, 12% service only, 5% method only, 3% regex (`pkgN\\.v1\\.RxI` / `Get.*`), 10% exact method plus a header match; 80% of routes on exact hosts, 10% wildcard, 10% hostless.",
    '- **Matching** runs in Node on the matcher alone, in batches of 64 calls timed with `process.hrtime` (`bench/measure.ts`); p50/p99 are over batches. Every call gets **fresh host and path strings** (sliced off a template) for ours and for the baselines alike, as a Worker gets fresh strings per request: reused strings carry cached hashes. The slicing ("input") is included in every figure and reported alone.',
    "- Baselines: the linear scan in precedence order (`test/reference/linear-matcher.ts`) over the same requests, and Hono `RegExpRouter` with the exact `/pkg.Svc/Method` paths of the set (path-only subset), against our matcher on a hostless table of the same paths.",
    "- **Proxy**: a closed-loop load generator on `node:http` keep-alive agents (`bench/load.ts`), fixed request counts at fixed concurrency, loopback only, every answer checked. The origin (connect-node `DemoService`, the test origin) runs in its own Node process. Setups alternate order between runs. Both workers run in Miniflare (workerd). Our worker carries the 10,000-rule table plus a hostless route for `DemoService`.",
    "- **Policy**: one worker, one table of rules on `DemoService` told apart by an `x-route` header, one open, one under a SecurityPolicy asking for a JWT from a `remoteJWKS` served by a real JWKS server in the benchmark process (`test/policy/token-issuer.ts`). One RS256 and one ES256 token are signed up front and reused, as a client does; warm-up calls fill the JWKS cache before anything is timed, and the benchmark fails if a call without a token gets through. Unary gRPC-web, 1 KiB, same load generator and origin as the proxy benchmark, at the proxy concurrency (throughput, p50) and one call at a time (lone p50: the latency a single client sees added, where at concurrency 16 each extra microsecond of CPU is paid once per call queued ahead); runs rotate open / RS256 / ES256 / Local limit / Global limit, then backwards. **CPU per call** is workerd's user + system time (`utime + stime` in `/proc/<pid>/stat`, all threads) before and after each run, divided by its calls; workerd is found as the process named `workerd` descending from the benchmark's Node process that appeared when the worker started. That process also runs Miniflare's entry worker and both HTTP legs, so the absolute figure is above what Cloudflare bills; the difference between rules is the policy's cost. Two more rules rotate with these: one under a BackendTrafficPolicy `type: Local` rate limit (Miniflare's emulation of the Workers rate-limiting binding) and one under a `type: Global` limit (a Durable Object, run by Miniflare in the same workerd process), both set far above the calls sent so that every call is counted and none refused (section 7.1).",
    "- **Cold start**: from `new Miniflare()` (fresh workerd process, bundle prebuilt) to the end of the first response (a miss the worker answers itself), alternating the two tables. Modules are passed as an explicit list: with `modules: true` Miniflare first scans the whole script with acorn in Node (about 1 s for 4 MiB), a local-only cost that Cloudflare never pays.",
    "",
  );

  L.push("## Targets", "", "| target | result | |", "|---|---:|---|");
  const growth = k.match_growth_1k_to_50k!;
  const cp = d.proxy.per_protocol;
  const re = d.relay;
  // An absolute nanosecond target judged a shared machine as much as the matcher; the floor
  // (two Map.get, measured beside it) moves with the machine alike.
  L.push(
    re === undefined
      ? "| host + exact service/method hit ≤ 1.1× two `Map.get` (host, then path), 1,000 and 10,000 rules | not measured | |"
      : `| host + exact service/method hit ≤ 1.1× two \`Map.get\` (host, then path), 1,000 and 10,000 rules | ${re.match.map((m) => `${num(m.rules)}: ${m.ratio.toFixed(2)}× (${m.exact_ns.median.toFixed(0)} / ${m.floor_ns.median.toFixed(0)} ns)`).join(", ")} | ${ok(re.match.every((m) => m.ratio <= 1.1))} |`,
    `| ≤ 1 µs p50 over the whole mix, 10,000 rules | ${k.match_ns_p50_10k!.toFixed(0)} ns | ${ok(k.match_ns_p50_10k! <= 1000)} |`,
    `| cost grows < 2× from 1,000 to 50,000 rules (mix p50) | ${growth.toFixed(2)}× (exact hit ${k.match_exact_growth_1k_to_50k!.toFixed(2)}×) | ${ok(growth < 2)} |`,
    `| ≥ 100× faster than linear at 10,000 | ${k.match_vs_linear_10k!.toFixed(0)}× | ${ok(k.match_vs_linear_10k! >= 100)} |`,
    `| no slower than RegExpRouter, path-only, 10,000 | RegExpRouter / ours = ${k.match_vs_hono_10k!.toFixed(2)} | ${ok(k.match_vs_hono_10k! >= 1)} |`,
    `| 10,000 rules compile in < 3 s | ${ms(k.compile_ms_10k!, 0)} | ${ok(k.compile_ms_10k! < 3000)} |`,
    `| bundle < 1 MiB gzip at 10,000 rules | ${kib(k.bundle_gzip_bytes_10k!)} | ${ok(k.bundle_gzip_bytes_10k! < 1048576)} |`,
    `| cold start < 50 ms more at 10,000 rules | +${ms(k.cold_start_extra_ms_10k!, 0)} | ${ok(k.cold_start_extra_ms_10k! < 50)} |`,
    `| proxy throughput within 5% of pass-through | ${cp.map((p) => `${p.protocol} ${(100 * p.rps_vs_passthrough).toFixed(0)}%`).join(", ")} | ${ok(k.proxy_rps_vs_passthrough! >= 0.95)} |`,
    `| proxy p50 within 5% of pass-through | ${cp.map((p) => `${p.protocol} ${p.p50_extra_ms >= 0 ? "+" : ""}${ms(p.p50_extra_ms, 2)}`).join(", ")} | ${ok(cp.every((p) => p.p50_extra_ms <= 0.05 * passP50(d.proxy, p.protocol)))} |`,
    `| stream throughput ≥ 80% of direct | ${(100 * k.stream_throughput_vs_direct!).toFixed(0)}% | ${ok(k.stream_throughput_vs_direct! >= 0.8)} |`,
    `| first stream message within 5 ms of direct | ${k.stream_first_message_extra_ms! >= 0 ? "+" : ""}${ms(k.stream_first_message_extra_ms!)} | ${ok(k.stream_first_message_extra_ms! <= 5)} |`,
  );
  const po = d.policy;
  if (po === undefined) {
    L.push(
      "| JWT (cached JWKS) p50 ≤ +0.3 ms over no policy | not measured | |",
      "| JWT (cached JWKS) throughput loss ≤ 10% | not measured | |",
    );
  } else {
    // Both algorithms must hold: the target is for a verified call, whichever key the issuer uses.
    // Latency is judged for a lone caller: at the throughput concurrency p50 is mostly queueing.
    // Wall-clock figures swing on a shared machine, so each verdict also asks the CPU figure
    // (with the JWKS cached the policy adds no I/O, only CPU on the call's path, and a
    // saturated workerd serves calls in proportion to 1 / CPU per call): met needs both.
    const label = (s: string) => (s === "jwt-rs256" ? "RS256" : "ES256");
    const extra = (x: number) => `${sign(x)}${ms(x, 2)}`;
    const openCpu = po.rows.find((r) => r.setup === "open")!.cpu_us_per_call.median;
    const cpuRatio = (v: PolicyFigures["vs_open"][number]) => openCpu / (openCpu + v.cpu_us_extra);
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    const jwt = po.vs_open.filter((v) => isJwt(v.setup));
    L.push(
      `| JWT (cached JWKS) p50 ≤ +0.3 ms over no policy, one caller | ${jwt.map((v) => `${label(v.setup)} ${extra(v.lone_p50_extra_ms)} (CPU ${sign(v.cpu_us_extra)}${(v.cpu_us_extra / 1000).toFixed(2)} ms)`).join(", ")}; at concurrency ${po.concurrency}: ${jwt.map((v) => `${label(v.setup)} ${extra(v.p50_extra_ms)}`).join(", ")} | ${ok(jwt.every((v) => v.lone_p50_extra_ms <= 0.3 && v.cpu_us_extra <= 300))} |`,
      `| JWT (cached JWKS) throughput loss ≤ 10% | ${jwt.map((v) => `${label(v.setup)} ${pct(v.rps_ratio)} of open (by CPU ${pct(cpuRatio(v))})`).join(", ")} | ${ok(jwt.every((v) => v.rps_ratio >= 0.9 && cpuRatio(v) >= 0.9))} |`,
    );
    // CPU, not wall clock: the binding is meant to add no latency on Cloudflare, and only the
    // CPU figure resolves a few percent on this machine. Global has no target here: its cost
    // on Cloudflare is the network to the object, which Miniflare does not have.
    const local = po.vs_open.find((v) => v.setup === "limit-local");
    if (local !== undefined)
      L.push(
        `| Local rate limit adds ≤ 5% CPU per call | ${sign(local.cpu_us_extra)}${local.cpu_us_extra.toFixed(0)} µs on ${openCpu.toFixed(0)} µs (${sign(local.cpu_us_extra)}${((100 * local.cpu_us_extra) / openCpu).toFixed(1)}%) | ${ok(local.cpu_us_extra <= 0.05 * openCpu)} |`,
      );
  }
  const ob = d.observe;
  if (ob === undefined) L.push("| access log + data point: throughput ≥ 97%, p50 ≤ +0.2 ms | not measured | |");
  else {
    // As for JWT: p50 is judged for one caller (at concurrency 16 it is queueing), and each
    // verdict needs the CPU figure to agree, the log adding CPU on the call's path and no I/O
    // the call waits for.
    const on = ob.vs_off.find((v) => v.setup === "log+analytics")!;
    const offCpu = ob.rows.find((r) => r.setup === "off")!.cpu_us_per_call.median;
    const byCpu = offCpu / (offCpu + on.cpu_us_extra);
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    L.push(
      `| access log + data point: throughput ≥ 97% of the worker without them | ${pct(on.rps_ratio)} at concurrency ${ob.concurrency} (by CPU ${pct(byCpu)}), ${pct(on.lone_rps_ratio)} one caller | ${ok(on.rps_ratio >= 0.97 && byCpu >= 0.97)} |`,
      `| access log + data point: p50 ≤ +0.2 ms, one caller | ${sign(on.lone_p50_extra_ms)}${ms(on.lone_p50_extra_ms, 2)} (CPU ${sign(on.cpu_us_extra)}${(on.cpu_us_extra / 1000).toFixed(2)} ms); at concurrency ${ob.concurrency}: ${sign(on.p50_extra_ms)}${ms(on.p50_extra_ms, 2)} | ${ok(on.lone_p50_extra_ms <= 0.2 && on.cpu_us_extra <= 200)} |`,
    );
  }
  if (re === undefined) L.push("| relay CPU against pass-through (section 9) | not measured | |");
  else L.push(...relayTargets(re));
  L.push("");

  L.push("## 1. Matching (Node, matcher alone)", "", "![ns per match vs rule count](bench/match.svg)", "");
  L.push(
    "| rules | exact hit p50 (p99) | mix p50 (p99) | miss p50 (p99) | linear, mix p50 | ours vs linear | path-only: ours / RegExpRouter | input alone | runs |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const m of d.match) {
    L.push(
      `| ${num(m.rules)} | ${ns(m.exact_p50)} (${ns(m.exact_p99)}) | ${ns(m.mix_p50)} ${pm(m.mix_p50)} (${ns(m.mix_p99)}) | ${ns(m.miss_p50)} (${ns(m.miss_p99)}) | ${ns(m.linear_mix_p50)} | ${(m.linear_mix_p50.median / m.mix_p50.median).toFixed(0)}× | ${ns(m.ours_paths_p50)} / ${ns(m.hono_paths_p50)} | ${ns(m.input_p50)} | ${m.mix_p50.runs} |`,
    );
  }
  L.push("");

  L.push(
    "## 2. Build",
    "",
    "| rules | compile (load + validate + compile) | runs | table JSON | table gzip |",
    "|---:|---:|---:|---:|---:|",
  );
  for (const b of d.build)
    L.push(
      `| ${num(b.rules)} | ${ms(b.compile_ms.median, 0)} ${pm(b.compile_ms)} | ${b.compile_ms.runs} | ${kib(b.table_bytes)} | ${kib(b.table_gzip_bytes)} |`,
    );
  const bu = d.bundle;
  L.push(
    "",
    `Worker bundle with the 10,000-rule table: esbuild ${kib(bu.bytes)} (gzip ${kib(bu.gzip_bytes)}), minified ${kib(bu.minified_bytes)} (gzip ${kib(bu.minified_gzip_bytes)})` +
      (bu.wrangler
        ? `; \`wrangler deploy --dry-run --outdir\` on a copy of the project holding that table: ${kib(bu.wrangler.bytes)}, gzip ${kib(bu.wrangler.gzip_bytes)} (wrangler: "${bu.wrangler.reported}").`
        : "."),
    "",
  );

  const c = d.cold;
  L.push(
    "## 3. Cold start (Miniflare / workerd)",
    "",
    `| table | time to first response | runs |`,
    "|---|---:|---:|",
    `| ${c.small_rules} rules | ${ms(c.small_ms.median, 0)} ${pm(c.small_ms)} | ${c.small_ms.runs} |`,
    `| ${num(c.large_rules)} rules | ${ms(c.large_ms.median, 0)} ${pm(c.large_ms)} | ${c.large_ms.runs} |`,
    "",
    `Extra at ${num(c.large_rules)} rules: **+${ms(c.extra_ms.median, 0)}** (median of paired differences).`,
    "",
  );

  const p = d.proxy;
  L.push(
    "## 4. Proxy overhead (unary, 1 KiB messages)",
    "",
    `${num(p.requests)} requests per run at concurrency ${p.concurrency}.`,
    "",
    "| protocol | setup | rps | p50 | p99 | errors | runs |",
    "|---|---|---:|---:|---:|---:|---:|",
  );
  for (const x of p.rows)
    L.push(
      `| ${x.protocol} | ${x.setup} | ${x.rps.median.toFixed(0)} ${pm(x.rps)} | ${ms(x.p50_ms.median, 2)} | ${ms(x.p99_ms.median, 2)} | ${x.errors} | ${x.rps.runs} |`,
    );
  L.push("", "| protocol | (c)/(b) rps | (c)−(b) p50 | (c)/(a) rps | (c)−(a) p50 |", "|---|---:|---:|---:|---:|");
  for (const x of p.per_protocol)
    L.push(
      `| ${x.protocol} | ${x.rps_vs_passthrough.toFixed(2)} | ${ms(x.p50_extra_ms, 2)} | ${x.rps_vs_direct.toFixed(2)} | ${ms(x.p50_extra_ms_vs_direct, 2)} |`,
    );
  L.push("");

  const s = d.stream;
  L.push(
    `## 5. Streaming (gRPC-web server stream, ${s.mib} MiB in 64 KiB messages)`,
    "",
    "| setup | throughput | first message | runs |",
    "|---|---:|---:|---:|",
    `| direct | ${s.direct.mib_per_s.median.toFixed(0)} MiB/s ${pm(s.direct.mib_per_s)} | ${ms(s.direct.first_message_ms.median)} | ${s.direct.mib_per_s.runs} |`,
    `| pass-through worker | ${s.passthrough.mib_per_s.median.toFixed(0)} MiB/s ${pm(s.passthrough.mib_per_s)} | ${ms(s.passthrough.first_message_ms.median)} | ${s.passthrough.mib_per_s.runs} |`,
    `| our worker | ${s.ours.mib_per_s.median.toFixed(0)} MiB/s ${pm(s.ours.mib_per_s)} | ${ms(s.ours.first_message_ms.median)} | ${s.ours.mib_per_s.runs} |`,
    "",
  );

  const mm = d.memory;
  L.push(
    "## 6. Memory",
    "",
    `Matcher at ${num(mm.matcher_rules)} rules (child Node process, --expose-gc): heap growth while parsing the table JSON and building the matcher ${mib(mm.matcher_peak_heap_bytes)} before GC, ${mib(mm.matcher_retained_heap_bytes)} retained after a full GC.`,
    "",
    "| workerd with | RSS | peak RSS (VmHWM) |",
    "|---|---:|---:|",
    ...mm.workerd.map((w) => `| ${num(w.rules)} rules | ${mib(w.rss_bytes)} | ${mib(w.hwm_bytes)} |`),
    "",
  );
  if (po !== undefined) {
    const us = (x: number) => `${x.toFixed(0)} µs`;
    L.push(
      "## 7. Policy cost (JWT verified at the edge, JWKS cached)",
      "",
      "Reproduce this section alone: `npm run bench -- --only policy` (merges into `bench/results.json` and rewrites this file; add `--quick` for a small run that only prints).",
      "",
      `${num(po.requests)} unary ${po.protocol} calls per run at concurrency ${po.concurrency}, each followed by ${num(po.lone_requests)} calls one at a time (lone p50); ${po.runs} runs per rule; the JWKS was fetched ${po.jwks_fetches} time(s) in the whole benchmark.`,
      "",
      `| rule | rps | p50 | p99 | lone p50 | workerd CPU per call | errors | runs |`,
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...po.rows.filter((x) => x.setup === "open" || isJwt(x.setup)).map((x) => policyRow(x)),
      "",
      "Against the open rule, median over runs of each run against the open run of the same round:",
      "",
      "| token | rps jwt / open | p50 jwt − open | lone p50 jwt − open | CPU per call jwt − open |",
      "|---|---:|---:|---:|---:|",
      ...po.vs_open.filter((v) => isJwt(v.setup)).map(vsRow),
      "",
      `CPU resolution: ${po.clk_tck} ticks per second, ${us(1e6 / po.clk_tck / po.requests)} per call over one run.`,
      "",
    );
    const limits = po.vs_open.filter((v) => !isJwt(v.setup));
    const globalRow = po.rows.find((x) => x.setup === "limit-global");
    const globalVs = po.vs_open.find((v) => v.setup === "limit-global");
    if (po.limits !== undefined && globalRow !== undefined && globalVs !== undefined) {
      const openRow = po.rows.find((x) => x.setup === "open")!;
      const cpuPct = (v: PolicyFigures["vs_open"][number]) =>
        `${sign(v.cpu_us_extra)}${((100 * v.cpu_us_extra) / openRow.cpu_us_per_call.median).toFixed(1)}%`;
      L.push(
        "### 7.1 Rate limits (BackendTrafficPolicy, never reached)",
        "",
        "Measured in the same run as the JWT rules above, by the same command (`npm run bench -- --only policy`), rotating with them: the same unary call on a rule without a policy, on a rule under a `type: Local` limit (the Workers rate-limiting binding, as Miniflare emulates it) and on a rule under a `type: Global` limit (one Durable Object round trip per call, to the counter object of that rule).",
        `The limits, ${num(po.limits.local.requests)} requests per ${po.limits.local.unit} (Local) and ${num(po.limits.global.requests)} per ${po.limits.global.unit} (Global), are far above what the benchmark sends, so every call is counted and none is refused; the benchmark fails if any call comes back RESOURCE_EXHAUSTED, if a Global-limited answer lacks \`x-ratelimit-remaining\` (the limiter fails open without it), or if a Local limit of 1 per Minute on a probe rule does not refuse its second call (proof that the binding is bound and consulted).`,
        "",
        `| rule | rps | p50 | p99 | lone p50 | workerd CPU per call | errors | RESOURCE_EXHAUSTED | runs |`,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...po.rows.filter((x) => !isJwt(x.setup)).map((x) => policyRow(x, true)),
        "",
        "Against the open rule, median over runs of each run against the open run of the same round:",
        "",
        "| limit | rps limited / open | p50 limited − open | lone p50 limited − open | CPU per call limited − open | CPU per call, relative |",
        "|---|---:|---:|---:|---:|---:|",
        ...limits.map((v) => `${vsRow(v)} ${cpuPct(v)} |`),
        "",
        `At concurrency ${po.concurrency} the wall-clock figures swing with the shared machine (the open rule's throughput alone spread ${pm(openRow.rps)} over its runs), so throughput and p50 there resolve only large differences; CPU per call (open ${pm(openRow.cpu_us_per_call)}) is what the Local target is judged on.`,
        "",
        `**One Durable Object round trip, as measured here: ${sign(globalVs.lone_p50_extra_ms)}${ms(globalVs.lone_p50_extra_ms, 2)}** (one caller at a time: median over runs of the Global rule's p50 minus the open rule's in the same round; the medians themselves are ${ms(globalRow.lone_p50_ms.median, 2)} and ${ms(openRow.lone_p50_ms.median, 2)}), and ${sign(globalVs.cpu_us_extra)}${us(globalVs.cpu_us_extra)} of workerd CPU per call.`,
        "In Miniflare the Durable Object runs in the same workerd process as the worker (its storage in memory), so this round trip never leaves the process. On Cloudflare the object lives in one location and every call from elsewhere travels there and back before it is let through: that network latency, which grows with the distance between the caller's location and the object's, comes on top and is **not** in this number. The CPU figure here also includes the object's own work, which Cloudflare bills to the Durable Object rather than to the worker.",
        "",
      );
    }
  }
  if (ob !== undefined) L.push(...observeSection(ob));
  if (re !== undefined) L.push(...relaySection(re));
  L.push(LIMITS);
  return { markdown: `${L.join("\n")}\n`, svg };
}

const observeLabel: Record<string, string> = {
  off: "off (built without the log)",
  log: "access log, no ANALYTICS",
  "log+analytics": "access log + data point (as deployed)",
};

function observeSection(ob: ObserveFigures): string[] {
  const us = (x: number) => `${x.toFixed(0)} µs`;
  const extra = (x: number) => `${sign(x)}${ms(x, 2)}`;
  const off = ob.rows.find((r) => r.setup === "off")!;
  return [
    "## 8. Access log and Analytics Engine cost",
    "",
    "Reproduce this section alone: `npm run bench -- --only observe` (merges into `bench/results.json` and rewrites this file; add `--quick` for a small run that only prints).",
    "",
    `Three workers on one single-rule table, each in its own workerd, started side by side and measured in the same run: **off** is the worker bundled with the esbuild define \`${Object.entries(
      ob.off_define,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join(
        ", ",
      )}\`, which only this benchmark sets: the response is neither watched nor logged and no data point is written (the log has no runtime switch, so a separate build is the only way to see the worker without it). **access log** is the worker as shipped, writing one JSON line per call to workerd's stdout, which the benchmark reads off the pipe and drops, as a log collector would. **access log + data point** adds Miniflare's Analytics Engine dataset bound as \`ANALYTICS\`, so each call also builds and writes its data point; Miniflare's dataset drops the point inside the isolate, while Cloudflare's ships it out of the isolate, which is not in these figures. The benchmark fails unless the logging workers printed exactly one line per call sent and the off worker none.`,
    "",
    `${num(ob.requests)} unary ${ob.protocol} calls per run at concurrency ${ob.concurrency}, each followed by ${num(ob.lone_requests)} calls one at a time; ${ob.runs} runs per setup, rotating off / log / log + data point, then backwards. CPU per call is workerd's, as in section 7, over the concurrent run.`,
    "",
    "| setup | rps | p50 | p99 | one caller: rps | one caller: p50 | workerd CPU per call | access-log lines / calls | errors | runs |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...ob.rows.map(
      (x) =>
        `| ${observeLabel[x.setup]} | ${x.rps.median.toFixed(0)} ${pm(x.rps)} | ${ms(x.p50_ms.median, 2)} | ${ms(x.p99_ms.median, 2)} | ${x.lone_rps.median.toFixed(0)} ${pm(x.lone_rps)} | ${ms(x.lone_p50_ms.median, 2)} ${pm(x.lone_p50_ms)} | ${us(x.cpu_us_per_call.median)} ${pm(x.cpu_us_per_call)} | ${num(x.log_lines)} / ${num(x.calls)} | ${x.errors} | ${x.rps.runs} |`,
    ),
    "",
    "Against off, median over rounds of each run against the off run of the same round:",
    "",
    "| setup | rps / off | p50 − off | one caller: rps / off | one caller: p50 − off | CPU per call − off | CPU per call, relative |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...ob.vs_off.map(
      (v) =>
        `| ${observeLabel[v.setup]} | ${v.rps_ratio.toFixed(3)} | ${extra(v.p50_extra_ms)} | ${v.lone_rps_ratio.toFixed(3)} | ${extra(v.lone_p50_extra_ms)} | ${sign(v.cpu_us_extra)}${us(v.cpu_us_extra)} | ${sign(v.cpu_us_extra)}${((100 * v.cpu_us_extra) / off.cpu_us_per_call.median).toFixed(1)}% |`,
    ),
    "",
    `CPU resolution: ${ob.clk_tck} ticks per second, ${us(1e6 / ob.clk_tck / ob.requests)} per call over one run. At concurrency ${ob.concurrency} the wall-clock figures swing with the shared machine (off's throughput spread ${pm(off.rps)} over its runs); the differences between rounds are what the verdicts read, and they ask the CPU figure to agree.`,
    "",
  ];
}

const relayLabel: Record<string, string> = {
  "grpc-web": "gRPC-web unary, 1 KiB",
  connect: "Connect unary, 1 KiB, identity",
  "connect-gzip-br": "Connect unary, 1 KiB, `accept-encoding: gzip, deflate, br`",
  "grpc-web-text": "gRPC-web text unary, 1 KiB (baselines: binary gRPC-web)",
  "upload-256k": "gRPC-web upload, 256 KiB request",
  "stream-grpc-web": "gRPC-web server stream, 64 KiB messages",
  "stream-connect": "Connect server stream, 64 KiB messages",
};

function relayRatio(re: RelayFigures, w: string, baseline = "passthrough", runtime = "Miniflare", setup = "ours") {
  return re.ratios.find((r) => r.runtime === runtime && r.workload === w && r.setup === setup && r.baseline === baseline);
}

const times = (x: number) => `${x.toFixed(2)}×`;

function relayTargets(re: RelayFigures): string[] {
  const r = (w: string, b = "passthrough") => relayRatio(re, w, b)!;
  // Without Miniflare's entry worker in the process: the ratios the workers themselves make.
  const bare = (ws: [label: string, workload: string][], f: (x: RelayFigures["ratios"][number]) => number) => {
    const xs = ws.map(([label, w]) => [label, relayRatio(re, w, "passthrough", "workerd")] as const);
    if (xs.some(([, x]) => x === undefined)) return "";
    return `; under workerd alone ${xs.map(([label, x]) => `${label}${times(f(x!))}`).join(", ")}`;
  };
  const bothStreams: [string, string][] = [
    ["gRPC-web ", "stream-grpc-web"],
    ["Connect ", "stream-connect"],
  ];
  const gw = r("grpc-web").cpu_ratio;
  const connect = [r("connect").cpu_ratio, r("connect-gzip-br").cpu_ratio];
  const streams = [r("stream-grpc-web"), r("stream-connect")];
  const upload = re.rows.find((x) => x.runtime === "Miniflare" && x.workload === "upload-256k" && x.setup === "ours")!;
  const uploadPass = re.rows.find((x) => x.runtime === "Miniflare" && x.workload === "upload-256k" && x.setup === "passthrough")!;
  const perMib = (x: number) => x / 1000 / (re.upload_bytes / 1048576);
  const conns = re.connections.filter((c) => c.setup === "ours");
  const per = (c: RelayFigures["connections"][number]) => Math.max(c.opened, c.used);
  const lat = re.latency_slowdown_vs.find((x) => x.baseline === "passthrough")!;
  const slow = (s: string) => re.latency.find((x) => x.setup === s)!;
  return [
    `| gRPC-web unary: workerd CPU per call ≤ 1.8× pass-through (stretch ≤ 1.5×) | ${times(gw)} (native pipe: ${times(r("grpc-web", "native-pipe").cpu_ratio)}${bare([["", "grpc-web"]], (x) => x.cpu_ratio)}) | ${ok(gw <= 1.8)}${gw <= 1.8 ? (gw <= 1.5 ? ", stretch met" : ", stretch missed") : ""} |`,
    `| Connect unary: workerd CPU per call ≤ 1.6× pass-through | identity ${times(connect[0]!)}, gzip/br asked ${times(connect[1]!)}${bare(
      [
        ["identity ", "connect"],
        ["gzip/br asked ", "connect-gzip-br"],
      ],
      (x) => x.cpu_ratio,
    )} | ${ok(Math.max(...connect) <= 1.6)} |`,
    `| server streams: workerd CPU per MiB ≤ 0.6× pass-through | gRPC-web ${times(streams[0]!.cpu_ratio)}, Connect ${times(streams[1]!.cpu_ratio)}${bare(bothStreams, (x) => x.cpu_ratio)} | ${ok(streams.every((x) => x.cpu_ratio <= 0.6))} |`,
    `| server streams: throughput ≥ 1.3× pass-through | gRPC-web ${times(streams[0]!.rate_ratio)}, Connect ${times(streams[1]!.rate_ratio)}${bare(bothStreams, (x) => x.rate_ratio)} | ${ok(streams.every((x) => x.rate_ratio >= 1.3))} |`,
    `| 256 KiB upload: ≤ 4 ms workerd CPU per MiB | ${perMib(upload.cpu.median).toFixed(1)} ms (pass-through ${perMib(uploadPass.cpu.median).toFixed(1)} ms) | ${ok(perMib(upload.cpu.median) <= 4)} |`,
    `| origin connections ≤ 2× concurrent callers | ${conns.map((c) => `${c.protocol} ${num(per(c))} for ${num(c.calls)} calls at ${c.concurrency}`).join(", ")} | ${ok(conns.every((c) => per(c) <= 2 * c.concurrency))} |`,
    `| unary p50 beside a fast stream: slowdown ≤ 1.5× pass-through's | ${times(lat.p50)} (ours ${times(slow("ours").slowdown_p50)}, pass-through ${times(slow("passthrough").slowdown_p50)}) | ${ok(lat.p50 <= 1.5)} |`,
  ];
}

function relaySection(re: RelayFigures): string[] {
  const setupsShown = ["ours", "passthrough", "native-pipe"] as const;
  const cpu = (x: RelayFigures["rows"][number] | undefined) =>
    x === undefined ? "–" : x.unit === "MiB" ? `${x.cpu.median.toFixed(2)} ms ${pm(x.cpu)}` : `${x.cpu.median.toFixed(0)} µs ${pm(x.cpu)}`;
  const rate = (x: RelayFigures["rows"][number] | undefined) =>
    x === undefined ? "–" : x.unit === "MiB" ? `${x.rate.median.toFixed(0)} MiB/s` : `${x.rate.median.toFixed(0)} rps`;
  const workloads = [...new Set(re.rows.map((x) => x.workload))];
  const minCpuS = Math.min(...re.rows.map((x) => x.cpu_seconds.min));
  const pass = re.latency.find((x) => x.setup === "passthrough")!;
  const native = re.latency_slowdown_vs.find((x) => x.baseline === "native-pipe")!;
  const vsPass = re.latency_slowdown_vs.find((x) => x.baseline === "passthrough")!;
  const direct = re.runtimes.includes("workerd");
  const table = (runtime: string) => [
    "| workload | workerd CPU: ours | pass-through | native pipe | ours / pass-through | ours / native pipe | rate: ours | pass-through | native pipe | rate ours / pass-through |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...workloads.map((w) => {
      const rs = setupsShown.map((s) => re.rows.find((x) => x.runtime === runtime && x.workload === w && x.setup === s));
      const rp = relayRatio(re, w, "passthrough", runtime)!;
      const rn = relayRatio(re, w, "native-pipe", runtime)!;
      const unit = rs[0]!.unit === "MiB" ? " per MiB" : " per call";
      return `| ${relayLabel[w] ?? w}${unit} | ${rs.map(cpu).join(" | ")} | ${times(rp.cpu_ratio)} | ${times(rn.cpu_ratio)} | ${rs.map(rate).join(" | ")} | ${times(rp.rate_ratio)} |`;
    }),
  ];
  const between = (runtime: string) =>
    workloads
      .filter((w) => w !== "grpc-web-text")
      .map((w) => {
        const x = relayRatio(re, w, "passthrough", runtime, "native-pipe")!;
        return `${times(x.cpu_ratio)} | ${times(x.rate_ratio)}`;
      });
  const bw = workloads.filter((w) => w !== "grpc-web-text");
  const mf = between("Miniflare");
  const wd = direct ? between("workerd") : [];
  return [
    "## 9. Relay cost (workerd CPU)",
    "",
    "Reproduce this section alone: `npm run bench -- --only relay` (merges into `bench/results.json` and rewrites this file; add `--quick` for a small run that only prints).",
    "",
    `Three workers side by side, each in its own workerd started through Miniflare as \`grpcroute-edge dev\` starts ours, against one connect-node origin in its own process (\`bench/stream-origin.ts\`, which answers Echo and Count): **ours** on a one-rule table routing DemoService to it; **pass-through** (\`bench/passthrough-worker.ts\`), \`fetch()\` of the origin returned as is; **native pipe** (\`bench/native-pipe-worker.ts\`), the origin's body piped by \`pipeTo\` through an \`IdentityTransformStream\`, which workerd runs natively without JavaScript per chunk: the cheapest way for a worker to hold the response stream in its own hands, and so the ceiling for a relay. CPU is workerd's user + system time (\`/proc/<pid>/stat\`, as in section 7) over a run, per call or per MiB. Under Miniflare that process also runs Miniflare's entry worker in front of the worker, which every setup pays alike and which dilutes the ratios; ${direct ? "so the same three bundles also run under `workerd serve` itself (`bench/workerd-direct.ts`: one module, its bindings, a loopback socket), rotating with the Miniflare runs, where the process holds only the worker and its two HTTP legs (second table)" : "the same setups under a bare `workerd serve` were not measured in this run"}. Targets are judged on the Miniflare figures, as \`grpcroute-edge dev\` runs the worker.`,
    "",
    `Per run: ${num(re.unary_calls)} unary calls at concurrency ${re.concurrency} per unary workload, ${num(re.upload_calls)} uploads of ${kib(re.upload_bytes)} at the same concurrency, ${num(re.stream_mib)} MiB per stream workload read by one client (at most 256 MiB per call); ${re.runs} runs, rotating the setups and alternating their order; ratios are medians over runs of each run against the baseline's run of the same round. Every answer is decoded and checked (the echoed message's length, a \`grpc-status: 0\` trailer, a Connect end-of-stream frame without error, every stream message), so a relay that breaks calls fails the benchmark. CPU resolution: ${re.clk_tck} ticks per second; the shortest run spanned ${minCpuS.toFixed(2)} s of workerd CPU.${re.load_average === undefined ? "" : ` Load average (1 minute) ${re.load_average[0].toFixed(1)} when the benchmark started and ${re.load_average[1].toFixed(1)} when it ended: other work shared the machine.`}`,
    "",
    "Miniflare (as `grpcroute-edge dev`):",
    "",
    ...table("Miniflare"),
    "",
    ...(direct ? ["`workerd serve`, no Miniflare:", "", ...table("workerd"), ""] : []),
    "The baselines hand gRPC-web text to the origin as is, and connect-node refuses it, so the text row's baselines are their binary gRPC-web figures: what the same call costs a worker that need not translate.",
    "",
    "Between the baselines (median of per-round ratios):",
    "",
    direct
      ? "| workload | native pipe / pass-through: CPU, Miniflare | rate, Miniflare | CPU, workerd | rate, workerd |"
      : "| workload | native pipe / pass-through: CPU | rate |",
    direct ? "|---|---:|---:|---:|---:|" : "|---|---:|---:|",
    ...bw.map((w, i) => `| ${relayLabel[w] ?? w} | ${mf[i]}${direct ? ` | ${wd[i]}` : ""} |`),
    "",
    "### 9.1 Origin connections per caller",
    "",
    "The origin counts the TCP connections it accepts and, separately, the distinct connections that carried a request during the calls; measured once, after the runs above, so the workers' pools are as warm as a long-running worker's.",
    "",
    "| protocol | setup | calls | concurrency | connections opened | distinct connections used | per caller |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...re.connections.map(
      (c) =>
        `| ${c.protocol} | ${c.setup} | ${num(c.calls)} | ${c.concurrency} | ${num(c.opened)} | ${num(c.used)} | ${(Math.max(c.opened, c.used) / c.concurrency).toFixed(1)} |`,
    ),
    "",
    "### 9.2 Unary latency beside a fast stream",
    "",
    "Lone gRPC-web unary calls (concurrency 1), first with nothing else running, then while one client in a process of its own drains 64 MiB Count streams through the same worker back to back; slowdown is p50 (p99) beside the stream over p50 (p99) alone, in the same run. `direct` sends the same calls and the same stream straight to the origin: the part of the slowdown that the origin (one Node process serving both) and the machine cause, whatever the worker.",
    "",
    "| setup | alone p50 | alone p99 | beside the stream p50 | p99 | slowdown p50 | slowdown p99 | the stream's rate |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...re.latency.map(
      (x) =>
        `| ${x.setup} | ${ms(x.alone_p50_ms.median, 2)} | ${ms(x.alone_p99_ms.median, 2)} | ${ms(x.beside_stream_p50_ms.median, 2)} ${pm(x.beside_stream_p50_ms)} | ${ms(x.beside_stream_p99_ms.median, 2)} | ${times(x.slowdown_p50)} | ${times(x.slowdown_p99)} | ${x.stream_mib_per_s.median.toFixed(0)} MiB/s |`,
    ),
    "",
    `Ours' slowdown over pass-through's: p50 ${times(vsPass.p50)}, p99 ${times(vsPass.p99)}; over the native pipe's: p50 ${times(native.p50)}, p99 ${times(native.p99)}. A setup whose stream runs slower also leaves more room to the unary calls (pass-through's stream ran at ${pass.stream_mib_per_s.median.toFixed(0)} MiB/s), so read the slowdown next to the stream's rate.`,
    "",
    "### 9.3 Matcher against the two-`Map.get` floor",
    "",
    "In Node, in the same run: our matcher on host + exact service/method hits (the inputs of section 1) against two `Map.get` on the same fresh sliced strings, the host into a Map of every request host of the set and the path into that host's Map of its paths: what any exact hit must pay.",
    "",
    "| rules | ours, exact hit p50 | two `Map.get` p50 | ours / floor | runs |",
    "|---:|---:|---:|---:|---:|",
    ...re.match.map(
      (m) =>
        `| ${num(m.rules)} | ${m.exact_ns.median.toFixed(0)} ns ${pm(m.exact_ns)} | ${m.floor_ns.median.toFixed(0)} ns ${pm(m.floor_ns)} | ${times(m.ratio)} | ${m.exact_ns.runs} |`,
    ),
    "",
  ];
}

const isJwt = (s: string) => s.startsWith("jwt-");

function policyLabel(s: string): string {
  if (s === "open") return "open (no policy)";
  if (s === "limit-local") return "Local limit";
  if (s === "limit-global") return "Global limit";
  return `JWT, ${s === "jwt-rs256" ? "RS256" : "ES256"}`;
}

function policyRow(x: PolicyFigures["rows"][number], withLimited = false): string {
  const us = (v: number) => `${v.toFixed(0)} µs`;
  const limited = withLimited ? ` ${x.limited} |` : "";
  return `| ${policyLabel(x.setup)} | ${x.rps.median.toFixed(0)} ${pm(x.rps)} | ${ms(x.p50_ms.median, 2)} | ${ms(x.p99_ms.median, 2)} | ${ms(x.lone_p50_ms.median, 2)} ${pm(x.lone_p50_ms)} | ${us(x.cpu_us_per_call.median)} ${pm(x.cpu_us_per_call)} | ${x.errors} |${limited} ${x.rps.runs} |`;
}

function vsRow(v: PolicyFigures["vs_open"][number]): string {
  const label = isJwt(v.setup) ? (v.setup === "jwt-rs256" ? "RS256" : "ES256") : policyLabel(v.setup);
  return `| ${label} | ${v.rps_ratio.toFixed(2)} | ${sign(v.p50_extra_ms)}${ms(v.p50_extra_ms, 2)} | ${sign(v.lone_p50_extra_ms)}${ms(v.lone_p50_extra_ms, 2)} | ${sign(v.cpu_us_extra)}${v.cpu_us_extra.toFixed(0)} µs |`;
}

function passP50(p: ProxyFigures, protocol: string): number {
  return p.rows.find((r) => r.protocol === protocol && r.setup === "passthrough")!.p50_ms.median;
}

/** What limits the figures that miss their targets, from profiles and prototypes. */
const LIMITS = `## What limits the missed targets, and what was done

- **Figures move with the machine.** These machines are shared, and single figures swing between runs of the same
  code: two full runs minutes apart measured mix growth from 1,000 to 50,000 rules of 1.68× and 4.14× (the 50,000-rule
  mix had a spread of ±57% in the second), and streaming at 18% and 53% of direct, with direct itself at 1,002 and
  378 MiB/s; one commit measured 477 ns and 1,173 ns for the 10,000-rule mix a few minutes apart. The ratios against
  the linear scan and Hono's RegExpRouter, measured in the same run, are what holds. For the same reason the exact hit
  is no longer judged against a fixed 200 ns but against two \`Map.get\` (host, then path) timed beside it in the same
  run (section 9.3), the least any exact hit pays. Fresh host and path strings per call (see Method) cost both sides alike.
- **Growth from 1,000 to 50,000 rules.** An exact hit grows about 1.6× (one Map lookup for the host, one for the path,
  both larger and colder in cache). The mix grows more because its regex and header candidates live in lists whose
  length grows with the rule count within a host; regex candidates are bucketed by literal prefix at load
  (\`src/runtime/regex-prefix.ts\`), which took misses from ~2 µs to under 1 µs at 10,000 rules, but header-only and
  method-only candidates are still walked in rank order.
- **Cold start** now meets its target. The table used to be bundled as a JavaScript object literal, which V8
  evaluates many times slower than \`JSON.parse\` of the same text; it now ships as a Text module
  (\`.generated/routes.json.txt\`) parsed once at startup, in a compact wire format (candidates and rules as arrays,
  identical backend rows stored once: a 10,000-rule table went from 3.7 MiB to about 1 MiB), and scopes become Maps
  on first use.
- **Proxy overhead.** The pass-through worker hands workerd's native streams straight to \`fetch\` and back. Ours does
  what an edge router must and a pass-through does not (protocol detection, routing, header filters, CORS, deadline,
  retry bookkeeping, the access log). Switching parts of the worker off in turn under \`workerd serve\` put the
  extra CPU of a 1 KiB gRPC-web call in three similar shares of roughly 150 to 200 µs each: everything before the
  origin is called (detection, matching, trace ids, the log line), the call itself (the small body read whole and
  checked, the origin's headers built, deadline, abort and idle timers), and the relay. The relay's share was cut by
  answering a whole small answer as one buffer (it waits up to 2 ms for a status written apart from its message,
  about 100 µs less per call than starting a stream) and by reading it with workerd's default reader (BYOB buffers
  are allocated per read). What is left is spread thin: Headers copies and deletes (each one a crossing into
  workerd), the URL and header passes, timers. Building the origin's headers in one pass over the client's is the
  next step.
- **JWT policy.** Measured on the same shared machine with a load average of 4 to 9 on its 2 cores, the wall-clock
  figures cannot resolve 0.3 ms or 10%: the open rule's p50 at concurrency 16 moved between 48 and 95 ms from one
  run to the next, lone-caller p50s spread ±20 to ±60% within a run, and the JWT rules came out *faster* than the
  open one in several runs. The CPU figure is steadier but not still: three runs measured RS256 at +273, +167 and
  +187 µs of workerd CPU per call and ES256 at +267, +107 and +327 µs, against 1.6 to 2.0 ms for the whole proxied
  call. That is 5 to 15% more CPU per call, on the line for both targets; the verdicts above want the CPU and the
  wall-clock figure to agree. ES256 measured +1.2 ms on the lone caller's p50 in two runs out of two, RS256 did not;
  neither has been profiled yet, and RS256 and ES256 costing about the same CPU suggests the work around the
  signature check (token decoding, claim checks, header handling) weighs as much as the signature itself.
- **Access log.** Building the record, \`JSON.stringify\` and the data point take about 4 µs per call (V8 in Node,
  200,000 records). The log no longer reads the body through a stream of its own: the relay reports what the client
  was sent (bytes, messages, status) when it ends, so a relayed call pays only for the line itself
  (\`src/protocol/framed-relay.ts\`); section 8 has not been measured again since.
- **Streaming.** Returning \`fetch()\` as is, the pass-through, is not the ceiling: piping the origin's body natively
  through an \`IdentityTransformStream\` (\`pipeTo\`, no JavaScript per chunk) costs workerd less CPU per MiB, and
  our relay does that past the first 64 KiB of a response, so a stream costs about the native pipe's CPU per MiB
  and runs faster than the pass-through (section 9). The first 64 KiB are relayed envelope by envelope, so a break
  there still ends with a status (docs/edge.md, "Relaying responses").
- **Relay cost** (section 9) is read in workerd CPU, which queueing on the shared machine blurs less, but single runs
  still move by ±20%: the same build measured 1,900 and 3,040 µs per 256 KiB upload under \`workerd serve\` in two
  runs an hour apart, and 1,960 against 2,040 µs when timed side by side with the build before it. Streams now meet
  their targets; unary calls cost about 1.5 to 2× pass-through's CPU under Miniflare (whose entry worker adds some
  350 µs per call to every setup) and 2 to 3× under workerd alone, for the reasons under "Proxy overhead". An upload
  costs about twice pass-through's: its request body (over 64 KiB) is read in JavaScript to check every envelope
  against \`MAX_MESSAGE_BYTES\` and keep the first 64 KiB, while the baselines hand it to \`fetch\` untouched; the
  4 ms per MiB target is below what the pass-through itself costs here (about 4 to 7 ms per MiB). Origin connections
  are now one per concurrent caller for both protocols: the relay reads an origin's body to its end.
`;

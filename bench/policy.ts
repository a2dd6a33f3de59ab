import { compile, loadSources } from "../src/compiler/index.ts";
import { startWorker, type RunningWorker } from "../src/cli/workerd.ts";
import { startTokenIssuer, type TokenIssuer } from "../demo/token-issuer.ts";
import { runLoad, type LoadResult, type LoadSpec } from "./load.ts";
import { median, summarize, type Summary } from "./measure.ts";
import { DEMO_SERVICE, echoSpec, spawnOrigin } from "./proxy.ts";
import { clockTicks, cpuTicks, startWithPid } from "./workerd-cpu.ts";

/**
 * Policy cost: the same unary gRPC-web Echo call (1 KiB) through one worker and one table,
 * on a rule without a policy (`x-route: open`) and on a rule whose SecurityPolicy demands a
 * JWT from a real JWKS server in this process (`x-route: jwt`), with an RS256 and an ES256
 * token each signed once up front, as a client reuses its token. Figures: p50, p99 and
 * throughput at a fixed concurrency, and workerd's CPU time per call, which is what
 * Cloudflare bills and what queueing on a busy machine does not blur. At that concurrency
 * workerd is saturated and p50 is mostly queueing (every extra microsecond of CPU shows up
 * once per call ahead in line), so a lone caller's p50 is measured as well: that is the
 * latency one client sees added.
 *
 * Rate limits ride in the same rotation: a rule under a BackendTrafficPolicy `type: Local`
 * limit (the Workers rate-limiting binding, which Miniflare emulates) and one under a
 * `type: Global` limit (a Durable Object round trip per call; Miniflare runs the object in
 * the same workerd process, so no network is in that figure). Both limits sit far above what
 * the run sends, so every call is counted and none is refused: a refused call would skip the
 * origin and measure as a cheap one.
 */
export type PolicySetup = "open" | "jwt-rs256" | "jwt-es256" | "limit-local" | "limit-global";
const setups: PolicySetup[] = ["open", "jwt-rs256", "jwt-es256", "limit-local", "limit-global"];

/** The rule each setup's calls select with `x-route`. */
const routeOf: Record<PolicySetup, string> = {
  open: "open",
  "jwt-rs256": "jwt",
  "jwt-es256": "jwt",
  "limit-local": "local",
  "limit-global": "global",
};

/** Far above any run's calls (warm-up and every run of every pass included), so none is refused. */
export const BENCH_LIMITS = {
  local: { requests: 1_000_000, unit: "Minute" },
  global: { requests: 100_000_000, unit: "Hour" },
} as const;

export interface PolicyRow {
  setup: PolicySetup;
  rps: Summary;
  p50_ms: Summary;
  p99_ms: Summary;
  /** p50 of calls made one at a time. */
  lone_p50_ms: Summary;
  /** workerd user + system CPU time over a run, divided by the calls of that run. */
  cpu_us_per_call: Summary;
  errors: number;
  /** Calls answered RESOURCE_EXHAUSTED; the benchmark fails unless 0. */
  limited: number;
}

export interface PolicyVsOpen {
  setup: PolicySetup;
  /** Medians over runs of the per-run figure against the open run of the same round. */
  rps_ratio: number;
  p50_extra_ms: number;
  lone_p50_extra_ms: number;
  cpu_us_extra: number;
}

export interface PolicyFigures {
  protocol: "grpc-web";
  concurrency: number;
  requests: number;
  /** Calls per lone-caller run. */
  lone_requests: number;
  runs: number;
  /** /proc stat ticks per second: the resolution of the CPU figure. */
  clk_tck: number;
  /** JWKS fetches over the whole benchmark: 1 means every timed call used the cached set. */
  jwks_fetches: number;
  /** The limits on the `limit-local` and `limit-global` rules. */
  limits?: typeof BENCH_LIMITS;
  rows: PolicyRow[];
  vs_open: PolicyVsOpen[];
}

const audience = "bench.example.com";

function manifests(issuer: TokenIssuer, origin: string): string {
  const rule = (name: string) =>
    `  - name: ${name}\n    matches: [{method: {service: ${DEMO_SERVICE}}, headers: [{name: x-route, value: ${name}}]}]\n    backendRefs: [{name: bench-origin, port: 80}]`;
  return [
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: grpcroute-edge
  listeners: [{name: http, port: 80, protocol: HTTP}]`,
    `apiVersion: v1
kind: Service
metadata: {name: bench-origin, annotations: {grpcroute-edge.dev/origin: "${origin}"}}
spec: {type: ClusterIP, ports: [{port: 80}]}`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: bench}
spec:
  parentRefs: [{name: edge}]
  rules:
${rule("open")}
${rule("jwt")}
${rule("local")}
${rule("global")}
${rule("local-probe")}`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: bench-jwt}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: bench, sectionName: jwt}]
  jwt:
    providers:
    - name: bench
      issuer: ${issuer.url}
      audiences: [${audience}]
      remoteJWKS: {uri: ${issuer.jwksUri}}`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: bench-global}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: bench, sectionName: global}]
  rateLimit:
    global:
      rules:
      - limit: {requests: ${BENCH_LIMITS.global.requests}, unit: ${BENCH_LIMITS.global.unit}}`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: bench-local}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: bench, sectionName: local}]
  rateLimit:
    local:
      rules:
      - limit: {requests: ${BENCH_LIMITS.local.requests}, unit: ${BENCH_LIMITS.local.unit}}`,
    // Local limits send no headers and a missing binding fails open, so only a limit that
    // does refuse shows the binding is there and consulted.
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: bench-local-probe}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: bench, sectionName: local-probe}]
  rateLimit:
    local:
      rules:
      - limit: {requests: 1, unit: Minute}`,
  ].join("\n---\n");
}

const RESOURCE_EXHAUSTED = "8";

/** A load spec that also counts refused calls into `tally.limited`. */
function spec(
  url: string,
  setup: PolicySetup,
  tokens: Record<string, string>,
  requests: number,
  concurrency: number,
  tally: { limited: number } = { limited: 0 },
): LoadSpec {
  const s = echoSpec(url, "grpc-web", requests, concurrency);
  const headers: Record<string, string> = { ...s.headers, "x-route": routeOf[setup] };
  if (setup === "jwt-rs256" || setup === "jwt-es256") headers.authorization = `Bearer ${tokens[setup]}`;
  return {
    ...s,
    headers,
    check(status, h, body) {
      if (h["grpc-status"] === RESOURCE_EXHAUSTED) tally.limited++;
      s.check(status, h, body);
      // A Global limiter that failed open (and so counted nothing) sends none of these.
      if (setup === "limit-global" && h["x-ratelimit-remaining"] === undefined)
        throw new Error("a call on the Global-limited rule came back without x-ratelimit-remaining: not counted");
    },
  };
}

/** Fails the benchmark when any call was refused: it would not have measured the limited path's full cost. */
function assertNoneLimited(setup: PolicySetup, tally: { limited: number }): void {
  if (tally.limited > 0) throw new Error(`policy ${setup}: ${tally.limited} call(s) came back RESOURCE_EXHAUSTED`);
}

export async function measurePolicy(opts: {
  requests: number;
  loneRequests: number;
  runs: number;
  concurrency: number;
}): Promise<PolicyFigures> {
  const [origin, issuer] = await Promise.all([spawnOrigin("unary"), startTokenIssuer()]);
  let worker: RunningWorker | undefined;
  const results = new Map<PolicySetup, { load: LoadResult; lone: LoadResult; cpuUs: number }[]>(setups.map((s) => [s, []]));
  const tallies = new Map<PolicySetup, { limited: number }>(setups.map((s) => [s, { limited: 0 }]));
  const clk = clockTicks();
  try {
    const loaded = loadSources([{ file: "policy.yaml", text: manifests(issuer, origin.url) }]);
    const compiled = compile(loaded.resources);
    const errors = [...loaded.diagnostics, ...compiled.diagnostics].filter((d) => d.severity === "error");
    if (errors.length > 0) throw new Error(`policy manifests: ${errors.map((e) => e.message).join("; ")}`);
    const started = await startWithPid(() => startWorker(compiled.table));
    worker = started.worker;
    const tokens = {
      "jwt-rs256": await issuer.sign({ sub: "bench", aud: audience }, { alg: "RS256" }),
      "jwt-es256": await issuer.sign({ sub: "bench", aud: audience }, { alg: "ES256" }),
    };
    // Without this a rule that let every call through would measure as a free policy.
    const bare = spec(worker.url, "open", tokens, 1, 1);
    bare.headers["x-route"] = "jwt";
    if ((await runLoad(bare)).errors !== 1) throw new Error("the jwt rule answered a call without a token");
    const probe = { limited: 0 };
    const probeSpec = spec(worker.url, "open", tokens, 2, 1, probe);
    probeSpec.headers["x-route"] = "local-probe";
    await runLoad(probeSpec);
    if (probe.limited !== 1)
      throw new Error(`the Local limit of 1 refused ${probe.limited} of 2 calls: is the rate-limiting binding bound?`);
    // Warm-up fills the JWKS cache (and the imported keys) so the timed runs see only verification.
    for (const s of setups) {
      const warm = await runLoad(spec(worker.url, s, tokens, Math.min(300, opts.requests), opts.concurrency, tallies.get(s)));
      assertNoneLimited(s, tallies.get(s)!);
      if (warm.errors > 0) throw new Error(`policy ${s}: ${warm.firstError}`);
    }
    for (let run = 0; run < opts.runs; run++) {
      // ABCDE EDCBA ...: no setup always first or last while the machine drifts.
      for (const s of run % 2 === 0 ? setups : [...setups].reverse()) {
        const tally = tallies.get(s)!;
        const t0 = cpuTicks(started.pid);
        const load = await runLoad(spec(worker.url, s, tokens, opts.requests, opts.concurrency, tally));
        const ticks = cpuTicks(started.pid) - t0;
        const lone = await runLoad(spec(worker.url, s, tokens, opts.loneRequests, 1, tally));
        assertNoneLimited(s, tally);
        for (const r of [load, lone]) if (r.errors > 0) throw new Error(`policy ${s}: ${r.firstError}`);
        results.get(s)!.push({ load, lone, cpuUs: (ticks * 1e6) / clk / load.requests });
      }
    }
  } finally {
    await worker?.dispose();
    origin.stop();
    await issuer.close();
  }
  const rows: PolicyRow[] = setups.map((setup) => {
    const rs = results.get(setup)!;
    return {
      setup,
      rps: summarize(rs.map((r) => r.load.rps)),
      p50_ms: summarize(rs.map((r) => r.load.p50_ms)),
      p99_ms: summarize(rs.map((r) => r.load.p99_ms)),
      lone_p50_ms: summarize(rs.map((r) => r.lone.p50_ms)),
      cpu_us_per_call: summarize(rs.map((r) => r.cpuUs)),
      errors: rs.reduce((a, r) => a + r.load.errors, 0),
      limited: tallies.get(setup)!.limited,
    };
  });
  const open = results.get("open")!;
  const vs_open = setups
    .filter((s) => s !== "open")
    .map((setup) => {
      const rs = results.get(setup)!;
      return {
        setup,
        rps_ratio: median(rs.map((r, i) => r.load.rps / open[i]!.load.rps)),
        p50_extra_ms: median(rs.map((r, i) => r.load.p50_ms - open[i]!.load.p50_ms)),
        lone_p50_extra_ms: median(rs.map((r, i) => r.lone.p50_ms - open[i]!.lone.p50_ms)),
        cpu_us_extra: median(rs.map((r, i) => r.cpuUs - open[i]!.cpuUs)),
      };
    });
  return {
    protocol: "grpc-web",
    concurrency: opts.concurrency,
    requests: opts.requests,
    lone_requests: opts.loneRequests,
    runs: opts.runs,
    clk_tck: clk,
    jwks_fetches: issuer.jwksRequests(),
    limits: BENCH_LIMITS,
    rows,
    vs_open,
  };
}

export async function main(): Promise<number> {
  console.log(JSON.stringify(await measurePolicy({ requests: 1000, loneRequests: 200, runs: 3, concurrency: 16 }), null, 1));
  return 0;
}

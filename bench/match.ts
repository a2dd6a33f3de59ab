import { RegExpRouter } from "hono/router/reg-exp-router";
import { compile } from "../src/compiler/compile.ts";
import { loadSources } from "../src/compiler/load.ts";
import { createMatcher } from "../src/runtime/matcher.ts";
import type { RouteRequest } from "../src/runtime/types.ts";
import { createLinearMatcher } from "../test/reference/linear-matcher.ts";
import { generate, prng, type BenchRequest } from "./generate.ts";
import { median, timeNs, type Timing } from "./measure.ts";

/**
 * Matching cost of the compiled table against baselines measured in the same run:
 * a linear scan in precedence order, and Hono's RegExpRouter on the path-only subset.
 * `node scripts/run-ts.js bench/match.ts [--sizes 10,1000,10000] [--runs 3]`
 */
export interface MatchFigures {
  rules: number;
  exact: Timing;
  mix: Timing;
  miss: Timing;
  linearMix: Timing;
  honoPaths: Timing;
  oursPaths: Timing;
}

function toRouteRequest(r: BenchRequest): RouteRequest {
  return { host: r.host, path: r.path, header: (n) => r.headers[n] ?? null };
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function measureMatch(rules: number, ms: number): MatchFigures {
  const s = generate(rules);
  const loaded = loadSources([{ file: "bench.yaml", text: s.yaml }]);
  const matcher = createMatcher(compile(loaded.resources).table);
  const linear = createLinearMatcher(loaded.resources);
  const exact = shuffled(s.exactHits, 2).slice(0, 4096).map(toRouteRequest);
  const mixRaw = shuffled(s.mixHits, 3).slice(0, 4096);
  const mix = mixRaw.map(toRouteRequest);
  const miss = s.misses.map(toRouteRequest);
  for (const r of mixRaw.slice(0, 200)) {
    const ours = matcher.match(toRouteRequest(r)).rule >= 0;
    if (!ours || linear(r) === null) throw new Error(`bench input ${r.path} on ${r.host} does not match`);
  }
  const hono = new RegExpRouter<number>();
  s.paths.forEach((p, i) => hono.add("POST", p, i));
  const paths = shuffled(s.paths, 4).slice(0, 4096);
  // Path-only subset for our matcher too: one hostless listener with the same paths.
  const pathOnly = createMatcher(
    compile(loadSources([{ file: "paths.yaml", text: pathOnlyYaml(s.paths) }]).resources).table,
  );
  const pathReqs = paths.map((p) => ({ host: "h", path: p, header: () => null }));
  return {
    rules,
    exact: timeNs(exact, (r) => matcher.match(r).rule >= 0, { ms }),
    mix: timeNs(mix, (r) => matcher.match(r).rule >= 0, { ms }),
    miss: timeNs(miss, (r) => matcher.match(r).rule < 0, { ms }),
    linearMix: timeNs(mixRaw.slice(0, rules >= 10000 ? 256 : 4096), (r) => linear(r) !== null, { ms, batch: rules >= 10000 ? 1 : 16 }),
    honoPaths: timeNs(paths, (p) => hono.match("POST", p)[0].length > 0, { ms }),
    oursPaths: timeNs(pathReqs, (r) => pathOnly.match(r).rule >= 0, { ms }),
  };
}

function pathOnlyYaml(paths: readonly string[]): string {
  const docs = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: p}
spec: {gatewayClassName: edge, listeners: [{name: http, port: 80, protocol: HTTP}]}`,
  ];
  for (let r = 0; r * 16 < paths.length; r++) {
    const rules = paths.slice(r * 16, r * 16 + 16).map((p) => {
      const [, svc, method] = p.split("/");
      return `  - matches: [{method: {service: ${svc}, method: ${method}}}]\n    backendRefs: [{name: b, port: 80}]`;
    });
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: p${r}}
spec:
  parentRefs: [{name: p}]
  rules:
${rules.join("\n")}`);
  }
  return docs.join("\n---\n");
}

export async function main(argv: string[]): Promise<number> {
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? def : argv[i + 1]!;
  };
  const sizes = arg("--sizes", "10,1000,10000").split(",").map(Number);
  const runs = Number(arg("--runs", "3"));
  const ms = Number(arg("--ms", "300"));
  const rows: MatchFigures[] = [];
  for (const n of sizes) {
    const all = Array.from({ length: runs }, () => measureMatch(n, ms));
    const pick = (f: (m: MatchFigures) => number) => median(all.map(f));
    const row = {
      rules: n,
      exact_p50: pick((m) => m.exact.p50),
      exact_p99: pick((m) => m.exact.p99),
      mix_p50: pick((m) => m.mix.p50),
      mix_p99: pick((m) => m.mix.p99),
      miss_p50: pick((m) => m.miss.p50),
      linear_mix_p50: pick((m) => m.linearMix.p50),
      hono_paths_p50: pick((m) => m.honoPaths.p50),
      ours_paths_p50: pick((m) => m.oursPaths.p50),
      spread: pick((m) => m.mix.spread),
    };
    rows.push(all[0]!);
    console.log(
      `${String(n).padStart(6)} rules: exact ${row.exact_p50.toFixed(0)} ns (p99 ${row.exact_p99.toFixed(0)}), ` +
        `mix ${row.mix_p50.toFixed(0)} ns (p99 ${row.mix_p99.toFixed(0)}), miss ${row.miss_p50.toFixed(0)} ns, ` +
        `linear ${row.linear_mix_p50.toFixed(0)} ns → ${(row.linear_mix_p50 / row.mix_p50).toFixed(0)}× faster; ` +
        `path-only ours ${row.ours_paths_p50.toFixed(0)} ns vs Hono RegExpRouter ${row.hono_paths_p50.toFixed(0)} ns ` +
        `(${(row.hono_paths_p50 / row.ours_paths_p50).toFixed(2)}×); spread ${(100 * row.spread).toFixed(0)}%`,
    );
  }
  void rows;
  return 0;
}

import { RegExpRouter } from "hono/router/reg-exp-router";
import { compile } from "../src/compiler/index.ts";
import { loadSources } from "../src/compiler/index.ts";
import { createMatcher, type Matcher } from "../src/runtime/matcher.ts";
import { createLinearMatcher } from "../test/reference/linear-matcher.ts";
import { compiledSet } from "./build.ts";
import type { BenchRequest } from "./generate.ts";
import { prng } from "../test/support/prng.ts";
import { summarize, timeNs, type Summary, type Timing } from "./measure.ts";

/**
 * Matching cost of the compiled table against baselines measured in the same run: a
 * linear scan in precedence order, and Hono's RegExpRouter on the path-only subset.
 *
 * Every call gets fresh host and path strings (sliced off a template), as a Worker does
 * for every request: a reused string carries its cached hash, which would flatter
 * whichever side hashes more. The slicing is in every figure, ours and the baselines';
 * `input` is its cost alone.
 * `node scripts/run-ts.js bench/match.ts [--sizes 10,1000,10000] [--runs 3] [--ms 300]`
 */
export interface MatchRun {
  exact: Timing;
  mix: Timing;
  miss: Timing;
  linearMix: Timing;
  honoPaths?: Timing;
  oursPaths?: Timing;
  input: Timing;
}

/** Medians over runs (ns per match), and the spread of the mix p50 across runs. */
export interface MatchRow {
  rules: number;
  exact_p50: Summary;
  exact_p99: Summary;
  mix_p50: Summary;
  mix_p99: Summary;
  miss_p50: Summary;
  miss_p99: Summary;
  linear_mix_p50: Summary;
  hono_paths_p50?: Summary;
  ours_paths_p50?: Summary;
  input_p50: Summary;
}

/** A request whose strings are cut fresh on every call. */
interface Fresh {
  host: string;
  path: string;
  header: (name: string) => string | null;
  raw: BenchRequest;
}

function fresh(r: BenchRequest): Fresh {
  return { host: `#${r.host}`, path: `#${r.path}`, header: (n) => r.headers[n] ?? null, raw: r };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ours = (m: Matcher) => (r: Fresh) => m.match({ host: r.host.slice(1), path: r.path.slice(1), header: r.header }).rule;

const warmCheck = (m: Matcher, r: Fresh) => ours(m)(r);

/** Everything one size needs, built once and timed `runs` times. */
export function prepareMatch(rules: number, withPaths: boolean) {
  const set = compiledSet(rules);
  const s = set.synthetic;
  const matcher = createMatcher(set.table);
  const linear = createLinearMatcher(set.resources);
  const exact = shuffled(s.exactHits, 2).slice(0, 4096).map(fresh);
  const mix = shuffled(s.mixHits, 3).slice(0, 4096).map(fresh);
  const miss = s.misses.map(fresh);
  for (const r of mix.slice(0, 200)) {
    if (warmCheck(matcher, r) < 0 || linear(r.raw) === null) throw new Error(`bench input ${r.raw.path} on ${r.raw.host} does not match`);
  }
  for (const r of miss.slice(0, 50)) {
    if (warmCheck(matcher, r) >= 0 || linear(r.raw) !== null) throw new Error(`bench miss ${r.raw.path} on ${r.raw.host} matches`);
  }
  // Regexes compile on first use (src/runtime/regex.ts): reach every one before timing.
  // Through the same call site as the timing, so the request objects keep one shape.
  const warm = ours(matcher);
  for (const r of [...exact, ...mix, ...miss]) warm(r);
  let paths: { hono: RegExpRouter<number>; ours: Matcher; inputs: Fresh[] } | undefined;
  if (withPaths) {
    const hono = new RegExpRouter<number>();
    s.paths.forEach((p, i) => hono.add("POST", p, i));
    const table = compile(loadSources([{ file: "paths.yaml", text: pathOnlyYaml(s.paths) }]).resources).table;
    const inputs = shuffled(s.paths, 4)
      .slice(0, 4096)
      .map((p) => fresh({ host: "h", path: p, headers: {} }));
    paths = { hono, ours: createMatcher(table), inputs };
  }
  return { rules, matcher, linear, exact, mix, miss, paths };
}

export function timeMatch(p: ReturnType<typeof prepareMatch>, ms: number): MatchRun {
  const m = ours(p.matcher);
  const big = p.rules >= 10000;
  const linearInputs = p.mix.slice(0, big ? 256 : 4096);
  const run: MatchRun = {
    exact: timeNs(p.exact, (r) => m(r) >= 0, { ms }),
    mix: timeNs(p.mix, (r) => m(r) >= 0, { ms }),
    miss: timeNs(p.miss, (r) => m(r) < 0, { ms }),
    linearMix: timeNs(linearInputs, (r) => p.linear({ host: r.host.slice(1), path: r.path.slice(1), headers: r.raw.headers }) !== null, {
      ms,
      batch: big ? 1 : 16,
    }),
    input: timeNs(p.mix, (r) => r.host.slice(1).length + r.path.slice(1).length > 2, { ms: ms / 2 }),
  };
  if (p.paths !== undefined) {
    const { hono, inputs } = p.paths;
    const mp = ours(p.paths.ours);
    // Alternate the two so neither always runs on a warmer or quieter machine.
    run.oursPaths = timeNs(inputs, (r) => mp(r) >= 0, { ms });
    run.honoPaths = timeNs(inputs, (r) => hono.match("POST", r.path.slice(1))[0].length > 0, { ms });
  }
  return run;
}

export function matchRow(rules: number, runs: MatchRun[]): MatchRow {
  const s = (f: (r: MatchRun) => number | undefined) => {
    const xs = runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length > 0 ? summarize(xs) : undefined;
  };
  const row: MatchRow = {
    rules,
    exact_p50: s((r) => r.exact.p50)!,
    exact_p99: s((r) => r.exact.p99)!,
    mix_p50: s((r) => r.mix.p50)!,
    mix_p99: s((r) => r.mix.p99)!,
    miss_p50: s((r) => r.miss.p50)!,
    miss_p99: s((r) => r.miss.p99)!,
    linear_mix_p50: s((r) => r.linearMix.p50)!,
    input_p50: s((r) => r.input.p50)!,
  };
  const hono = s((r) => r.honoPaths?.p50);
  const oursPaths = s((r) => r.oursPaths?.p50);
  if (hono !== undefined) row.hono_paths_p50 = hono;
  if (oursPaths !== undefined) row.ours_paths_p50 = oursPaths;
  return row;
}

/** All sizes; path-only baselines only at `pathSizes` (the path-only table is one more compile). */
export function runMatch(sizes: readonly number[], runs: number, ms: number, pathSizes: readonly number[] = sizes): MatchRow[] {
  return sizes.map((n) => {
    const p = prepareMatch(n, pathSizes.includes(n));
    const row = matchRow(
      n,
      Array.from({ length: runs }, () => timeMatch(p, ms)),
    );
    console.error(describeRow(row));
    return row;
  });
}

export function describeRow(r: MatchRow): string {
  const f = (x: Summary | undefined) => (x === undefined ? "-" : x.median.toFixed(0));
  return (
    `${String(r.rules).padStart(6)} rules: exact ${f(r.exact_p50)} ns (p99 ${f(r.exact_p99)}), mix ${f(r.mix_p50)} ns (p99 ${f(r.mix_p99)}), ` +
    `miss ${f(r.miss_p50)} ns, linear ${f(r.linear_mix_p50)} ns (${(r.linear_mix_p50.median / r.mix_p50.median).toFixed(0)}×), ` +
    `path-only ours ${f(r.ours_paths_p50)} vs Hono ${f(r.hono_paths_p50)} ns; input ${f(r.input_p50)} ns; spread ${(100 * r.mix_p50.spread).toFixed(0)}%`
  );
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
  runMatch(sizes, Number(arg("--runs", "3")), Number(arg("--ms", "300")));
  return 0;
}

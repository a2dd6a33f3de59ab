import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { transform } from "esbuild";
import { bundleWorker, COMPATIBILITY_DATE } from "../src/cli/workerd.ts";
import { compile } from "../src/compiler/index.ts";
import { loadSources } from "../src/compiler/index.ts";
import { serializeTable } from "../src/table/codec.ts";
import type { Resource } from "../src/compiler/index.ts";
import type { RouteTable } from "../src/table/types.ts";
import { generate, type Synthetic } from "./generate.ts";
import { summarize, type Summary } from "./measure.ts";

/**
 * Build-time figures: compile time (load + validate + compile, from YAML text) and table
 * size at each rule count, and the deployed bundle with the table compiled in.
 */
export const root = process.env.GRPCROUTE_EDGE_ROOT ?? process.cwd();
/** Scratch space for bundles and wrangler output (git-ignored). */
export const outDir = join(root, "bench", "out");

export interface CompiledSet {
  synthetic: Synthetic;
  resources: Resource[];
  table: RouteTable;
  /** Wall time of the first load + compile, ms. */
  compileMs: number;
}

const cache = new Map<number, CompiledSet>();

/** The synthetic set of `rules` rules, compiled once per process. */
export function compiledSet(rules: number): CompiledSet {
  let set = cache.get(rules);
  if (set === undefined) {
    const synthetic = generate(rules);
    const t0 = performance.now();
    const loaded = loadSources([{ file: `bench-${rules}.yaml`, text: synthetic.yaml }]);
    const result = compile(loaded.resources);
    const compileMs = performance.now() - t0;
    const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
    if (errors.length > 0) throw new Error(`synthetic set of ${rules} rules does not compile: ${errors[0]!.message}`);
    set = { synthetic, resources: loaded.resources, table: result.table, compileMs };
    cache.set(rules, set);
  }
  return set;
}

export interface BuildRow {
  rules: number;
  compile_ms: Summary;
  table_bytes: number;
  table_gzip_bytes: number;
}

/** Compile time over `runs` fresh compiles (the first from compiledSet), table size. */
export function measureBuild(rules: number, runs: number): BuildRow {
  const set = compiledSet(rules);
  const times = [set.compileMs];
  for (let i = 1; i < runs; i++) {
    const t0 = performance.now();
    compile(loadSources([{ file: "b.yaml", text: set.synthetic.yaml }]).resources);
    times.push(performance.now() - t0);
  }
  const json = serializeTable(set.table);
  return { rules, compile_ms: summarize(times), table_bytes: Buffer.byteLength(json), table_gzip_bytes: gzipSync(json).length };
}

export interface BundleFigures {
  rules: number;
  bytes: number;
  minified_bytes: number;
  minified_gzip_bytes: number;
  gzip_bytes: number;
  /** What `wrangler deploy --dry-run` wrote, when it was run. */
  wrangler?: { bytes: number; gzip_bytes: number; reported: string };
}

/** The worker bundle with the table compiled in, as esbuild (and optionally wrangler) builds it. */
export async function measureBundle(rules: number, withWrangler: boolean): Promise<BundleFigures> {
  const table = compiledSet(rules).table;
  const script = await bundleWorker(table);
  const min = (await transform(script, { minify: true, format: "esm", target: "es2022", loader: "js" })).code;
  const out: BundleFigures = {
    rules,
    bytes: Buffer.byteLength(script),
    gzip_bytes: gzipSync(script).length,
    minified_bytes: Buffer.byteLength(min),
    minified_gzip_bytes: gzipSync(min).length,
  };
  if (withWrangler) out.wrangler = await wranglerDryRun(table, rules);
  return out;
}

const run = promisify(execFile);

/**
 * `wrangler deploy --dry-run` on a copy of the project whose `.generated/routes.json.txt` is
 * the given table, so the real `.generated/` (used by others) is never touched. The copy's
 * wrangler.toml is the project's without the `[build]` command (the table is already there).
 */
async function wranglerDryRun(table: RouteTable, rules: number): Promise<NonNullable<BundleFigures["wrangler"]>> {
  // Outside the repository, so neither tsc nor vitest ever sees the copied sources.
  const dir = mkdtempSync(join(tmpdir(), `grpcroute-edge-wrangler-${rules}-`));
  mkdirSync(join(dir, ".generated"), { recursive: true });
  cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, ".generated", "routes.json.txt"), serializeTable(table));
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8").replace(/\[build\][\s\S]*?(?=\n\[)/, "");
  writeFileSync(
    join(dir, "wrangler.toml"),
    toml.includes("compatibility_date") ? toml : `${toml}\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`,
  );
  const dist = join(dir, "dist");
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  const { stdout, stderr } = await run(wrangler, ["deploy", "--dry-run", "--outdir", dist], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    maxBuffer: 16 << 20,
  });
  const reported = `${stdout}\n${stderr}`.match(/Total Upload:[^\n]*/)?.[0] ?? "";
  // Every module wrangler uploads: the script and the table, a Text module beside it.
  const modules = readdirSync(dist)
    .filter((f) => f.endsWith(".js") || f.endsWith(".txt"))
    .map((f) => readFileSync(join(dist, f)));
  rmSync(dir, { recursive: true, force: true });
  return {
    bytes: modules.reduce((n, m) => n + m.length, 0),
    gzip_bytes: modules.reduce((n, m) => n + gzipSync(m).length, 0),
    reported,
  };
}

export async function main(argv: string[]): Promise<number> {
  const sizes = (argv[argv.indexOf("--sizes") + 1] ?? "10,1000,10000").split(",").map(Number);
  for (const n of sizes) console.log(measureBuild(n, 3));
  console.log(await measureBundle(10000, argv.includes("--wrangler")));
  return 0;
}

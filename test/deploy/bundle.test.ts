/**
 * What `wrangler deploy` would upload, built offline with `--dry-run` exactly as a deploy
 * builds it: wrangler's [build] compiles routes/ into the table, then bundles (and
 * minifies, wrangler.toml) src/worker/index.ts. One wrangler run (~2 s) for all checks.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root, wrangler, type WranglerRun } from "./wrangler.ts";

/**
 * 256 KiB gzip. Today's upload is ~99 KiB gzip (re2js ~150 KiB and @bufbuild/protobuf ~78
 * KiB of the 312 KiB minified). Workers' free plan refuses scripts over 3 MiB gzip (paid:
 * 10 MiB), but we want to stay far below that: every byte is parsed at each cold start,
 * and the route table grows with the routes (a few hundred bytes per rule), so the
 * headroom is for tables of a few thousand rules. Nearly tripling without new routes means
 * something heavy slipped in (a second protobuf runtime, a polyfill, the compiler).
 */
const gzipBudget = 256 * 1024;

/** Strings only the build-time side contains: src/compiler hints and the yaml package. */
const buildTimeOnly = [
  "did you mean", // src/compiler/validate/fields.ts hints
  "known fields here", // ditto
  "LineCounter", // yaml's position tracker, used by src/compiler/load/load.ts
  "Implicit map keys need to be", // yaml parser error text
  "YAMLParseError",
];

let outdir: string;
let run: WranglerRun;
let script: string;
/** The compiled table, which wrangler uploads as a Text module beside the script. */
let table: string;
let sources: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "grpcroute-edge-bundle-"));
  run = await wrangler(["deploy", "--dry-run", "--outdir", outdir]);
  if (run.code !== 0) throw new Error(`wrangler deploy --dry-run failed (${run.code}):\n${run.output}`);
  script = readFileSync(join(outdir, "index.js"), "utf8");
  const tableFile = readdirSync(outdir).find((f) => f.endsWith("routes.json.txt"));
  if (tableFile === undefined) throw new Error(`no routes.json.txt module in ${outdir}: ${readdirSync(outdir).join(", ")}`);
  table = readFileSync(join(outdir, tableFile), "utf8");
  const map = JSON.parse(readFileSync(join(outdir, "index.js.map"), "utf8")) as { sources: string[] };
  // Source-map paths are relative to the output folder: make them repository paths.
  sources = map.sources.map((s) => relative(root, resolve(outdir, s)).replaceAll("\\", "/"));
}, 90_000);

afterAll(() => {
  if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
});

describe("wrangler deploy --dry-run", () => {
  it("runs [build] (compiles routes/) and stops before uploading", () => {
    expect(run.output).toContain("[custom build] compiled");
    expect(run.output).toContain("--dry-run: exiting now.");
    // The table compiled from routes/ travels as JSON text next to the script, which imports it.
    expect(JSON.parse(table)).toMatchObject({ version: 3, hosts: { exact: { "foo.example.com": expect.any(Number) } } });
    expect(script).toMatch(/from\s*"[^"]*routes\.json\.txt"/);
    expect(sources).toContain("src/worker/index.ts");
  });

  it(`stays under the ${gzipBudget / 1024} KiB gzip budget`, () => {
    const gzip = gzipSync(script, { level: 9 }).length + gzipSync(table, { level: 9 }).length;
    console.info(`worker upload: ${((script.length + table.length) / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzip`);
    expect(gzip).toBeLessThan(gzipBudget);
  });

  it("is minified (wrangler.toml minify = true)", () => {
    // Unminified, esbuild writes one statement a line: thousands of lines.
    expect(script.split("\n").length).toBeLessThan(200);
  });

  it("holds no compiler, CLI or YAML code", () => {
    const buildSide = sources.filter((s) => /^(src\/(compiler|cli)\/|node_modules\/(yaml|esbuild|miniflare|wrangler)\/)/.test(s));
    expect(buildSide).toEqual([]);
    for (const s of buildTimeOnly) expect(script, `bundle contains "${s}"`).not.toContain(s);
  });

  it("imports no Node built-ins (the worker runs without nodejs_compat)", () => {
    expect(script).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(sources.filter((s) => s.startsWith("node:"))).toEqual([]);
  });
});

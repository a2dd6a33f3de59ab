/**
 * The layering the folders promise, checked on the import graph of `src/`:
 *
 *   table ◀── runtime ◀── protocol ◀── worker          compiler ──▶ table, runtime
 *                                                    cli ──▶ compiler (its index), runtime, table
 *
 * The compiler (Node, YAML) never reaches the worker bundle, the table is plain data that
 * imports nothing, the runtime is pure, and the worker sees the wire code through one door.
 * The procedure-path parser lives in the runtime (the matcher needs it and may import only
 * the table); protocol code borrows it from there.
 *
 * Around `src/`, one way only: demo ◀── test ◀── bench. The demo owns the DemoService
 * (proto, generated code, origin) the tests reuse; the benchmarks borrow the tests'
 * support code and the linear reference, never a test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const specifier = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"|\bimport\("([^"]+)"\)/g;

/** Each file's imports: relative ones resolved to paths under `src/`, packages by name. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, "utf8");
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(specifier)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined) continue;
    if (spec.startsWith(".")) local.push(relative(src, resolve(dirname(file), spec)));
    else packages.push(spec);
  }
  return { local, packages };
}

const files = sourceFiles(src).map((file) => relative(src, file));
const graph = new Map(files.map((file) => [file, importsOf(join(src, file))]));
const layer = (path: string): string => path.split("/")[0] ?? "";

function violations(from: string, allowed: (target: string) => boolean): string[] {
  return (
    [...graph]
      .filter(([file]) => layer(file) === from)
      // Outside src/ is only the compiled table the worker's entry imports as text.
      .flatMap(([file, { local }]) =>
        local.filter((target) => !target.startsWith("../") && !allowed(target)).map((target) => `${file} → ${target}`),
      )
  );
}

describe("import rules", () => {
  it("reads the whole graph", () => {
    // A scanner that matched nothing would pass every rule below.
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get("worker/app.ts")?.local.length).toBeGreaterThan(0);
  });

  it("the table imports nothing", () => {
    expect(violations("table", (t) => layer(t) === "table")).toEqual([]);
    const packages = [...graph].filter(([f]) => layer(f) === "table").flatMap(([, i]) => i.packages);
    expect(packages).toEqual([]);
  });

  it("the runtime imports only the table", () => {
    expect(violations("runtime", (t) => ["runtime", "table"].includes(layer(t)))).toEqual([]);
  });

  it("protocol code never imports the worker or the compiler", () => {
    expect(violations("protocol", (t) => ["protocol", "runtime", "table"].includes(layer(t)))).toEqual([]);
  });

  it("the worker never imports the compiler or the CLI", () => {
    expect(violations("worker", (t) => ["worker", "protocol", "runtime", "table"].includes(layer(t)))).toEqual([]);
  });

  it("the worker reaches protocol code only through src/protocol/index.ts", () => {
    expect(violations("worker", (t) => layer(t) !== "protocol" || t === "protocol/index.ts")).toEqual([]);
  });

  it("only protocol code calls connect-es", () => {
    const callers = [...graph]
      .filter(([file, { packages }]) => layer(file) !== "protocol" && packages.some((p) => p.startsWith("@connectrpc/")))
      .map(([file]) => file);
    expect(callers).toEqual([]);
  });

  it("nothing outside the compiler and the CLI imports the compiler, and the CLI only its index", () => {
    expect(violations("cli", (t) => layer(t) !== "compiler" || t === "compiler/index.ts")).toEqual([]);
    for (const from of ["table", "runtime", "protocol", "worker"]) {
      expect(violations(from, (t) => layer(t) !== "compiler")).toEqual([]);
    }
  });

  it("src/ has no import cycle", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "open");
      for (const target of graph.get(file)?.local ?? []) if (graph.has(target)) visit(target, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

describe("import rules around src/", () => {
  const folders = ["test", "bench", "demo"];
  const importsBetween = folders.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) => {
        const file = join(root, folder, name);
        return [...readFileSync(file, "utf8").matchAll(specifier)]
          .map((m) => m[1] ?? m[2] ?? m[3] ?? "")
          .filter((spec) => spec.startsWith("."))
          .map((spec) => ({ from: relative(root, file), to: relative(root, resolve(dirname(file), spec)) }));
      }),
  );
  const into = (from: string, to: string) => importsBetween.filter((i) => i.from.startsWith(`${from}/`) && i.to.startsWith(`${to}/`));
  const shown = (list: { from: string; to: string }[]) => list.map((i) => `${i.from} → ${i.to}`);

  it("reads the imports", () => {
    expect(into("test", "demo").length).toBeGreaterThan(0);
    expect(into("bench", "test").length).toBeGreaterThan(0);
  });

  it("test never imports bench", () => {
    expect(shown(into("test", "bench"))).toEqual([]);
  });

  it("demo imports neither test nor bench", () => {
    expect(shown([...into("demo", "test"), ...into("demo", "bench")])).toEqual([]);
  });

  it("bench takes from test only its support code and the linear reference", () => {
    const allowed = (to: string) => to.startsWith("test/support/") || to.startsWith("test/reference/");
    expect(shown(into("bench", "test").filter((i) => !allowed(i.to)))).toEqual([]);
  });
});

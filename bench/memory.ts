import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleWorker } from "../src/cli/workerd.ts";
import { createMatcher } from "../src/runtime/matcher.ts";
import { compiledSet, outDir, root } from "./build.ts";
import { startFresh } from "./cold-start.ts";
import { workerdPids } from "./workerd-cpu.ts";

/**
 * Memory: the matcher's heap at 50,000 rules, measured in a child Node process started
 * with --expose-gc (so nothing else of the benchmark is on its heap), and workerd's RSS
 * with the 10,000-rule table against the 10-rule one.
 */
export interface MemoryFigures {
  matcher_rules: number;
  /** Heap growth while parsing the table JSON and building the matcher, before any GC. */
  matcher_peak_heap_bytes: number;
  /** Heap still held by the parsed table and the matcher after a full GC. */
  matcher_retained_heap_bytes: number;
  workerd: { rules: number; rss_bytes: number; hwm_bytes: number }[];
}

const run = promisify(execFile);

/** Child side: argv = ["--child", tableFile]. Prints one JSON line. */
function child(file: string): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const text = readFileSync(file, "utf8");
  gc();
  const before = process.memoryUsage().heapUsed;
  const matcher = createMatcher(JSON.parse(text));
  // Touch the hot path once so lazily built state exists.
  matcher.match({ host: "api0.example.com", path: "/pkg0.v1.Service0/Method0", header: () => null });
  const peak = process.memoryUsage().heapUsed - before;
  gc();
  const retained = process.memoryUsage().heapUsed - before;
  console.log(JSON.stringify({ peak, retained, keep: matcher.table.version }));
}

function vm(pid: number, key: string): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${key}:\\s+(\\d+) kB`));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function measureMemory(opts: { matcherRules: number; workerdRules: number[] }): Promise<MemoryFigures> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `table-${opts.matcherRules}.json`);
  writeFileSync(file, JSON.stringify(compiledSet(opts.matcherRules).table));
  const { stdout } = await run(process.execPath, ["--expose-gc", join(root, "scripts", "run-ts.js"), "bench/memory.ts", "--child", file], {
    cwd: root,
    maxBuffer: 1 << 20,
  });
  const heap = JSON.parse(stdout.trim().split("\n").pop()!) as { peak: number; retained: number };
  const workerd: MemoryFigures["workerd"] = [];
  for (const rules of opts.workerdRules) {
    const before = new Set(workerdPids());
    const { mf } = await startFresh(await bundleWorker(compiledSet(rules).table));
    const pid = workerdPids().find((p) => !before.has(p));
    workerd.push({ rules, rss_bytes: pid ? vm(pid, "VmRSS") : NaN, hwm_bytes: pid ? vm(pid, "VmHWM") : NaN });
    await mf.dispose();
  }
  return { matcher_rules: opts.matcherRules, matcher_peak_heap_bytes: heap.peak, matcher_retained_heap_bytes: heap.retained, workerd };
}

export async function main(argv: string[]): Promise<number> {
  const c = argv.indexOf("--child");
  if (c >= 0) {
    child(argv[c + 1]!);
    return 0;
  }
  console.log(await measureMemory({ matcherRules: 50000, workerdRules: [10, 10000] }));
  return 0;
}

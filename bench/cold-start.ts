import { request } from "node:http";
import { Miniflare } from "miniflare";
import { bundleWorker, COMPATIBILITY_DATE } from "../src/cli/workerd.ts";
import { join } from "node:path";
import { compiledSet, outDir } from "./build.ts";
import { summarize, type Summary } from "./measure.ts";

/**
 * Cold start: from `new Miniflare()` (a fresh workerd process, the bundle already built)
 * to the end of the first response, for the 10,000-rule table against the 10-rule one.
 * The first request is a miss the worker answers itself (UNIMPLEMENTED), so no origin is
 * involved; the table is parsed and the matcher built before it can be answered.
 */
export interface ColdStartFigures {
  small_rules: number;
  large_rules: number;
  small_ms: Summary;
  large_ms: Summary;
  /** Median of the per-pair differences (large − small). */
  extra_ms: Summary;
}

/** A fresh worker: resolves when its first answer has been read, with the time it took. */
export async function startFresh(script: string): Promise<{ ms: number; mf: Miniflare }> {
  const t0 = performance.now();
  // An explicit module list: with `modules: true` Miniflare first scans the script for
  // imports with acorn in Node (~1 s for 4 MiB), a local-only cost Cloudflare never pays.
  const modules = [{ type: "ESModule" as const, path: join(outDir, "worker.js"), contents: script }];
  const mf = new Miniflare({ modules, compatibilityDate: COMPATIBILITY_DATE, host: "127.0.0.1", port: 0 });
  const url = await mf.ready;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/bench.Nothing/Here",
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      },
      (res) => {
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", reject);
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
  return { ms: performance.now() - t0, mf };
}

export async function measureColdStart(opts: { runs: number; large: number }): Promise<ColdStartFigures> {
  const small = await bundleWorker(compiledSet(10).table);
  const large = await bundleWorker(compiledSet(opts.large).table);
  const s: number[] = [];
  const l: number[] = [];
  // Warm the OS caches (workerd binary) once, uncounted.
  await (await startFresh(small)).mf.dispose();
  for (let i = 0; i < opts.runs; i++) {
    const pair = [
      [small, s],
      [large, l],
    ] as const;
    for (const [script, out] of i % 2 === 0 ? pair : [...pair].reverse()) {
      const { ms, mf } = await startFresh(script);
      out.push(ms);
      await mf.dispose();
    }
  }
  return {
    small_rules: 10,
    large_rules: opts.large,
    small_ms: summarize(s),
    large_ms: summarize(l),
    extra_ms: summarize(l.map((x, i) => x - s[i]!)),
  };
}

export async function main(): Promise<number> {
  console.log(JSON.stringify(await measureColdStart({ runs: 5, large: 10000 }), null, 1));
  return 0;
}

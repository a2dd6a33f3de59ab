// Node 20 cannot run TypeScript: bundle one entry with esbuild (milliseconds) into
// node_modules/.cache, where its bare imports still resolve, then import it.
import { build } from "esbuild";
import { mkdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Bundled code cannot find the repository from import.meta.url any more; tell it.
process.env.GRPCROUTE_EDGE_ROOT ??= root;

/** Bundles `entry` (relative to the repository root) and returns its module. */
export async function importTs(entry) {
  const outdir = join(root, "node_modules", ".cache", "grpcroute-edge");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, `${basename(entry, ".ts")}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

// `node scripts/run-ts.js bench/match.ts args...` runs the entry's `main(argv)`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...argv] = process.argv.slice(2);
  const mod = await importTs(entry);
  process.exitCode = (await mod.main(argv)) ?? 0;
}

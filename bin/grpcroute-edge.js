#!/usr/bin/env node
// Node 20 cannot run TypeScript, so the CLI is bundled on each start (esbuild takes
// milliseconds) next to node_modules, where its bare imports resolve.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "node_modules", ".cache", "grpcroute-edge");
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, `cli-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, "src", "cli", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "error",
});
const { rmSync } = await import("node:fs");
try {
  const { main } = await import(pathToFileURL(outfile).href);
  process.exitCode = await main(process.argv.slice(2));
} finally {
  rmSync(outfile, { force: true });
}

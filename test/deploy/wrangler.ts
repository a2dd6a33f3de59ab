/** Runs the project's own wrangler offline, as `npx wrangler ...` would, and collects its output. */
import { execFile } from "node:child_process";
import { join } from "node:path";

export const root = join(import.meta.dirname, "../..");
const bin = join(root, "node_modules", ".bin", "wrangler");

export interface WranglerRun {
  code: number;
  output: string;
}

export function wrangler(args: readonly string[]): Promise<WranglerRun> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [...args],
      // No metrics (offline CI), no update check noise, no colours in the output we parse.
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0", NO_COLOR: "1" },
        maxBuffer: 16 << 20,
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

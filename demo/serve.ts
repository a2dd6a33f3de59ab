/**
 * `npm run demo` (`node scripts/run-ts.js demo/serve.ts [--page-port N] [--worker-port N]`):
 * the browser demo on 127.0.0.1 until Ctrl-C.
 */
import { parseArgs } from "node:util";
import { startDemo } from "./stack.ts";
import { logRouter, useColor } from "../src/cli/log-format.ts";

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be 0..65535, not ${value}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "page-port": { type: "string", default: "8080" },
      "worker-port": { type: "string", default: "8787" },
    },
  });
  const demo = await startDemo({
    pagePort: port(values["page-port"], "--page-port"),
    workerPort: port(values["worker-port"], "--worker-port"),
    // Each call the page makes shows as one line, as under `grpcroute-edge dev`.
    onLogLine: logRouter({ format: "text", color: useColor(process.stdout, process.env), stdout: process.stdout, stderr: process.stderr }),
  });
  process.stdout.write(
    `worker   ${demo.workerUrl} (ALLOWED_ORIGINS=${demo.page.origin})\n` +
      `origins  ${demo.stable.name} ${demo.stable.url}, ${demo.canary.name} ${demo.canary.url}\n` +
      `issuer   ${demo.issuer.url} (JWKS ${demo.issuer.jwksUri}, tokens from ${demo.page.origin}/token)\n` +
      `open     ${demo.pageUrl}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await demo.close();
  return 0;
}

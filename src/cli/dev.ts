import { parseArgs } from "node:util";
import { formatDiagnostic } from "../compiler/index.ts";
import { compilePaths } from "./pipeline.ts";
import { devBindings, loadDevSecrets, loadedLine, missingSecretWarnings, parseSecretFlags } from "./dev-vars.ts";
import { LOG_FORMATS, type LogFormat, logRouter, useColor } from "./log-format.ts";
import { helpOption, printedHelp, UsageError } from "./usage.ts";
import { startWorker } from "./workerd.ts";

const DEFAULT_PORT = 8787;

/**
 * `dev`: compile the routes and serve the real worker bundle in workerd on 127.0.0.1,
 * with `--origin KEY=URL` overrides passed as the ORIGINS var, as an environment's
 * wrangler vars would, and Worker secrets from .dev.vars and `--secret`. Runs until interrupted,
 * showing the worker's log records on stdout (`--log-format`) and its other output on stderr.
 */
export async function dev(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: "string", short: "f", multiple: true },
      port: { type: "string", default: String(DEFAULT_PORT) },
      origin: { type: "string", multiple: true },
      "allowed-origins": { type: "string" },
      secret: { type: "string", multiple: true },
      "log-format": { type: "string", default: "text" },
      ...helpOption,
    },
  });
  if (printedHelp("dev", values)) return 0;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not ${values.port}`);
  const format = values["log-format"] as LogFormat;
  if (!LOG_FORMATS.includes(format)) throw new UsageError(`--log-format must be text or json, not ${values["log-format"]}`);
  // In json mode stdout carries only the worker's log records, so a consumer can parse every line.
  const say = (line: string) => (format === "json" ? process.stderr : process.stdout).write(`${line}\n`);
  const origins = parseOrigins(values.origin ?? []);
  const secretFlags = parseSecretFlags(values.secret ?? []);
  const paths = values.file === undefined || values.file.length === 0 ? ["routes/"] : values.file;
  const r = await compilePaths(paths);
  for (const d of r.all) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (r.errors > 0) return 1;
  const secrets = await loadDevSecrets(paths, process.cwd(), secretFlags);
  const loaded = loadedLine(secrets);
  if (loaded !== undefined) say(loaded);
  for (const w of missingSecretWarnings(r.table, secrets)) process.stderr.write(`${w}\n`);
  const vars = devBindings(secrets, origins, values["allowed-origins"]);
  const onLogLine = logRouter({ format, color: useColor(process.stdout, process.env), stdout: process.stdout, stderr: process.stderr });
  const worker = await startWorker(r.table, { port, vars, onLogLine });
  say(`listening on ${worker.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await worker.dispose();
  return 0;
}

/** `name[.namespace[:port]]=URL` pairs into the ORIGINS object. */
export function parseOrigins(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    const key = f.slice(0, eq);
    const url = f.slice(eq + 1);
    if (eq <= 0 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?(:\d{1,5})?$/.test(key)) {
      throw new UsageError(`--origin ${JSON.stringify(f)}: expected KEY=URL with KEY name, name.namespace or name.namespace:port`);
    }
    if (!/^(https?:\/\/[^\s]+|binding:[A-Za-z_][A-Za-z0-9_]*)$/.test(url)) {
      throw new UsageError(`--origin ${JSON.stringify(f)}: URL must start with http:// or https:// (or be binding:NAME)`);
    }
    out[key] = url.replace(/\/+$/, "");
  }
  return out;
}

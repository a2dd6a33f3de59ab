import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { RouteTable } from "../table/types.ts";
import { UsageError } from "./usage.ts";

export const DEV_VARS = ".dev.vars";

// dotenv's own line grammar (what wrangler parses .dev.vars with), so a file that works
// with `wrangler dev` means the same here: export prefix, quotes, # comments, multi-line quotes.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** A dotenv file's entries; a name given twice keeps its last value. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, "\n");
  for (const m of lines.matchAll(LINE)) {
    let value = (m[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    out[m[1]!] = value;
  }
  return out;
}

/** `--secret NAME=VALUE` flags; a later flag for the same name wins. */
export function parseSecretFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    const name = eq < 0 ? f : f.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(
        `--secret ${JSON.stringify(name)}: expected NAME=VALUE with NAME letters, digits and _ (e.g. EG_SECRET_DEFAULT_API_KEYS)`,
      );
    }
    out[name] = f.slice(eq + 1);
  }
  return out;
}

export interface DevSecrets {
  /** Every binding, flags over the file. */
  vars: Record<string, string>;
  /** Where each name came from: the file's path as the command line spelled it, or `--secret`. */
  sources: Map<string, string>;
  /** The .dev.vars read, or undefined; either way where one belongs (for hints). */
  file: string | undefined;
  hintFile: string;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() === true;
}

/**
 * The .dev.vars beside the routes (the first path: a folder, or a file's folder), else the
 * one in `cwd`; one file only, as wrangler reads one. `--secret` flags win over it.
 */
export async function loadDevSecrets(paths: readonly string[], cwd: string, flags: Record<string, string>): Promise<DevSecrets> {
  const first = paths[0];
  const beside = first === undefined || first === "-" ? undefined : (await isDir(resolve(cwd, first))) ? first : dirname(first);
  const candidates = [...(beside === undefined ? [] : [join(beside, DEV_VARS)]), DEV_VARS];
  let file: string | undefined;
  for (const c of candidates) {
    if (await isFile(resolve(cwd, c))) {
      file = c;
      break;
    }
  }
  const fromFile = file === undefined ? {} : parseDotenv(await readFile(resolve(cwd, file), "utf8"));
  const sources = new Map<string, string>();
  for (const name of Object.keys(fromFile)) sources.set(name, file!);
  for (const name of Object.keys(flags)) sources.set(name, "--secret");
  return { vars: { ...fromFile, ...flags }, sources, file, hintFile: file ?? candidates[0]! };
}

/** The line naming what was loaded, never a value; undefined when nothing was. */
export function loadedLine(s: DevSecrets): string | undefined {
  if (s.sources.size === 0) return undefined;
  return `secrets:  ${[...s.sources].map(([name, from]) => `${name} (${from})`).join(", ")}`;
}

/** A warning per Worker secret a policy of the table reads that no binding holds. */
export function missingSecretWarnings(table: RouteTable, s: DevSecrets): string[] {
  const needed = new Map<string, { policy: string; example: string; stage: string }>();
  for (const row of table.security ?? []) {
    for (const name of row.apiKey?.secrets ?? [])
      if (!needed.has(name)) needed.set(name, { policy: row.policy, stage: "apiKeyAuth", example: `'{"client-id":"the-key"}'` });
    const basic = row.basic?.secret;
    if (basic !== undefined && !needed.has(basic))
      needed.set(basic, { policy: row.policy, stage: "basicAuth", example: `'{".htpasswd":"user:{SHA}..."}'` });
  }
  return [...needed]
    .filter(([name]) => s.vars[name] === undefined)
    .map(
      ([name, n]) =>
        `warning: Worker secret ${name} (${n.stage} of SecurityPolicy ${n.policy}) is not set: ` +
        `add ${name}=${n.example} to ${s.hintFile} or pass --secret ${name}=...; calls that need it fail with INTERNAL`,
    );
}

/** What the dev worker is bound to: the loaded bindings, and dev's own vars from its flags. */
export function devBindings(s: DevSecrets, origins: Record<string, string>, allowedOrigins: string | undefined): Record<string, string> {
  return { ...s.vars, ORIGINS: JSON.stringify(origins), ALLOWED_ORIGINS: allowedOrigins ?? "*" };
}

import { readFile } from "node:fs/promises";
import { parse } from "smol-toml";
import type { TableBindings } from "../table/types.ts";

/**
 * The Workers bindings a compiled table needs, as wrangler.toml declares them
 * (https://developers.cloudflare.com/workers/wrangler/configuration/): written by
 * `compile --bindings`, checked by `check` against the project's wrangler.toml, top level
 * and every `[env.*]` (bindings are not inherited by environments).
 */

/** A stable suggestion for a rate-limit namespace id: ids must be unique integers in the account. */
function namespaceId(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 1000 + (h % 900_000);
}

export const LIMITER_MIGRATION_TAG = "grpcroute-edge-rate-limiter-v1";

/** wrangler.toml lines for `bindings`; empty when the table needs none. */
export function bindingsToml(b: TableBindings | undefined): string {
  const out: string[] = [];
  for (const r of b?.rateLimits ?? []) {
    out.push(
      "[[ratelimits]]",
      `name = "${r.name}"`,
      "# An integer unique in your Cloudflare account: give each environment its own, or they share counters.",
      `namespace_id = "${namespaceId(r.name)}"`,
      `simple = { limit = ${r.limit}, period = ${r.period} }`,
      "",
    );
  }
  if (b?.globalLimiter !== undefined) {
    const { binding, className } = b.globalLimiter;
    out.push(
      "[[durable_objects.bindings]]",
      `name = "${binding}"`,
      `class_name = "${className}"`,
      "",
      "[[migrations]]",
      `tag = "${LIMITER_MIGRATION_TAG}"`,
      `new_sqlite_classes = ["${className}"]`,
      "",
    );
  }
  if (out.length === 0) return "";
  return [
    "# Bindings the compiled routes need (grpcroute-edge compile --bindings); paste into wrangler.toml,",
    "# and under each [env.NAME]: bindings are not inherited.",
    "",
    ...out,
  ].join("\n");
}

type Toml = Record<string, unknown>;
const list = (v: unknown): Toml[] => (Array.isArray(v) ? (v.filter((x) => typeof x === "object" && x !== null) as Toml[]) : []);

/** What one wrangler.toml scope (top level or one environment) lacks, as sentences. */
function missingIn(scope: Toml, b: TableBindings): string[] {
  const problems: string[] = [];
  const limits = list(scope.ratelimits);
  for (const r of b.rateLimits ?? []) {
    const found = limits.find((x) => x.name === r.name);
    const simple = (found?.simple ?? {}) as Toml;
    if (found === undefined) problems.push(`no [[ratelimits]] named ${r.name} (simple = { limit = ${r.limit}, period = 60 })`);
    else if (simple.limit !== r.limit || simple.period !== r.period) {
      problems.push(`[[ratelimits]] ${r.name} must have simple = { limit = ${r.limit}, period = ${r.period} }`);
    }
  }
  if (b.globalLimiter !== undefined) {
    const dos = list((scope.durable_objects as Toml | undefined)?.bindings);
    const { binding, className } = b.globalLimiter;
    if (!dos.some((d) => d.name === binding && d.class_name === className)) {
      problems.push(`no [[durable_objects.bindings]] name = "${binding}", class_name = "${className}"`);
    }
  }
  return problems;
}

/**
 * Problems of `configPath` for a table needing `b`: a missing file or binding, each a
 * sentence; empty when nothing is missing or nothing is needed.
 */
export async function checkWranglerConfig(configPath: string, b: TableBindings | undefined): Promise<string[]> {
  if (b === undefined || (b.rateLimits === undefined && b.globalLimiter === undefined)) return [];
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch {
    return ["not found, and the routes need bindings: run grpcroute-edge compile --bindings FILE and add them"];
  }
  let toml: Toml;
  try {
    toml = parse(text) as Toml;
  } catch (e) {
    return [`not valid TOML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`];
  }
  const out = missingIn(toml, b);
  if (b.globalLimiter !== undefined) {
    const migrated = list(toml.migrations).some((m) =>
      [...list([m]).flatMap((x) => [x.new_sqlite_classes, x.new_classes])].some(
        (c) => Array.isArray(c) && c.includes(b.globalLimiter!.className),
      ),
    );
    if (!migrated)
      out.push(`no [[migrations]] creates class ${b.globalLimiter.className} (new_sqlite_classes = ["${b.globalLimiter.className}"])`);
  }
  for (const [name, env] of Object.entries((toml.env ?? {}) as Record<string, Toml>)) {
    for (const p of missingIn(env, b)) out.push(`[env.${name}]: ${p} (bindings are not inherited)`);
  }
  return out;
}

import type { EdgeEnv } from "./env.ts";
import { parseOriginOverrides, type OriginOverrides } from "./origins.ts";

/** Settings derived from the vars, parsed once per distinct value, not per request. */
export interface EdgeConfig {
  cors: CorsConfig;
  origins: OriginOverrides;
}

export interface CorsConfig {
  /** Exact origins allowed. */
  origins: ReadonlySet<string>;
  /** `*` was configured and credentials are off. */
  any: boolean;
  credentials: boolean;
}

let cachedKey: string | undefined;
let cached: EdgeConfig | undefined;

/** The config for these vars; recomputed only when a var changes (tests, redeploys). */
export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const key = JSON.stringify([env.ALLOWED_ORIGINS, env.ALLOW_CREDENTIALS, env.ORIGINS]);
  if (cached !== undefined && key === cachedKey) return cached;
  cached = { cors: parseCors(env.ALLOWED_ORIGINS, env.ALLOW_CREDENTIALS === "true"), origins: parseOriginOverrides(env.ORIGINS) };
  cachedKey = key;
  return cached;
}

function parseCors(raw: string | undefined, credentials: boolean): CorsConfig {
  const list = parseList(raw);
  // `*` with credentials is refused by browsers (and would leak cookies): ignore it.
  const any = list.includes("*") && !credentials;
  return { origins: new Set(list.filter((o) => o !== "*")), any, credentials };
}

function parseList(raw: string | undefined): string[] {
  const text = raw?.trim() ?? "";
  if (text === "") return [];
  if (text.startsWith("[")) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((o) => typeof o === "string")) {
      throw new Error('ALLOWED_ORIGINS as JSON must be an array of strings, e.g. ["https://app.example.com"]');
    }
    return parsed.map((o) => o.trim());
  }
  return text.split(",").map((o) => o.trim()).filter((o) => o !== "");
}

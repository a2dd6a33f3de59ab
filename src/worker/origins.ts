import type { Origin } from "../table/types.ts";
import type { PickedBackend } from "../runtime/types.ts";

/** Parsed `ORIGINS` var: key → origin. */
export type OriginOverrides = ReadonlyMap<string, Origin>;

const bindingScheme = "binding:";

/**
 * Parse the `ORIGINS` var (a JSON object of key → URL). A URL `binding:NAME` names a
 * service binding. Malformed JSON throws, so a bad deploy fails loudly on first request
 * instead of silently routing to the manifests' origins.
 */
export function parseOriginOverrides(raw: string | undefined): OriginOverrides {
  const out = new Map<string, Origin>();
  if (raw === undefined || raw.trim() === "") return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error('ORIGINS must be a JSON object such as {"echo.default:8080": "https://echo.internal"}');
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") throw new Error(`ORIGINS["${key}"] must be a string URL or binding:NAME`);
    out.set(key, toOrigin(key, value));
  }
  return out;
}

function toOrigin(key: string, value: string): Origin {
  if (value.startsWith(bindingScheme)) return { url: "", binding: value.slice(bindingScheme.length) };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`ORIGINS["${key}"] must be an http(s) URL or binding:NAME`);
  }
  return { url: value.replace(/\/+$/, "") };
}

/**
 * The origin a backend is reached at: the most specific override (`name.namespace:port`,
 * then `name.namespace`, then `name`), else the manifests' origin, else null.
 */
export function resolveOrigin(backend: PickedBackend, overrides: OriginOverrides): Origin | null {
  if (overrides.size > 0) {
    const qualified = `${backend.name}.${backend.namespace}`;
    for (const key of [`${qualified}:${backend.port}`, qualified, backend.name]) {
      const hit = overrides.get(key);
      if (hit !== undefined) return hit;
    }
  }
  return backend.origin;
}

import type { HostIndex, ScopeId } from "../table/types.ts";

/** The host index as Maps, so no host (`constructor`, `__proto__`) can reach Object.prototype. */
export interface LoadedHostIndex {
  exact: ReadonlyMap<string, ScopeId>;
  wildcard: ReadonlyMap<string, ScopeId>;
  fallback: ScopeId;
}

export function loadHostIndex(h: HostIndex): LoadedHostIndex {
  return { exact: new Map(Object.entries(h.exact)), wildcard: new Map(Object.entries(h.wildcard)), fallback: h.fallback };
}

/**
 * The host as routes see it: lower-cased, without port or trailing dot.
 * Gateway API hostnames carry no port ("the : delimiter is not respected"), and DNS is
 * case-insensitive, so `Foo.Example.COM.:443` and `foo.example.com` are one host.
 */
export function normalizeHost(raw: string): string {
  let host = raw.trim();
  if (host.startsWith("[")) {
    // IPv6 literal: keep the brackets' content, drop any port after them.
    const close = host.indexOf("]");
    return (close < 0 ? host : host.slice(0, close + 1)).toLowerCase();
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host.toLowerCase();
}

/**
 * Exact host first, then wildcard suffixes from the most labels to the fewest (so
 * `*.foo.example.com` beats `*.example.com`), then the hostless fallback. A wildcard
 * needs at least one label in front of it: `*.example.com` never matches `example.com`.
 */
export function lookupScope(index: LoadedHostIndex, host: string): ScopeId {
  const exact = index.exact.get(host);
  if (exact !== undefined) return exact;
  for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
    const scope = index.wildcard.get(host.slice(dot + 1));
    if (scope !== undefined) return scope;
  }
  return index.fallback;
}

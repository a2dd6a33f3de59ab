/**
 * Hostname patterns as the Gateway API defines them (GRPCRouteSpec.Hostnames, Listener
 * hostname): exact names, or `*.suffix` matching one or more labels in front of suffix.
 * The empty string stands for "no hostname" (any host).
 */

export function isWildcard(pattern: string): boolean {
  return pattern.startsWith("*.");
}

/** True when every host `inner` matches is also matched by `outer`. */
export function covers(outer: string, inner: string): boolean {
  if (outer === "") return true;
  if (inner === "") return false;
  if (!isWildcard(outer)) return outer === inner;
  const suffix = outer.slice(1); // ".example.com"
  return isWildcard(inner) ? inner.slice(1).endsWith(suffix) : inner.endsWith(suffix);
}

/**
 * The hosts both patterns match, as one pattern, or null when there are none.
 * Two hostname patterns are either nested or disjoint, so the narrower one is the answer.
 */
export function intersect(a: string, b: string): string | null {
  if (covers(a, b)) return b;
  if (covers(b, a)) return a;
  return null;
}

/**
 * Orders patterns from most to least specific, as listener selection and route precedence
 * need: exact before wildcard, then more characters first (`*.foo.example.com` before
 * `*.example.com`), the empty pattern last; ties broken by text for determinism.
 */
export function compareSpecificity(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  return b.length - a.length || (a < b ? -1 : 1);
}

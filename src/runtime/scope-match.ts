import type { Candidate, Scope } from "../table/types.ts";
import type { MethodName } from "./path.ts";
import type { FullMatch } from "./regex.ts";

const NONE: readonly number[] = [];

/**
 * A scope's lookups as Maps. The table's JSON objects inherit from Object.prototype, so a
 * path like `/constructor/x` must never index them directly.
 */
export interface LoadedScope {
  next: number;
  exact: ReadonlyMap<string, readonly number[]>;
  service: ReadonlyMap<string, readonly number[]>;
  method: ReadonlyMap<string, readonly number[]>;
  rest: readonly number[];
  fallbackBackend: number;
}

export function loadScope(s: Scope): LoadedScope {
  return {
    next: s.next,
    exact: new Map(Object.entries(s.exact)),
    service: new Map(Object.entries(s.service)),
    method: new Map(Object.entries(s.method)),
    rest: s.rest,
    fallbackBackend: s.fallbackBackend,
  };
}

/**
 * The highest-precedence candidate of `scope` that matches, or -1.
 *
 * Up to four lists are walked, each already sorted by rank at build time: the exact
 * "service/method" list, the service-only list, the method-only list, and the rest.
 * At each step the list whose head has the lowest rank is tested, so the first
 * candidate that passes is the winner overall; nothing is sorted here.
 */
export function matchScope(
  scope: LoadedScope,
  candidates: readonly Candidate[],
  regexes: readonly FullMatch[],
  name: MethodName,
  header: (name: string) => string | null,
): number {
  const a = scope.exact.get(`${name.service}/${name.method}`) ?? NONE;
  const b = scope.service.get(name.service) ?? NONE;
  const c = scope.method.get(name.method) ?? NONE;
  const d = scope.rest;
  let ia = 0;
  let ib = 0;
  let ic = 0;
  let id = 0;
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    let from = 0;
    if (ia < a.length) {
      const r = rankOf(candidates, a[ia]!);
      if (r < bestRank) (bestRank = r), (best = a[ia]!), (from = 0);
    }
    if (ib < b.length) {
      const r = rankOf(candidates, b[ib]!);
      if (r < bestRank) (bestRank = r), (best = b[ib]!), (from = 1);
    }
    if (ic < c.length) {
      const r = rankOf(candidates, c[ic]!);
      if (r < bestRank) (bestRank = r), (best = c[ic]!), (from = 2);
    }
    if (id < d.length) {
      const r = rankOf(candidates, d[id]!);
      if (r < bestRank) (bestRank = r), (best = d[id]!), (from = 3);
    }
    if (best < 0) return -1;
    if (passes(candidates[best]!, regexes, name, header)) return best;
    if (from === 0) ia++;
    else if (from === 1) ib++;
    else if (from === 2) ic++;
    else id++;
  }
}

function rankOf(candidates: readonly Candidate[], id: number): number {
  return candidates[id]!.rank;
}

/** Whether a candidate's regexes and header predicates hold; its exact lookups already did. */
export function passes(
  cand: Candidate,
  regexes: readonly FullMatch[],
  name: MethodName,
  header: (name: string) => string | null,
): boolean {
  if (cand.serviceRegex >= 0 && !regexes[cand.serviceRegex]!(name.service)) return false;
  if (cand.methodRegex >= 0 && !regexes[cand.methodRegex]!(name.method)) return false;
  for (const pred of cand.headers) {
    const value = header(pred.name);
    if (value === null) return false;
    if (pred.regex ? !regexes[pred.regexId]!(value) : value !== pred.value) return false;
  }
  return true;
}

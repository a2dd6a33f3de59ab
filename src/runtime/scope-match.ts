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
 * The first candidate of a pre-merged exact-path list whose headers hold, or -1. Its
 * method predicates, regexes included, were settled when the list was built.
 */
export function matchExactList(
  list: readonly number[],
  candidates: readonly Candidate[],
  regexes: readonly FullMatch[],
  header: (name: string) => string | null,
): number {
  for (let i = 0; i < list.length; i++) {
    const id = list[i]!;
    if (headersHold(candidates[id]!, regexes, header)) return id;
  }
  return -1;
}

/**
 * The highest-precedence candidate for a path with no exact-path list: the service-only,
 * method-only and remaining lists, each sorted by rank at build time, are merged as they
 * are walked, so the first candidate that passes is the winner; nothing is sorted here.
 */
export function matchLists(
  scope: LoadedScope,
  candidates: readonly Candidate[],
  regexes: readonly FullMatch[],
  name: MethodName,
  header: (name: string) => string | null,
): number {
  const b = scope.service.get(name.service) ?? NONE;
  const c = scope.method.get(name.method) ?? NONE;
  const d = scope.rest;
  let ib = 0;
  let ic = 0;
  let id = 0;
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    let from = 0;
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
    if (from === 1) ib++;
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
  return headersHold(cand, regexes, header);
}

function headersHold(cand: Candidate, regexes: readonly FullMatch[], header: (name: string) => string | null): boolean {
  for (const pred of cand.headers) {
    const value = header(pred.name);
    if (value === null) return false;
    if (pred.regex ? !regexes[pred.regexId]!(value) : value !== pred.value) return false;
  }
  return true;
}

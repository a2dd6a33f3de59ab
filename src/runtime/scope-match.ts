import type { Candidate, Scope } from "../table/types.ts";
import type { MethodName } from "./path.ts";
import type { FullMatch } from "./regex.ts";

const NONE: readonly number[] = [];

/** Shortest regex literal prefix worth indexing: shorter keys would group too much. */
const MIN_INDEX_PREFIX = 3;

/** The table's candidates and regexes as the hot path reads them, prepared once at load. */
export interface LoadedCandidates {
  list: readonly Candidate[];
  /** `list[id].rank`, unboxed, for the merge walk. */
  rank: Float64Array;
  regexes: readonly FullMatch[];
  /** Literal prefix of each regex (see regex-prefix.ts); "" when none. */
  prefixes: readonly string[];
}

/**
 * A scope's lookups as Maps. The table's JSON objects inherit from Object.prototype, so a
 * path like `/constructor/x` must never index them directly.
 */
export interface LoadedScope {
  next: number;
  /**
   * Exact path → the winning candidate id when the list's first candidate has no header
   * predicates (it always wins then), else the list to walk.
   */
  exact: ReadonlyMap<string, number | readonly number[]>;
  service: ReadonlyMap<string, readonly number[]>;
  method: ReadonlyMap<string, readonly number[]>;
  /** The `rest` candidates whose service regex has no literal prefix of `restKey` chars. */
  rest: readonly number[];
  /**
   * The other `rest` candidates by the first `restKey` characters of their service
   * regex's literal prefix: a service that does not start with the key cannot match them,
   * so a miss no longer runs every regex of the scope.
   */
  restByPrefix: ReadonlyMap<string, readonly number[]>;
  restKey: number;
  fallbackBackend: number;
}

export function loadScope(s: Scope, cands: LoadedCandidates): LoadedScope {
  const exact = new Map<string, number | readonly number[]>();
  for (const [path, list] of Object.entries(s.exact)) {
    exact.set(path, list.length > 0 && cands.list[list[0]!]!.headers.length === 0 ? list[0]! : list);
  }
  const prefixOf = (id: number): string => {
    const re = cands.list[id]!.serviceRegex;
    return re < 0 ? "" : cands.prefixes[re]!;
  };
  let restKey = Infinity;
  for (const id of s.rest) {
    const p = prefixOf(id).length;
    if (p >= MIN_INDEX_PREFIX && p < restKey) restKey = p;
  }
  const rest: number[] = [];
  const restByPrefix = new Map<string, number[]>();
  for (const id of s.rest) {
    const p = prefixOf(id);
    if (p.length < MIN_INDEX_PREFIX) {
      rest.push(id);
      continue;
    }
    // s.rest is sorted by rank, so every bucket is too.
    const key = p.slice(0, restKey);
    const bucket = restByPrefix.get(key);
    if (bucket === undefined) restByPrefix.set(key, [id]);
    else bucket.push(id);
  }
  return {
    next: s.next,
    exact,
    service: new Map(Object.entries(s.service)),
    method: new Map(Object.entries(s.method)),
    rest,
    restByPrefix,
    restKey: restByPrefix.size > 0 ? restKey : 0,
    fallbackBackend: s.fallbackBackend,
  };
}

/**
 * The first candidate of a pre-merged exact-path list whose headers hold, or -1. Its
 * method predicates, regexes included, were settled when the list was built.
 */
export function matchExactList(list: readonly number[], cands: LoadedCandidates, header: (name: string) => string | null): number {
  for (let i = 0; i < list.length; i++) {
    const id = list[i]!;
    if (headersHold(cands.list[id]!, cands.regexes, header)) return id;
  }
  return -1;
}

/**
 * The highest-precedence candidate for a path with no exact-path list: the service-only,
 * method-only and remaining lists (the latter in two parts, see `restByPrefix`), each
 * sorted by rank at build time, are merged as they are walked, so the first candidate
 * that passes is the winner; nothing is sorted here.
 */
export function matchLists(scope: LoadedScope, cands: LoadedCandidates, name: MethodName, header: (name: string) => string | null): number {
  const b = scope.service.get(name.service) ?? NONE;
  const c = scope.method.get(name.method) ?? NONE;
  const d = scope.rest;
  const e =
    scope.restKey > 0 && name.service.length >= scope.restKey
      ? (scope.restByPrefix.get(name.service.slice(0, scope.restKey)) ?? NONE)
      : NONE;
  // Most paths reach one list at most: walk it without the merge.
  if (c.length + d.length + e.length === 0) return firstPassing(b, cands, name, header);
  const rank = cands.rank;
  let ib = 0;
  let ic = 0;
  let id = 0;
  let ie = 0;
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    let from = 0;
    if (ib < b.length && rank[b[ib]!]! < bestRank) (best = b[ib]!), (bestRank = rank[best]!), (from = 1);
    if (ic < c.length && rank[c[ic]!]! < bestRank) (best = c[ic]!), (bestRank = rank[best]!), (from = 2);
    if (id < d.length && rank[d[id]!]! < bestRank) (best = d[id]!), (bestRank = rank[best]!), (from = 3);
    if (ie < e.length && rank[e[ie]!]! < bestRank) (best = e[ie]!), (bestRank = rank[best]!), (from = 4);
    if (best < 0) return -1;
    if (passes(cands.list[best]!, cands, name, header)) return best;
    if (from === 1) ib++;
    else if (from === 2) ic++;
    else if (from === 3) id++;
    else ie++;
  }
}

function firstPassing(list: readonly number[], cands: LoadedCandidates, name: MethodName, header: (name: string) => string | null): number {
  for (let i = 0; i < list.length; i++) {
    if (passes(cands.list[list[i]!]!, cands, name, header)) return list[i]!;
  }
  return -1;
}

/**
 * Whether a candidate's regexes and header predicates hold; its exact lookups already did.
 * A regex runs only when the input starts with the regex's literal prefix.
 */
export function passes(cand: Candidate, cands: LoadedCandidates, name: MethodName, header: (name: string) => string | null): boolean {
  const s = cand.serviceRegex;
  if (s >= 0 && !(name.service.startsWith(cands.prefixes[s]!) && cands.regexes[s]!(name.service) === true)) return false;
  const m = cand.methodRegex;
  if (m >= 0 && !(name.method.startsWith(cands.prefixes[m]!) && cands.regexes[m]!(name.method) === true)) return false;
  return headersHold(cand, cands.regexes, header);
}

function headersHold(cand: Candidate, regexes: readonly FullMatch[], header: (name: string) => string | null): boolean {
  const preds = cand.headers;
  for (let i = 0; i < preds.length; i++) {
    const pred = preds[i]!;
    const value = header(pred.name);
    if (value === null) return false;
    // A value too long for the regex to run on does not match: GRPCRoute has no inverted
    // matches, so a non-match only sends the call where an absent header would.
    if (pred.regex ? regexes[pred.regexId]!(value) !== true : value !== pred.value) return false;
  }
  return true;
}

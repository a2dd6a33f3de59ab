import type { Filters, RouteTable } from "../table/types.ts";
import { loadHostIndex, lookupScope, normalizeHost } from "./host.ts";
import { parseMethodPath, type MethodName } from "./path.ts";
import { pickedBackend, pickWeighted } from "./pick.ts";
import { compileRegexes, type FullMatch } from "./regex.ts";
import { literalPrefix } from "./regex-prefix.ts";
import { loadScope, matchExactList, matchLists, type LoadedCandidates, type LoadedScope } from "./scope-match.ts";
import type { Decision, MirrorTarget, Random, RouteRequest } from "./types.ts";

/** Service hops a request may take; the compiler rejects cycles, this only bounds the walk. */
const MAX_HOPS = 16;

const NO_MATCH: MatchResult = Object.freeze({ candidate: -1, rule: -1 });

/** Which rule of which scope a request hits, before any backend is drawn. */
export interface MatchResult {
  /** Candidate id in `table.candidates`, -1 when nothing matched. */
  candidate: number;
  /** Rule id in `table.rules`, -1 when nothing matched. */
  rule: number;
}

export interface Matcher {
  readonly table: RouteTable;
  /** The winning rule for a request at the edge (host first). */
  match(req: RouteRequest): MatchResult;
  /** The winning rule within a scope chain, e.g. a Service's routes; the host is not looked at. */
  matchFrom(scope: number, req: RouteRequest): MatchResult;
  /** The table's regexes, compiled on first use (policies match paths with them too). */
  readonly regexes: readonly FullMatch[];
  /** Match, draw a backend by weight, follow Service-parent hops, and sample mirrors. */
  route(req: RouteRequest, random: Random): Decision;
}

/**
 * Loads a table for matching: turns its lookup objects into Maps (each scope on first
 * use) and its regexes into linear-time matchers (each on first use); everything else is
 * used as the compiler left it.
 */
export function createMatcher(table: RouteTable): Matcher {
  const cands: LoadedCandidates = {
    list: table.candidates,
    rank: Float64Array.from(table.candidates, (c) => c.rank),
    regexes: compileRegexes(table.regexes),
    prefixes: table.regexes.map(literalPrefix),
  };
  const hosts = loadHostIndex(table.hosts);
  // A table without hostnames sends every host to the fallback: skip the lookups.
  const hostless = hosts.exact.size === 0 && hosts.wildcard.size === 0;
  // Scopes become Maps on first use: a cold start pays only for the hosts it serves.
  const scopes: (LoadedScope | undefined)[] = new Array(table.scopes.length);
  const scopeAt = (id: number): LoadedScope => (scopes[id] ??= loadScope(table.scopes[id]!, cands));
  // One frozen result per candidate, made on first use, so a match allocates nothing.
  const results: (MatchResult | undefined)[] = new Array(table.candidates.length);

  /** The winning candidate id in a scope chain, or -1. */
  function winnerIn(scopeId: number, req: RouteRequest): number {
    const path = req.path;
    // Parsed only when the raw path is not an exact key: the common case never splits it.
    let name: MethodName | null | undefined;
    for (let id = scopeId; id >= 0; ) {
      const scope = scopeAt(id);
      const hit = scope.exact.get(path);
      if (hit === undefined) {
        name ??= parseMethodPath(path);
        if (name === null) return -1;
      }
      const candidate =
        hit === undefined
          ? matchLists(scope, cands, name!, req.header)
          : typeof hit === "number"
            ? hit
            : matchExactList(hit, cands, req.header);
      if (candidate >= 0) return candidate;
      id = scope.next;
    }
    return -1;
  }

  function resultOf(candidate: number): MatchResult {
    if (candidate < 0) return NO_MATCH;
    let r = results[candidate];
    if (r === undefined) {
      r = Object.freeze({ candidate, rule: table.candidates[candidate]!.rule });
      results[candidate] = r;
    }
    return r;
  }

  function matchIn(scopeId: number, req: RouteRequest): MatchResult {
    return resultOf(winnerIn(scopeId, req));
  }

  function hostScope(host: string): number {
    if (hostless) return hosts.fallback;
    // Hosts usually arrive normalised already, and then one lookup does.
    const raw = hosts.exact.get(host);
    return raw !== undefined ? raw : lookupScope(hosts, normalizeHost(host));
  }

  function match(req: RouteRequest): MatchResult {
    return resultOf(winnerIn(hostScope(req.host), req));
  }

  function route(req: RouteRequest, random: Random): Decision {
    const first = match(req);
    if (first.rule < 0) {
      return { kind: "reject", code: "unimplemented", message: `no route for ${req.path}` };
    }
    const filters: Filters[] = [];
    const mirrors: MirrorTarget[] = [];
    let ruleId = first.rule;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const rule = table.rules[ruleId]!;
      const ref = table.routes[rule.route]!;
      if (rule.reject) return { kind: "reject", ...rule.reject, route: ref, rule: rule.index };
      const backendId = pickWeighted(rule, random);
      if (backendId < 0) {
        return {
          kind: "reject",
          code: "unavailable",
          message: "every backend of the matching rule has weight 0",
          route: ref,
          rule: rule.index,
        };
      }
      collect(rule.filters, filters, mirrors, random);
      const backend = table.backends[backendId]!;
      collect(backend.filters, filters, mirrors, random);
      if (backend.scope < 0) {
        return {
          kind: "forward",
          route: ref,
          rule: rule.index,
          ruleId,
          edgeRuleId: first.rule,
          backend: pickedBackend(table, backendId),
          filters,
          mirrors,
        };
      }
      // The backend is a Service with routes parented to it: those routes decide, and
      // traffic none of them matches goes to the Service itself.
      const next = matchIn(backend.scope, req);
      if (next.rule < 0) {
        const own = scopeAt(backend.scope).fallbackBackend;
        return {
          kind: "forward",
          route: ref,
          rule: rule.index,
          ruleId,
          edgeRuleId: first.rule,
          backend: pickedBackend(table, own),
          filters,
          mirrors,
        };
      }
      ruleId = next.rule;
    }
    return { kind: "reject", code: "unavailable", message: "too many Service hops" };
  }

  function collect(f: Filters, filters: Filters[], mirrors: MirrorTarget[], random: Random): void {
    if (f.request === undefined && f.response === undefined && f.mirrors === undefined) return;
    filters.push(f);
    for (const m of f.mirrors ?? []) {
      if (random() * m.denominator < m.numerator) mirrors.push({ backend: pickedBackend(table, m.backend) });
    }
  }

  return { table, match, matchFrom: matchIn, route, regexes: cands.regexes };
}

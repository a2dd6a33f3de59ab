import { RE2JS } from "re2js";
import type { Candidate, HeaderPredicate } from "../../table/types.ts";
import { compareSpecificity, covers, isWildcard } from "../resolve/hostnames.ts";
import type { GRPCRouteDoc, RouteMatch } from "../model.ts";
import { comparePrecedence, precedenceKey, serviceName, uniqueHeaderNames, type PrecedenceKey } from "./precedence.ts";
import type { TableBuilder } from "../emit/table-builder.ts";

/** One (rule, match) of a route, under one effective hostname, before ranking. */
export interface Seed {
  route: GRPCRouteDoc;
  /** Rule id in the table. */
  rule: number;
  ruleIndex: number;
  match: RouteMatch | undefined;
  matchIndex: number;
  key: PrecedenceKey;
}

/** What `explain` and the shadowing check need to know of each emitted candidate. */
export interface CandidateInfo {
  seed: Seed;
  scope: number;
}

/** Seeds of every rule of `route` for one hostname; a rule without matches matches everything. */
export function seedsFor(route: GRPCRouteDoc, hostname: string, ruleIds: readonly number[]): Seed[] {
  const out: Seed[] = [];
  route.spec.rules.forEach((rule, ruleIndex) => {
    const matches: (RouteMatch | undefined)[] = rule.matches.length === 0 ? [undefined] : rule.matches;
    matches.forEach((match, matchIndex) => {
      out.push({
        route,
        rule: ruleIds[ruleIndex]!,
        ruleIndex,
        match,
        matchIndex,
        key: precedenceKey(route, hostname, ruleIndex, match, matchIndex),
      });
    });
  });
  return out;
}

/**
 * Ranks the seeds of one scope and files each candidate under the lookup that finds it:
 * exact service/method, service only, method only, or the rest; then completes each exact
 * path's list with everything else that can match that path.
 */
export function fillScope(b: TableBuilder, scopeId: number, seeds: Seed[], info: CandidateInfo[]): void {
  const scope = b.table.scopes[scopeId]!;
  const sorted = [...seeds].sort((x, y) => comparePrecedence(x.key, y.key));
  sorted.forEach((seed, rank) => {
    const method = seed.match?.method;
    const regex = method?.type === "RegularExpression";
    const candidate: Candidate = {
      rank,
      rule: seed.rule,
      serviceRegex: regex && method.service !== undefined && method.service !== "" ? b.regex(method.service) : -1,
      methodRegex: regex && method.method !== undefined && method.method !== "" ? b.regex(method.method) : -1,
      headers: uniqueHeaderNames(seed.match).map((h): HeaderPredicate => {
        const isRegex = h.type === "RegularExpression";
        return { name: h.name.toLowerCase(), value: isRegex ? "" : h.value, regex: isRegex, regexId: isRegex ? b.regex(h.value) : -1 };
      }),
    };
    const id = b.candidate(candidate);
    info[id] = { seed, scope: scopeId };
    const svc = serviceName(method?.service);
    const m = method?.method ?? "";
    if (method === undefined || regex) scope.rest.push(id);
    else if (svc !== "" && m !== "") push(scope.exact, `/${svc}/${m}`, id);
    else if (svc !== "") push(scope.service, svc, id);
    else push(scope.method, m, id);
  });
  completeExactLists(b, scopeId);
}

/** Regex sources are compiled once per scope fill, not once per exact path. */
function completeExactLists(b: TableBuilder, scopeId: number): void {
  const scope = b.table.scopes[scopeId]!;
  const { candidates } = b.table;
  const compiled = new Map<number, RE2JS>();
  const re = (id: number): RE2JS => {
    let r = compiled.get(id);
    if (r === undefined) compiled.set(id, (r = RE2JS.compile(b.table.regexes[id]!)));
    return r;
  };
  for (const [path, own] of Object.entries(scope.exact)) {
    const slash = path.indexOf("/", 1);
    const svc = path.slice(1, slash);
    const m = path.slice(slash + 1);
    const rest = scope.rest.filter((id) => {
      const c = candidates[id]!;
      return (c.serviceRegex < 0 || re(c.serviceRegex).matches(svc)) && (c.methodRegex < 0 || re(c.methodRegex).matches(m));
    });
    const merged = [...own, ...(scope.service[svc] ?? []), ...(scope.method[m] ?? []), ...rest].sort(
      (x, y) => candidates[x]!.rank - candidates[y]!.rank,
    );
    // Nothing after a candidate without header predicates can ever be reached.
    const stop = merged.findIndex((id) => candidates[id]!.headers.length === 0);
    scope.exact[path] = stop < 0 ? merged : merged.slice(0, stop + 1);
  }
}

function push(map: Record<string, number[]>, k: string, id: number): void {
  (map[k] ??= []).push(id);
}

/**
 * Scopes for every listener hostname group: one per effective hostname, chained from the
 * most to the least specific hostname, and the host index that picks the first link.
 * Listener isolation: a host is served by the most specific listener hostname that
 * matches it, and only routes attached to listeners with that hostname can match.
 */
export function buildListenerScopes(b: TableBuilder, groups: Map<string, Map<string, Seed[]>>, info: CandidateInfo[]): void {
  const listenerHosts = [...groups.keys()].sort(compareSpecificity);
  const chainStart = new Map<string, Map<string, number>>();
  for (const lh of listenerHosts) {
    const byHost = groups.get(lh)!;
    const hosts = [...byHost.keys()].sort(compareSpecificity);
    const ids = new Map<string, number>();
    for (const h of hosts) ids.set(h, b.scope());
    for (const h of hosts) {
      const scopeId = ids.get(h)!;
      // The next link is the most specific other hostname of this group that covers h.
      const next = hosts.find((o) => o !== h && covers(o, h) && compareSpecificity(h, o) < 0);
      b.table.scopes[scopeId]!.next = next === undefined ? -1 : ids.get(next)!;
      fillScope(b, scopeId, byHost.get(h)!, info);
    }
    chainStart.set(lh, ids);
  }
  const keys = new Set<string>();
  for (const [lh, byHost] of groups) {
    keys.add(lh);
    for (const h of byHost.keys()) keys.add(h);
  }
  for (const k of [...keys].sort(compareSpecificity)) {
    const lh = listenerHosts.find((l) => covers(l, k));
    if (lh === undefined) continue;
    const ids = chainStart.get(lh)!;
    const first = [...ids.keys()].sort(compareSpecificity).find((h) => covers(h, k));
    const scopeId = first === undefined ? -1 : ids.get(first)!;
    if (k === "") b.table.hosts.fallback = scopeId;
    else if (isWildcard(k)) b.table.hosts.wildcard[k.slice(2)] = scopeId;
    else b.table.hosts.exact[k] = scopeId;
  }
}

import type { Candidate, RouteTable } from "../../table/types.ts";
import type { CandidateInfo } from "./scopes.ts";
import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import { serviceName } from "./precedence.ts";

/** Bounds the pairwise check on huge scopes; a warning is a courtesy, compile time is a promise. */
const MAX_COMPARISONS = 256;

/**
 * Warns about matches that can never win: a higher-precedence candidate in the same scope
 * matches every request they match (shadowed), or exactly the same requests (duplicate).
 * Only decidable pairs are compared: regexes are never assumed to cover anything.
 * A match is reported once, and only if it loses in every scope it appears in.
 */
export function reportShadowing(table: RouteTable, info: readonly CandidateInfo[], diagnostics: Diagnostic[]): void {
  const losses = new Map<string, { count: number; by: CandidateInfo; duplicate: boolean; first: CandidateInfo }>();
  const appearances = new Map<string, number>();
  info.forEach((x, id) => {
    const k = matchKey(x);
    appearances.set(k, (appearances.get(k) ?? 0) + 1);
    const winner = coveringWinner(table, info, id);
    if (winner === undefined) return;
    const prev = losses.get(k);
    if (prev) prev.count++;
    else losses.set(k, { count: 1, by: winner.by, duplicate: winner.duplicate, first: x });
  });
  for (const [k, loss] of losses) {
    if (loss.count < appearances.get(k)!) continue;
    const { seed } = loss.first;
    const route = seed.route;
    const path =
      seed.match === undefined ? ["spec", "rules", seed.ruleIndex] : ["spec", "rules", seed.ruleIndex, "matches", seed.matchIndex];
    const by = loss.by.seed;
    const byName = `${objectLabel("GRPCRoute", by.route.metadata.namespace, by.route.metadata.name)} spec.rules[${by.ruleIndex}]`;
    diagnostics.push({
      severity: "warning",
      pos: route.locate(path),
      object: objectLabel("GRPCRoute", route.metadata.namespace, route.metadata.name),
      path: formatPath(path),
      message: loss.duplicate
        ? `duplicate match: ${byName} has the same match and takes precedence, so this never matches`
        : `can never match: ${byName} matches every request this does and takes precedence`,
      fix: "remove it, or make it more specific than the rule that wins",
    });
  }
}

function matchKey(x: CandidateInfo): string {
  const s = x.seed;
  return `${s.route.metadata.namespace}/${s.route.metadata.name}#${s.ruleIndex}#${s.matchIndex}`;
}

function coveringWinner(
  table: RouteTable,
  info: readonly CandidateInfo[],
  id: number,
): { by: CandidateInfo; duplicate: boolean } | undefined {
  const x = table.candidates[id]!;
  if (x.serviceRegex >= 0 || x.methodRegex >= 0) return undefined;
  const me = info[id]!;
  const scope = table.scopes[me.scope]!;
  const method = me.seed.match?.method;
  const svc = serviceName(method?.service);
  const m = method?.method ?? "";
  const lists: (number[] | undefined)[] = [scope.rest];
  if (svc !== "" && m !== "") lists.push(scope.exact[`/${svc}/${m}`]);
  if (svc !== "") lists.push(scope.service[svc]);
  if (m !== "") lists.push(scope.method[m]);
  for (const list of lists) {
    if (list === undefined) continue;
    const limit = Math.min(list.length, MAX_COMPARISONS);
    for (let i = 0; i < limit; i++) {
      const yid = list[i]!;
      const y = table.candidates[yid]!;
      if (y.rank >= x.rank) break;
      if (y.serviceRegex >= 0 || y.methodRegex >= 0) continue;
      if (yid === id) continue;
      // A catch-all in `rest` covers any method; entries of the other lists cover x by construction.
      if (list === scope.rest && info[yid]!.seed.match?.method !== undefined) continue;
      if (!headersCover(y, x)) continue;
      const sameMethod = sameMethodMatch(info[yid]!, me);
      return { by: info[yid]!, duplicate: sameMethod && y.headers.length === x.headers.length };
    }
  }
  return undefined;
}

/** Every header predicate of `y` is also one of `x`'s, so `x` matching implies `y` matching. */
function headersCover(y: Candidate, x: Candidate): boolean {
  return y.headers.every((hy) =>
    x.headers.some((hx) => hx.name === hy.name && hx.regex === hy.regex && (hy.regex ? hx.regexId === hy.regexId : hx.value === hy.value)),
  );
}

function sameMethodMatch(a: CandidateInfo, b: CandidateInfo): boolean {
  const ma = a.seed.match?.method;
  const mb = b.seed.match?.method;
  return serviceName(ma?.service) === serviceName(mb?.service) && (ma?.method ?? "") === (mb?.method ?? "");
}

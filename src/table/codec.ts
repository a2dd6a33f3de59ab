import { TABLE_VERSION, type Candidate, type HeaderPredicate, type RouteTable, type Rule } from "./types.ts";

/**
 * The table as bytes: JSON, which workerd parses natively, with the two sections that
 * grow with every rule and match (candidates, rules) written as arrays instead of
 * objects. That keeps a 10,000-rule table near 1 MiB, and its size is cold-start time.
 * Determinism comes from the compiler's fixed order.
 *
 * candidate: [rank, rule, serviceRegex, methodRegex, ...(headerName, exactValue, regexId)]
 * rule:      [route, index, backends, cumulative, filters or 0, {reject, retry, timeoutMs, security, limits, idleTimeoutMs, name, exactRelay} or 0]
 */
type WireCandidate = (number | string)[];
type WireRule = [
  number,
  number,
  number[],
  number[],
  Rule["filters"] | 0,
  Pick<Rule, "reject" | "retry" | "timeoutMs" | "security" | "limits" | "idleTimeoutMs" | "name" | "exactRelay"> | 0,
];

interface WireTable extends Omit<RouteTable, "candidates" | "rules"> {
  candidates: WireCandidate[];
  rules: WireRule[];
}

export function serializeTable(table: RouteTable): string {
  const wire: WireTable = {
    ...table,
    candidates: table.candidates.map(candidateToWire),
    rules: table.rules.map(ruleToWire),
  };
  return JSON.stringify(wire);
}

/** Parses and checks the version, so an old table fails loudly at load, not oddly per request. */
export function parseTable(json: string): RouteTable {
  const value = JSON.parse(json) as { version?: unknown };
  if (value.version !== TABLE_VERSION) {
    throw new Error(`route table version ${String(value.version)} is not ${TABLE_VERSION}: recompile the routes`);
  }
  const wire = value as WireTable;
  return { ...wire, candidates: wire.candidates.map(candidateFromWire), rules: wire.rules.map(ruleFromWire) };
}

function candidateToWire(c: Candidate): WireCandidate {
  const out: WireCandidate = [c.rank, c.rule, c.serviceRegex, c.methodRegex];
  for (const h of c.headers) out.push(h.name, h.regex ? "" : h.value, h.regex ? h.regexId : -1);
  return out;
}

function candidateFromWire(w: WireCandidate): Candidate {
  const headers: HeaderPredicate[] = [];
  for (let i = 4; i + 2 < w.length; i += 3) {
    const regexId = w[i + 2] as number;
    headers.push({ name: w[i] as string, value: w[i + 1] as string, regex: regexId >= 0, regexId });
  }
  return { rank: w[0] as number, rule: w[1] as number, serviceRegex: w[2] as number, methodRegex: w[3] as number, headers };
}

function ruleToWire(r: Rule): WireRule {
  const empty = r.filters.request === undefined && r.filters.response === undefined && r.filters.mirrors === undefined;
  const extra: Pick<Rule, "reject" | "retry" | "timeoutMs" | "security" | "limits" | "idleTimeoutMs" | "name" | "exactRelay"> = {};
  if (r.reject !== undefined) extra.reject = r.reject;
  if (r.retry !== undefined) extra.retry = r.retry;
  if (r.timeoutMs !== undefined) extra.timeoutMs = r.timeoutMs;
  if (r.security !== undefined) extra.security = r.security;
  if (r.limits !== undefined) extra.limits = r.limits;
  if (r.name !== undefined) extra.name = r.name;
  if (r.idleTimeoutMs !== undefined) extra.idleTimeoutMs = r.idleTimeoutMs;
  if (r.exactRelay === true) extra.exactRelay = true;
  return [r.route, r.index, r.backends, r.cumulative, empty ? 0 : r.filters, Object.keys(extra).length === 0 ? 0 : extra];
}

function ruleFromWire(w: WireRule): Rule {
  const [route, index, backends, cumulative, filters, extra] = w;
  return { route, index, backends, cumulative, filters: filters === 0 ? {} : filters, ...(extra === 0 ? {} : extra) };
}

import type { CandidateInfo } from "../compiler/index.ts";
import { describeKey } from "../compiler/index.ts";
import type { Origin, RouteTable } from "../table/types.ts";
import { createMatcher, type Matcher } from "../runtime/matcher.ts";
import { backendWeight, pickedBackend } from "../runtime/pick.ts";
import type { RouteRequest } from "../runtime/types.ts";
import { decidePolicy, type DryRun, type PolicyDecision } from "./explain-policy.ts";

export interface ExplainRequest {
  host: string;
  path: string;
  headers: Record<string, string>;
}

export interface ExplainBackend {
  name: string;
  namespace: string;
  port: number;
  weight: number;
}

/** The `explain --json` answer, to the letter of its contract. */
export interface ExplainAnswer {
  status: "OK" | "UNIMPLEMENTED" | "UNAVAILABLE";
  route: string | null;
  rule: number | null;
  backends: ExplainBackend[];
  /** The winning rule's SecurityPolicy and the target that gave it; absent when it has none. */
  policy?: ExplainPolicy;
  /** What that policy would answer, with the dry run's credentials; absent without a policy or a call that reaches it. */
  decision?: PolicyDecision;
}

export interface ExplainPolicy {
  /** `SecurityPolicy namespace/name`. */
  name: string;
  /** E.g. `targets rule jwt of GRPCRoute default/secured`. */
  via: string;
}

export interface ExplainOptions {
  /** Table rule id → its policy, as the compiler says (`CompileResult.securityOf`). */
  securityOf?: ReadonlyMap<number, { policy: string; via: string }>;
  dryRun?: DryRun;
}

/** The answer plus what a person wants to see: why this rule, where each backend goes. */
export interface ExplainDetail extends ExplainAnswer {
  key?: string;
  match?: number;
  message?: string;
  origins: (Origin | null)[];
  invalid: (string | undefined)[];
}

interface Flat {
  backend: ExplainBackend;
  origin: Origin | null;
  invalid: string | undefined;
}

/** Matches the way the worker does (same table, same matcher) and flattens Service hops into final weights. */
export function createExplainer(
  table: RouteTable,
  info: readonly CandidateInfo[],
  options: ExplainOptions = {},
): (req: ExplainRequest) => ExplainDetail {
  const matcher = createMatcher(table);
  return (req) => {
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const rr: RouteRequest = { host: req.host, path: req.path, header: (n) => lower[n] ?? null };
    const m = matcher.match(rr);
    if (m.rule < 0) {
      return {
        status: "UNIMPLEMENTED",
        route: null,
        rule: null,
        backends: [],
        origins: [],
        invalid: [],
        message: `no route for ${req.path}`,
      };
    }
    const rule = table.rules[m.rule]!;
    const ref = table.routes[rule.route]!;
    const seed = info[m.candidate]?.seed;
    const known = options.securityOf?.get(m.rule);
    const row = rule.security === undefined ? undefined : table.security?.[rule.security];
    const policy = known !== undefined ? { name: known.policy, via: known.via } : undefined;
    const base = {
      route: `${ref.namespace}/${ref.name}`,
      rule: rule.index,
      ...(seed === undefined ? {} : { key: describeKey(seed.key), match: seed.matchIndex }),
      ...(policy === undefined ? {} : { policy }),
    };
    const flat = flatten(matcher, m.rule, rr, 0);
    if (flat === "unimplemented") {
      return { ...base, status: "UNIMPLEMENTED", backends: [], origins: [], invalid: [], message: rule.reject?.message ?? "" };
    }
    // The edge runs the policy once it has picked a backend, before looking for its origin:
    // a call it rejects while routing never gets that far.
    const decision = row === undefined || flat.length === 0 ? undefined : decidePolicy(row, req, options.dryRun ?? {}, matcher.regexes);
    const usable = flat.some((f) => f.origin !== null);
    return {
      ...base,
      status: usable ? "OK" : "UNAVAILABLE",
      backends: flat.map((f) => f.backend),
      origins: flat.map((f) => f.origin),
      invalid: flat.map((f) => f.invalid),
      ...(decision === undefined ? {} : { decision }),
      ...(usable ? {} : { message: flat.length === 0 ? "every backend has weight 0" : "no backend of the rule is valid" }),
    };
  };
}

/** The `explain --json` line: the contract's keys in their order, then `policy` and `decision` when there are any. */
export function answerJson(a: ExplainAnswer): string {
  return JSON.stringify({
    status: a.status,
    route: a.route,
    rule: a.rule,
    backends: a.backends,
    ...(a.policy === undefined ? {} : { policy: a.policy }),
    ...(a.decision === undefined ? {} : { decision: a.decision }),
  });
}

/**
 * The rule's final backends with integer weights in the right proportions. A backend that
 * is a Service with its own routes contributes that route's backends; with the least
 * common multiple of the sub-totals as the scale, a single hop keeps weights as written.
 */
function flatten(matcher: Matcher, ruleId: number, req: RouteRequest, depth: number): Flat[] | "unimplemented" {
  const table = matcher.table;
  const rule = table.rules[ruleId]!;
  if (rule.reject?.code === "unimplemented") return "unimplemented";
  if (rule.reject !== undefined || depth > 16) return [];
  const parts: { weight: number; sub: Flat[]; total: number }[] = [];
  rule.backends.forEach((id, i) => {
    const weight = backendWeight(rule, i);
    const b = table.backends[id]!;
    let sub: Flat[];
    if (b.scope < 0) sub = [flat(table, id, 1)];
    else {
      const next = matcher.matchFrom(b.scope, req);
      const inner = next.rule < 0 ? [flat(table, table.scopes[b.scope]!.fallbackBackend, 1)] : flatten(matcher, next.rule, req, depth + 1);
      sub = inner === "unimplemented" ? [] : inner;
    }
    const total = sub.reduce((s, f) => s + f.backend.weight, 0);
    if (total > 0) parts.push({ weight, sub, total });
  });
  const scale = parts.reduce((l, p) => lcm(l, p.total), 1);
  const merged = new Map<string, Flat>();
  for (const p of parts) {
    for (const f of p.sub) {
      const k = `${f.backend.namespace}/${f.backend.name}:${f.backend.port}`;
      const w = (p.weight * f.backend.weight * scale) / p.total;
      const prev = merged.get(k);
      if (prev) prev.backend.weight += w;
      else merged.set(k, { ...f, backend: { ...f.backend, weight: w } });
    }
  }
  return [...merged.values()];
}

function flat(table: RouteTable, id: number, weight: number): Flat {
  const { origin, invalid, ...name } = pickedBackend(table, id);
  return { backend: { ...name, weight }, origin, invalid };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

import type { LimitRuleRow, LimitSelectorRow, LimitValueMatch, LimitsRow, TableBindings } from "../../table/types.ts";
import type { BackendTrafficPolicyDoc, RateLimitRuleSpec, RateLimitUnit, RateLimitValueMatch } from "../model.ts";
import type { TableBuilder } from "./table-builder.ts";

const unitMs: Readonly<Record<RateLimitUnit, number>> = {
  Second: 1000,
  Minute: 60_000,
  Hour: 3_600_000,
  Day: 86_400_000,
  // Refused by the reader (fixed windows at the edge go up to Day); kept for completeness.
  Week: 604_800_000,
  Month: 2_592_000_000,
  Year: 31_536_000_000,
};

/** The Durable Object binding and class Global limits count in (exported by the worker). */
export const GLOBAL_LIMITER = { binding: "RATE_LIMITER", className: "RateLimiter" } as const;

/** The Workers rate-limiting binding for a Local limit of `requests` per minute: one per distinct limit. */
export function localBindingName(requests: number): string {
  return `RATE_LIMIT_${requests}_PER_MINUTE`;
}

function valueMatch(b: TableBuilder, m: RateLimitValueMatch): LimitValueMatch {
  const name = m.name.toLowerCase();
  if (m.type === "Distinct") return { name, match: "distinct" };
  if (m.type === "RegularExpression") return { name, match: "regex", regexId: b.regex(m.value ?? ""), invert: m.invert };
  return { name, match: "exact", value: m.value ?? "", invert: m.invert };
}

function ruleRow(b: TableBuilder, r: RateLimitRuleSpec, local: boolean): LimitRuleRow {
  const selectors = r.clientSelectors.map((s): LimitSelectorRow => {
    const out: LimitSelectorRow = {};
    if (s.headers.length > 0) out.headers = s.headers.map((h) => valueMatch(b, h));
    if (s.queryParams.length > 0) out.params = s.queryParams.map((q) => ({ ...valueMatch(b, q), name: q.name }));
    // Methods share one condition: any of them (or, inverted, none of them).
    if (s.methods.length > 0) out.methods = { values: s.methods.map((m) => m.value), invert: s.methods.every((m) => m.invert) };
    if (s.path !== undefined) {
      out.path =
        s.path.type === "RegularExpression"
          ? { type: "RegularExpression", regexId: b.regex(s.path.value), invert: s.path.invert }
          : { type: s.path.type, value: s.path.value, invert: s.path.invert };
    }
    if (s.sourceCIDR !== undefined)
      out.source = { cidr: s.sourceCIDR.value, distinct: s.sourceCIDR.type === "Distinct", invert: s.sourceCIDR.invert };
    return out;
  });
  const row: LimitRuleRow = {
    selectors,
    requests: r.limit.requests,
    windowMs: local ? unitMs.Minute : unitMs[r.limit.unit],
    shared: !local && r.shared,
    shadow: r.shadowMode,
    headers: !local && r.xRateLimitHeaders !== "Off",
  };
  if (local) row.binding = localBindingName(r.limit.requests);
  return row;
}

/** A BackendTrafficPolicy's rate limits as the table carries them; records the bindings they need. */
export function limitsRow(policy: BackendTrafficPolicyDoc, b: TableBuilder, bindings: TableBindings): LimitsRow | undefined {
  const rl = policy.spec.rateLimit;
  if (rl === undefined || (rl.local === undefined && rl.global === undefined)) return undefined;
  const row: LimitsRow = { policy: `${policy.metadata.namespace}/${policy.metadata.name}` };
  if (rl.local !== undefined && rl.local.rules.length > 0) {
    row.local = rl.local.rules.map((r) => ruleRow(b, r, true));
    for (const r of row.local) {
      if (r.requests === 0) continue;
      bindings.rateLimits ??= [];
      if (!bindings.rateLimits.some((x) => x.name === r.binding))
        bindings.rateLimits.push({ name: r.binding!, limit: r.requests, period: 60 });
    }
  }
  if (rl.global !== undefined && rl.global.rules.length > 0) {
    row.global = rl.global.rules.map((r) => ruleRow(b, r, false));
    bindings.globalLimiter = { ...GLOBAL_LIMITER };
  }
  return row;
}

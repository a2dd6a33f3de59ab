import { Code, ConnectError } from "../../protocol/index.ts";
import { cidrContains, parseCidr, parseIp, type CidrBlock } from "../../runtime/policy/cidr.ts";
import type { FullMatch } from "../../runtime/regex.ts";
import type { LimitRuleRow, LimitSelectorRow, LimitValueMatch, LimitsRow, RouteRef } from "../../table/types.ts";
import type { EdgeEnv } from "../env.ts";
import type { LimitCount } from "./rate-limiter.ts";

/**
 * BackendTrafficPolicy rate limits (https://gateway.envoyproxy.io/docs/api/extension_types/#ratelimit):
 * Local ones on the Workers rate-limiting binding (per location, approximate, no extra
 * latency), Global ones exact in a Durable Object per counter key (one round trip, and only
 * on rules that have one). Over a limit the call gets RESOURCE_EXHAUSTED, not Envoy's
 * UNAVAILABLE, which gRPC clients retry. A limiter that fails lets the call through with a
 * warning: an outage of the counter should not become an outage of the API.
 */

/** The part of the rate-limiting binding the edge uses (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/). */
interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

interface LimiterNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { hit(limit: number, windowMs: number): Promise<LimitCount> };
}

export interface LimitInput {
  route: RouteRef;
  rule: number;
  method: string;
  url: URL;
  headers: Headers;
  clientIp: string | undefined;
  env: EdgeEnv;
  regexes: readonly FullMatch[];
  limiterBinding: string | undefined;
}

const blocks = new Map<string, CidrBlock | undefined>();
const blockOf = (cidr: string): CidrBlock | undefined => {
  if (!blocks.has(cidr)) blocks.set(cidr, parseCidr(cidr));
  return blocks.get(cidr);
};

/**
 * Whether `m` holds, and the Distinct value it contributes to the key; undefined: the rule does not apply.
 * A value too long for its regex to run on (MAX_REGEX_INPUT) holds either way, so padding
 * a header cannot take a call out of a limit.
 */
function valueMatches(m: LimitValueMatch, value: string | null, regexes: readonly FullMatch[]): { distinct?: string } | undefined {
  if (m.match === "distinct") return value === null ? undefined : { distinct: `${m.name}=${value}` };
  const hit = value !== null && (m.match === "exact" ? value === m.value : regexes[m.regexId]!(value));
  if (hit === undefined) return {};
  return hit !== m.invert ? {} : undefined;
}

/** As valueMatches: a path (with its query) too long for the regex holds either way. */
function pathMatches(p: NonNullable<LimitSelectorRow["path"]>, path: string, regexes: readonly FullMatch[]): boolean {
  let hit: boolean;
  if (p.type === "RegularExpression") {
    const r = regexes[p.regexId]!(path);
    if (r === undefined) return true;
    hit = r;
  } else if (p.type === "Exact") hit = path === p.value;
  else {
    const base = p.value.endsWith("/") ? p.value.slice(0, -1) : p.value;
    const rest = path.startsWith(base) ? path.slice(base.length) : undefined;
    hit = rest !== undefined && (rest === "" || rest[0] === "/" || rest[0] === "?");
  }
  return hit !== p.invert;
}

/** The Distinct parts of the key when every selector holds, else undefined. */
function selects(rule: LimitRuleRow, input: LimitInput): string[] | undefined {
  const parts: string[] = [];
  for (const s of rule.selectors) {
    for (const h of s.headers ?? []) {
      const r = valueMatches(h, input.headers.get(h.name), input.regexes);
      if (r === undefined) return undefined;
      if (r.distinct !== undefined) parts.push(r.distinct);
    }
    for (const q of s.params ?? []) {
      const r = valueMatches(q, input.url.searchParams.get(q.name), input.regexes);
      if (r === undefined) return undefined;
      if (r.distinct !== undefined) parts.push(`?${r.distinct}`);
    }
    if (s.methods !== undefined && s.methods.values.includes(input.method) === s.methods.invert) return undefined;
    if (s.path !== undefined && !pathMatches(s.path, input.url.pathname + input.url.search, input.regexes)) return undefined;
    if (s.source !== undefined) {
      const ip = input.clientIp === undefined ? undefined : parseIp(input.clientIp);
      const block = blockOf(s.source.cidr);
      const inside = ip !== undefined && block !== undefined && cidrContains(block, ip);
      if (inside === s.source.invert) return undefined;
      if (s.source.distinct && input.clientIp !== undefined) parts.push(`ip=${input.clientIp}`);
    }
  }
  return parts;
}

function keyOf(row: LimitsRow, kind: "local" | "global", i: number, rule: LimitRuleRow, input: LimitInput, parts: string[]): string {
  const scope = rule.shared ? "" : `|${input.route.namespace}/${input.route.name}#${input.rule}`;
  return `${row.policy}|${kind}|${i}${scope}${parts.map((p) => `|${p}`).join("")}`;
}

export interface LimitOutcome {
  /** `x-ratelimit-*` headers for the answer (Global limits only). */
  headers?: Headers;
}

function limited(kind: "local" | "global", headers: Headers | undefined): ConnectError {
  const e = new ConnectError(kind === "local" ? "local_rate_limited" : "rate limited", Code.ResourceExhausted);
  headers?.forEach((v, k) => e.metadata.set(k, v));
  return e;
}

/** Count the call against every limit that applies; throws RESOURCE_EXHAUSTED when one is over. */
export async function enforceLimits(row: LimitsRow, input: LimitInput): Promise<LimitOutcome> {
  const out: LimitOutcome = {};
  if (row.local !== undefined) {
    // Envoy's Local default bucket (the rule without selectors) counts only calls no other rule selected.
    const selected = row.local.map((r) => (r.selectors.length === 0 ? undefined : selects(r, input)));
    const anySelected = selected.some((p) => p !== undefined);
    for (const [i, r] of row.local.entries()) {
      const parts = r.selectors.length === 0 ? (anySelected ? undefined : []) : selected[i];
      if (parts === undefined) continue;
      let ok = r.requests > 0;
      if (ok) {
        const binding = input.env[r.binding!] as RateLimitBinding | undefined;
        try {
          if (binding === undefined) throw new Error(`rate-limiting binding ${r.binding} is not bound`);
          ok = (await binding.limit({ key: keyOf(row, "local", i, r, input, parts) })).success;
        } catch (e) {
          console.warn(
            `grpcroute-edge: rate limit of ${row.policy} not checked, call let through: ${e instanceof Error ? e.message : String(e)}`,
          );
          ok = true;
        }
      }
      if (!ok && r.shadow) console.log(`grpcroute-edge: shadow rate limit of ${row.policy} would have limited this call`);
      else if (!ok) throw limited("local", undefined);
    }
  }
  if (row.global !== undefined) {
    const ns = input.limiterBinding === undefined ? undefined : (input.env[input.limiterBinding] as LimiterNamespace | undefined);
    let tightest: { rule: LimitRuleRow; count: LimitCount } | undefined;
    let over = false;
    const counts = row.global.map(async (r, i) => {
      const parts = selects(r, input);
      if (parts === undefined) return;
      let count: LimitCount;
      if (r.requests === 0) count = { allowed: false, remaining: 0, resetMs: r.windowMs - (Date.now() % r.windowMs) };
      else {
        try {
          if (ns === undefined) throw new Error(`Durable Object binding ${input.limiterBinding ?? "RATE_LIMITER"} is not bound`);
          count = await ns.get(ns.idFromName(keyOf(row, "global", i, r, input, parts))).hit(r.requests, r.windowMs);
        } catch (e) {
          console.warn(
            `grpcroute-edge: rate limit of ${row.policy} not checked, call let through: ${e instanceof Error ? e.message : String(e)}`,
          );
          return;
        }
      }
      if (!count.allowed && r.shadow) console.log(`grpcroute-edge: shadow rate limit of ${row.policy} would have limited this call`);
      else if (!count.allowed) over = true;
      if (r.headers && !r.shadow && (tightest === undefined || count.remaining < tightest.count.remaining)) tightest = { rule: r, count };
    });
    await Promise.all(counts);
    if (tightest !== undefined) {
      const { rule, count } = tightest;
      const seconds = Math.round(rule.windowMs / 1000);
      out.headers = new Headers({
        "x-ratelimit-limit": `${rule.requests}, ${rule.requests};w=${seconds}`,
        "x-ratelimit-remaining": String(count.remaining),
        "x-ratelimit-reset": String(Math.ceil(count.resetMs / 1000)),
      });
    }
    if (over) throw limited("global", out.headers);
  }
  return out;
}

import type { AuthorizationRow, AuthorizationRuleRow } from "../../table/types.ts";
import type { FullMatch } from "../regex.ts";
import { cidrContains, parseCidr, parseIp, type CidrBlock } from "./cidr.ts";
import { claimAt, scopesOf, type Claims } from "./claims.ts";

/** What an authorization rule can look at, gathered after the authentication stages. */
export interface AuthorizationInput {
  method: string;
  /** The request path with its query, as Envoy's `:path`. */
  path: string;
  /** A header by lower-case name, repeated values comma-joined; headers set by earlier stages count. */
  header(name: string): string | null;
  /** `cf-connecting-ip`; absent when unknown. */
  clientIp?: string;
  /** From `request.cf`. */
  geo: { country?: string; region?: string; city?: string; asn?: number };
  /** Verified payloads by provider name. */
  jwt: ReadonlyMap<string, Claims>;
}

export interface AuthorizationDecision {
  allow: boolean;
  /** The rule that decided, or undefined for the default action. */
  rule?: string;
}

const cidrCache = new WeakMap<AuthorizationRuleRow, CidrBlock[]>();

function blocks(rule: AuthorizationRuleRow): CidrBlock[] {
  let b = cidrCache.get(rule);
  if (b === undefined) {
    b = (rule.cidrs ?? []).flatMap((c) => parseCidr(c) ?? []);
    cidrCache.set(rule, b);
  }
  return b;
}

/**
 * Envoy Gateway's path forms over `:path`: the path, then nothing or a `?`, `#` or `;` part.
 * Undefined when the path is too long for its regex to run on (see MAX_REGEX_INPUT).
 */
function pathMatches(rule: NonNullable<AuthorizationRuleRow["path"]>, path: string, regexes: readonly FullMatch[]): boolean | undefined {
  let hit: boolean;
  if (rule.type === "RegularExpression") {
    const r = regexes[rule.regexId]!(path);
    if (r === undefined) return undefined;
    hit = r;
  } else {
    const base = rule.type === "PathPrefix" && rule.value.endsWith("/") ? rule.value.slice(0, -1) : rule.value;
    const rest = path.startsWith(base) ? path.slice(base.length) : undefined;
    const boundary = (c: string | undefined): boolean => c === undefined || c === "?" || c === "#" || c === ";";
    hit = rest !== undefined && (boundary(rest[0]) || (rule.type === "PathPrefix" && rest[0] === "/"));
  }
  return hit !== rule.invert;
}

function claimMatches(claims: Claims, c: { name: string; array: boolean; values: string[] }): boolean {
  const v = claimAt(claims, c.name);
  if (c.array) return Array.isArray(v) && v.some((x) => typeof x === "string" && c.values.includes(x));
  return typeof v === "string" && c.values.includes(v);
}

function headerMatches(value: string | null, values: readonly string[]): boolean {
  return value !== null && values.includes(value);
}

/** Whether every condition of `rule` holds; "unchecked" when its path regex could not run. */
function ruleMatches(rule: AuthorizationRuleRow, input: AuthorizationInput, regexes: readonly FullMatch[]): boolean | "unchecked" {
  if (rule.methods !== undefined && !rule.methods.includes(input.method)) return false;
  if (rule.path !== undefined) {
    const hit = pathMatches(rule.path, input.path, regexes);
    if (hit === undefined) return "unchecked";
    if (!hit) return false;
  }
  if (rule.cidrs !== undefined) {
    const ip = input.clientIp === undefined ? undefined : parseIp(input.clientIp);
    if (ip === undefined || !blocks(rule).some((b) => cidrContains(b, ip))) return false;
  }
  if (rule.jwt !== undefined) {
    const claims = input.jwt.get(rule.jwt.provider);
    if (claims === undefined) return false;
    const scopes = scopesOf(claims);
    if (!rule.jwt.scopes.every((s) => scopes.has(s))) return false;
    if (!rule.jwt.claims.every((c) => claimMatches(claims, c))) return false;
  }
  if (rule.headers !== undefined && !rule.headers.every((h) => headerMatches(input.header(h.name), h.values))) return false;
  if (rule.geo !== undefined) {
    const g = input.geo;
    const lower = (s: string | undefined): string | undefined => s?.toLowerCase();
    const hit = rule.geo.some(
      (e) =>
        (e.country === undefined || e.country === g.country?.toUpperCase()) &&
        (e.region === undefined || e.region === lower(g.region)) &&
        (e.city === undefined || e.city === lower(g.city)) &&
        (e.asn === undefined || e.asn === g.asn),
    );
    if (!hit) return false;
  }
  return true;
}

/**
 * Envoy Gateway's authorization: rules in order, the first whose conditions all hold decides; else the default.
 * A path too long for a rule's regex to run on is denied at that rule: calling it a
 * non-match would let a padded query skip a deny rule (or pass an inverted allow rule).
 */
export function authorize(row: AuthorizationRow, input: AuthorizationInput, regexes: readonly FullMatch[]): AuthorizationDecision {
  for (const rule of row.rules) {
    const hit = ruleMatches(rule, input, regexes);
    if (hit === "unchecked") return { allow: false, rule: rule.name };
    if (hit) return { allow: rule.allow, rule: rule.name };
  }
  return { allow: row.defaultAllow };
}

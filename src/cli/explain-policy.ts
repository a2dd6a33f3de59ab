import { authorize, type AuthorizationInput } from "../runtime/policy/authorization.ts";
import { parseIp } from "../runtime/policy/cidr.ts";
import { claimAt, claimHeaderValue, type Claims } from "../runtime/policy/claims.ts";
import type { FullMatch } from "../runtime/regex.ts";
import type { SecurityRow } from "../table/types.ts";
import { UsageError } from "./usage.ts";

/**
 * What `explain` assumes about a call it cannot see: credentials taken as valid (explain has
 * no keys, secrets or JWKS to check real ones against) and what Cloudflare would know.
 */
export interface DryRun {
  jwtClaims?: Claims;
  clientIp?: string;
  country?: string;
  apiKeyClient?: string;
}

/** The `decision` of `explain`: what the worker's SecurityPolicy stages would answer. */
export interface PolicyDecision {
  allow: boolean;
  code: "OK" | "UNAUTHENTICATED" | "PERMISSION_DENIED";
  rule?: string;
  reason: string;
}

export interface DryRunFlags {
  "jwt-claims"?: string | undefined;
  "client-ip"?: string | undefined;
  country?: string | undefined;
  "api-key-client"?: string | undefined;
}

/** The dry-run flags, checked: a value the edge could never see is a usage error, not a deny. */
export function parseDryRunFlags(values: DryRunFlags): DryRun {
  const out: DryRun = {};
  const claims = values["jwt-claims"];
  if (claims !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(claims);
    } catch {
      throw new UsageError(`--jwt-claims ${JSON.stringify(claims)}: not JSON; expected an object like '{"sub":"alice","scope":"read"}'`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new UsageError(`--jwt-claims: expected a JSON object of claims, not ${JSON.stringify(v)}`);
    out.jwtClaims = v as Claims;
  }
  const ip = values["client-ip"];
  if (ip !== undefined) {
    if (parseIp(ip) === undefined) throw new UsageError(`--client-ip ${JSON.stringify(ip)}: not an IPv4 or IPv6 address`);
    out.clientIp = ip;
  }
  const country = values.country;
  if (country !== undefined) {
    if (!/^[A-Za-z]{2}$/.test(country))
      throw new UsageError(`--country ${JSON.stringify(country)}: expected a two-letter country code like CH`);
    out.country = country.toUpperCase();
  }
  const client = values["api-key-client"];
  if (client !== undefined) {
    if (client === "") throw new UsageError("--api-key-client: expected a client id, the key's name in the API key Secret");
    out.apiKeyClient = client;
  }
  return out;
}

const unauthenticated = (reason: string): PolicyDecision => ({ allow: false, code: "UNAUTHENTICATED", reason });

/**
 * The worker's stages in its order (API key, Basic, JWT, authorization) with the credentials
 * the dry run assumes; the authorization rules themselves are the runtime's `authorize`.
 * gRPC-web and Connect calls are POSTs, so that is the method rules see.
 */
export function decidePolicy(
  row: SecurityRow,
  req: { path: string; headers: Readonly<Record<string, string>> },
  dry: DryRun,
  regexes: readonly FullMatch[],
): PolicyDecision {
  const headers = new Map(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (row.apiKey !== undefined) {
    if (dry.apiKeyClient === undefined) return unauthenticated("no API key");
    if (row.apiKey.sanitize) for (const s of row.apiKey.sources) if (s.from === "header") headers.delete(s.name);
    if (row.apiKey.forwardClientIdHeader !== undefined) headers.set(row.apiKey.forwardClientIdHeader, dry.apiKeyClient);
  }
  if (row.basic !== undefined) return unauthenticated("no Basic credentials");
  let claims = new Map<string, Claims>();
  if (row.jwt !== undefined) {
    // As on the edge: a client can never assert a header that a claim sets.
    for (const p of row.jwt.providers) for (const c of p.claimToHeaders) headers.delete(c.header);
    if (dry.jwtClaims !== undefined) {
      const given = dry.jwtClaims;
      claims = new Map(row.jwt.providers.map((p) => [p.name, given]));
      for (const p of row.jwt.providers)
        for (const c of p.claimToHeaders) {
          const v = claimHeaderValue(claimAt(given, c.claim));
          if (v !== undefined && !headers.has(c.header)) headers.set(c.header, v);
        }
    } else if (!row.jwt.optional && !row.jwt.failOpen) return unauthenticated("no JWT");
  }
  if (row.authorization === undefined) return { allow: true, code: "OK", reason: "authenticated; the policy has no authorization rules" };
  const input: AuthorizationInput = {
    method: "POST",
    path: req.path,
    header: (name) => headers.get(name) ?? null,
    geo: dry.country === undefined ? {} : { country: dry.country },
    jwt: claims,
  };
  const ip = dry.clientIp ?? headers.get("cf-connecting-ip");
  if (ip !== undefined) input.clientIp = ip;
  const d = authorize(row.authorization, input, regexes);
  const code = d.allow ? "OK" : "PERMISSION_DENIED";
  if (d.rule !== undefined) return { allow: d.allow, code, rule: d.rule, reason: `authorization rule ${d.rule}` };
  return { allow: d.allow, code, reason: `default action ${row.authorization.defaultAllow ? "Allow" : "Deny"}` };
}

/** `allow (authorization rule admins)`, `deny (UNAUTHENTICATED: no JWT)`. */
export function decisionText(d: PolicyDecision): string {
  return `${d.allow ? "allow" : "deny"} (${d.code === "OK" ? d.reason : `${d.code}: ${d.reason}`})`;
}

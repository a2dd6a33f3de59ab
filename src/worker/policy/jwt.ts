import { compactVerify, decodeJwt, decodeProtectedHeader, errors, type JWTPayload } from "jose";
import { Code, ConnectError } from "../../protocol/index.ts";
import { claimAt, claimHeaderValue, type Claims, normalizeAudience } from "../../runtime/policy/claims.ts";
import type { JwtProviderRow, JwtRow } from "../../table/types.ts";
import { credentialsAt } from "./credentials.ts";
import { keySet } from "./jwks.ts";

/**
 * JWT authentication as Envoy's jwt_authn does it, in its order (shape and algorithm, issuer,
 * time, audience, then the signature), so a forged token with a wrong audience is refused
 * for its audience. WebCrypto through jose does the signature; the checks before it are ours
 * because Envoy's differ from jose's (a 60 s skew, audiences compared without scheme and
 * trailing slash).
 */

/** Asymmetric algorithms only: a key set is public, so an HMAC "key" from it would be a forgery's. */
const algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
const skewSeconds = 60;

type Failure = { kind: "invalid" | "audience" | "unavailable"; message: string };

function shapeProblem(p: JWTPayload): string | undefined {
  for (const name of ["iss", "sub", "jti"] as const)
    if (p[name] !== undefined && typeof p[name] !== "string") return `Jwt ${name} is not a string`;
  for (const name of ["iat", "nbf", "exp"] as const)
    if (p[name] !== undefined && !Number.isInteger(p[name])) return `Jwt ${name} is not an integer`;
  const aud = p.aud;
  if (aud !== undefined && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((a) => typeof a === "string")))
    return "Jwt aud is not a string or a list of strings";
  return undefined;
}

/** Verify one token for one provider: its claims, or why not. */
async function verifyToken(provider: JwtProviderRow, token: string, nowSeconds: number): Promise<{ claims: Claims } | Failure> {
  let alg: string | undefined;
  let payload: JWTPayload;
  try {
    alg = decodeProtectedHeader(token).alg;
    payload = decodeJwt(token);
  } catch {
    return { kind: "invalid", message: "Jwt is not in the form of Header.Payload.Signature with base64url JSON" };
  }
  if (alg === undefined || !algorithms.includes(alg)) return { kind: "invalid", message: "Jwt verification fails: algorithm not accepted" };
  const shape = shapeProblem(payload);
  if (shape !== undefined) return { kind: "invalid", message: shape };
  if (provider.issuer !== undefined && payload.iss !== provider.issuer) return { kind: "invalid", message: "Jwt issuer is not configured" };
  if (payload.nbf !== undefined && payload.nbf > nowSeconds + skewSeconds) return { kind: "invalid", message: "Jwt not yet valid" };
  if (payload.exp !== undefined && nowSeconds > payload.exp + skewSeconds) return { kind: "invalid", message: "Jwt is expired" };
  if (provider.audiences !== undefined) {
    const auds = payload.aud === undefined ? [] : typeof payload.aud === "string" ? [payload.aud] : payload.aud;
    if (!auds.some((a) => provider.audiences!.includes(normalizeAudience(a))))
      return { kind: "audience", message: "Audiences in Jwt are not allowed" };
  }
  for (const refresh of [false, true]) {
    let keys: Awaited<ReturnType<typeof keySet>>;
    try {
      keys = await keySet(provider.jwks, refresh);
    } catch {
      return { kind: "unavailable", message: "Jwks remote fetch is failed" };
    }
    if (keys === undefined) break;
    try {
      await compactVerify(token, keys, { algorithms });
      return { claims: payload as Claims };
    } catch (e) {
      // An unknown kid may be a rotated key: one refetch, at most once per failedRefetchDuration.
      if (e instanceof errors.JWKSNoMatchingKey && !refresh) continue;
      if (e instanceof errors.JWKSNoMatchingKey) break;
      return { kind: "invalid", message: "Jwt verification fails" };
    }
  }
  return { kind: "invalid", message: "Jwks doesn't have key to match kid or alg from Jwt" };
}

export interface JwtOutcome {
  /** Verified payloads by provider name (at most the first provider that accepted). */
  claims: Map<string, Claims>;
}

/**
 * Any provider accepting every token found at its sources authenticates the call; no token
 * anywhere is "missing". Headers named in claimToHeaders are removed first, so a client can
 * never assert them, then set from the accepted token's claims.
 */
export async function checkJwt(row: JwtRow, headers: Headers, url: URL, realm: string, now = Date.now()): Promise<JwtOutcome> {
  for (const p of row.providers) for (const c of p.claimToHeaders) headers.delete(c.header);
  const nowSeconds = Math.floor(now / 1000);
  let found = false;
  let last: Failure | undefined;
  for (const p of row.providers) {
    const tokens = p.sources.flatMap((s) => credentialsAt(s, headers, url));
    if (tokens.length === 0) continue;
    found = true;
    let claims: Claims | undefined;
    for (const t of tokens) {
      const r = await verifyToken(p, t, nowSeconds);
      if ("kind" in r) {
        last = r;
        claims = undefined;
        break;
      }
      claims = r.claims;
    }
    if (claims === undefined) continue;
    for (const c of p.claimToHeaders) {
      const v = claimHeaderValue(claimAt(claims, c.claim));
      if (v !== undefined) headers.append(c.header, v);
    }
    return { claims: new Map([[p.name, claims]]) };
  }
  if (row.failOpen || (!found && row.optional)) return { claims: new Map() };
  const challenge = `Bearer realm="${realm}"`;
  if (!found) {
    const e = new ConnectError("Jwt is missing", Code.Unauthenticated);
    e.metadata.set("www-authenticate", challenge);
    throw e;
  }
  const f = last!;
  const code = f.kind === "audience" ? Code.PermissionDenied : f.kind === "unavailable" ? Code.Unavailable : Code.Unauthenticated;
  const e = new ConnectError(f.message, code);
  if (f.kind !== "unavailable") e.metadata.set("www-authenticate", `${challenge}, error="invalid_token"`);
  throw e;
}

import type { ConnectError } from "../../protocol/index.ts";
import { authorize, type AuthorizationInput } from "../../runtime/policy/authorization.ts";
import type { Claims } from "../../runtime/policy/claims.ts";
import type { FullMatch } from "../../runtime/regex.ts";
import { Code, ConnectError as EdgeError } from "../../protocol/index.ts";
import type { SecurityRow } from "../../table/types.ts";
import type { EdgeEnv } from "../env.ts";
import { checkApiKey } from "./api-key.ts";
import { checkBasic } from "./basic-auth.ts";
import { checkJwt } from "./jwt.ts";

/** What the security stage hands on: the headers and URL the origin gets, and who the caller is. */
export interface Authenticated {
  headers: Headers;
  url: URL;
  claims: ReadonlyMap<string, Claims>;
  clientId?: string;
  user?: string;
}

/** The part of `request.cf` the geo rules read (https://developers.cloudflare.com/workers/runtime-apis/request/#incomingrequestcfproperties). */
export interface CfGeo {
  country?: string;
  regionCode?: string;
  city?: string;
  asn?: number;
}

/** The realm of a challenge: scheme, host and path of the request, cut at 256 characters as Envoy does. */
function realmOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`.slice(0, 256).replace(/"/g, "%22");
}

/**
 * Envoy Gateway's SecurityPolicy stages in its order: API key, Basic, JWT, authorization.
 * Throws the caller's error (UNAUTHENTICATED with a challenge, PERMISSION_DENIED, or
 * INTERNAL for a misconfigured secret); a denied call goes no further.
 */
export async function enforceSecurity(
  row: SecurityRow,
  request: Request,
  url: URL,
  env: EdgeEnv,
  regexes: readonly FullMatch[],
): Promise<Authenticated> {
  const headers = new Headers(request.headers);
  const out: Authenticated = { headers, url: new URL(url), claims: new Map() };
  const realm = realmOf(url);
  if (row.apiKey !== undefined) out.clientId = await checkApiKey(row.apiKey, env, headers, out.url);
  if (row.basic !== undefined) out.user = await checkBasic(row.basic, env, headers, realm);
  if (row.jwt !== undefined) out.claims = (await checkJwt(row.jwt, headers, out.url, realm)).claims;
  if (row.authorization !== undefined) {
    const cf = (request as { cf?: CfGeo }).cf ?? {};
    const input: AuthorizationInput = {
      method: request.method,
      path: url.pathname + url.search,
      header: (name) => headers.get(name),
      geo: { country: cf.country, region: cf.regionCode, city: cf.city, asn: cf.asn },
      jwt: out.claims,
    };
    const ip = request.headers.get("cf-connecting-ip");
    if (ip !== null) input.clientIp = ip;
    const decision = authorize(row.authorization, input, regexes);
    if (!decision.allow) throw denied();
  }
  return out;
}

function denied(): ConnectError {
  return new EdgeError("RBAC: access denied", Code.PermissionDenied);
}

import type { ApiKeyAuthSpec, ApiKeySource, BasicAuthSpec, FieldPath, SecurityPolicySpec } from "../model.ts";
import { HEADER_NAME } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readHeaderName } from "./fields.ts";
import { providerNames, readJwt } from "./jwt-provider.ts";
import {
  checkMergeType,
  readBool,
  readPolicyTargets,
  readSecretRef,
  readStringList,
  refuse,
  TARGET_REFUSALS,
  type TargetRules,
} from "./policy-fields.ts";
import { field, readList, readObject, required, type Obj } from "./read.ts";
import { readAuthorization } from "./security-policy-authz.ts";

// Envoy Gateway's SecurityPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#securitypolicy):
// the CRD schema and CEL rules, the checks Envoy Gateway makes at translation, and a refusal,
// naming the field, for everything the Worker cannot enforce.

const SPEC_FIELDS = [
  "targetRef",
  "targetRefs",
  "targetSelectors",
  "mergeType",
  "jwt",
  "apiKeyAuth",
  "basicAuth",
  "authorization",
  "oidc",
  "extAuth",
  "cors",
  "csrf",
];
/** The CRD's CEL rules on targets and `mergeType`. */
const TARGETS: TargetRules = {
  kinds: ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TCPRoute"],
  routeKinds: ["HTTPRoute", "GRPCRoute", "TCPRoute"],
  mergeTypeOwner: "SecurityPolicy",
};

/** Refused features: each would change who gets in, or what is answered, in a way the Worker cannot reproduce. */
const REFUSED: readonly [field: string, why: string, fix: string][] = [
  [
    "oidc",
    "the edge runs no browser login flow (redirects, session cookies, a token endpoint)",
    "authenticate with jwt (e.g. Cloudflare Access tokens) instead",
  ],
  [
    "extAuth",
    "the edge makes no per-request call to an external authorization service",
    "remove extAuth; use jwt, apiKeyAuth or basicAuth",
  ],
  [
    "cors",
    "the Worker answers CORS preflights from its ALLOWED_ORIGINS variable, for every route alike",
    "remove cors and list the origins in ALLOWED_ORIGINS in wrangler.toml",
  ],
  [
    "csrf",
    "every gRPC-web and Connect call is a POST, so an origin check on unsafe methods would apply to all of them",
    "remove csrf; restrict browser origins with ALLOWED_ORIGINS",
  ],
  ...TARGET_REFUSALS,
];

function readApiKeySources(ck: Checker, v: unknown, path: FieldPath): ApiKeySource[] {
  const out: ApiKeySource[] = [];
  (readList(ck, v, path, { min: 1 }) ?? []).forEach((item, i) => {
    const p = [...path, i];
    const e = readObject(ck, item, p, { known: ["headers", "params", "cookies"] });
    if (e === undefined) return;
    const set = ["headers", "params", "cookies"].filter((k) => field(e, k) !== undefined);
    if (set.length !== 1) {
      ck.error(
        p,
        "exactly one of headers, params, or cookies must be specified",
        set.length === 0 ? "add headers: [x-api-key]" : "split it into one extractFrom entry per list",
      );
    }
    const names = { min: 1 };
    // The schema only asks for a non-empty header name; the Worker's Headers API throws on one that is no HTTP token.
    const header = { min: 1, pattern: HEADER_NAME, what: "header name", fix: "use an HTTP header name such as x-api-key" };
    out.push({
      headers: readStringList(ck, field(e, "headers"), [...p, "headers"], names, header),
      params: readStringList(ck, field(e, "params"), [...p, "params"], names, names),
      cookies: readStringList(ck, field(e, "cookies"), [...p, "cookies"], names, names),
    });
  });
  return out;
}

function readApiKeyAuth(ck: Checker, v: unknown, path: FieldPath, namespace: string): ApiKeyAuthSpec | undefined {
  const a = readObject(ck, v, path, { known: ["credentialRefs", "extractFrom", "forwardClientIDHeader", "sanitize"] });
  if (a === undefined) return undefined;
  const refsPath = [...path, "credentialRefs"];
  const refs = readList(ck, required(ck, a, "credentialRefs", path, "add credentialRefs: [{name: <Secret name>}]"), refsPath) ?? [];
  if (Array.isArray(field(a, "credentialRefs")) && refs.length === 0) {
    ck.warn(
      refsPath,
      "credentialRefs is empty, so no API key is valid and every call is refused",
      "list the Secrets that hold the client IDs and keys",
    );
  }
  const out: ApiKeyAuthSpec = {
    credentialRefs: refs.flatMap((r, i) => readSecretRef(ck, r, [...refsPath, i], namespace) ?? []),
    extractFrom: readApiKeySources(ck, field(a, "extractFrom"), [...path, "extractFrom"]),
    sanitize: readBool(ck, field(a, "sanitize"), [...path, "sanitize"]) ?? false,
  };
  const header = readHeaderName(ck, field(a, "forwardClientIDHeader"), [...path, "forwardClientIDHeader"]);
  if (header !== undefined) out.forwardClientIDHeader = header;
  return out;
}

function readBasicAuth(ck: Checker, v: unknown, path: FieldPath, namespace: string): BasicAuthSpec | undefined {
  const b = readObject(ck, v, path, { known: ["users", "forwardUsernameHeader"] });
  if (b === undefined) return undefined;
  const users = readSecretRef(
    ck,
    required(ck, b, "users", path, "add users: {name: <Secret with .htpasswd>}"),
    [...path, "users"],
    namespace,
  );
  const header = readHeaderName(ck, field(b, "forwardUsernameHeader"), [...path, "forwardUsernameHeader"]);
  if (users === undefined) return undefined;
  return header === undefined ? { users } : { users, forwardUsernameHeader: header };
}

/**
 * Validates a SecurityPolicy's `spec` and returns it with the CRD's and Envoy Gateway's
 * defaults applied. Targets the edge does not serve are dropped with a warning.
 */
export function readSecurityPolicySpec(ck: Checker, raw: Obj, namespace: string): SecurityPolicySpec {
  const out: SecurityPolicySpec = { targetRefs: [], deprecatedTargetRef: false };
  const spec = readObject(
    ck,
    required(ck, raw, "spec", [], "add spec with targetRefs and jwt, apiKeyAuth, basicAuth or authorization"),
    ["spec"],
    {
      known: SPEC_FIELDS,
    },
  );
  if (spec === undefined) return out;
  readPolicyTargets(ck, spec, TARGETS, out);
  for (const [key, why, fix] of REFUSED) {
    const v = field(spec, key);
    // An empty selector list selects nothing and changes nothing.
    if (!(Array.isArray(v) && v.length === 0)) refuse(ck, spec, key, ["spec"], why, fix);
  }
  checkMergeType(ck, spec, TARGETS);
  const jwt = readJwt(ck, field(spec, "jwt"), ["spec", "jwt"]);
  if (jwt !== undefined) out.jwt = jwt;
  const apiKeyAuth = readApiKeyAuth(ck, field(spec, "apiKeyAuth"), ["spec", "apiKeyAuth"], namespace);
  if (apiKeyAuth !== undefined) out.apiKeyAuth = apiKeyAuth;
  const basicAuth = readBasicAuth(ck, field(spec, "basicAuth"), ["spec", "basicAuth"], namespace);
  if (basicAuth !== undefined) out.basicAuth = basicAuth;
  const jwtContext = { defined: field(spec, "jwt") !== undefined, providers: providerNames(field(spec, "jwt")) };
  const authorization = readAuthorization(ck, field(spec, "authorization"), ["spec", "authorization"], jwtContext);
  if (authorization !== undefined) out.authorization = authorization;
  return out;
}

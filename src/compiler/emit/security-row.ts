import type { AuthorizationRuleRow, CredentialSource, JsonWebKeyRow, JwtProviderRow, SecurityRow } from "../../table/types.ts";
import { normalizeAudience } from "../../runtime/policy/claims.ts";
import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import type { ApiKeySource, JwtProviderSpec, SecretRef, SecurityPolicyDoc } from "../model.ts";
import { key, type ResourceIndex } from "../resolve/index-resources.ts";
import { workerSecretName } from "../resolve/secret-names.ts";
import type { TableBuilder } from "./table-builder.ts";

/** A Worker secret a table reads, and which Secret it stands for (for `check`'s output). */
export interface SecretUse {
  secret: string;
  from: string;
  policy: string;
  purpose: "apiKeyAuth" | "basicAuth";
}

/** Envoy's extractor with no `extractFrom`: `Authorization: Bearer …` and `?access_token=`. */
const defaultTokenSources: CredentialSource[] = [
  { from: "header", name: "authorization", prefix: "Bearer " },
  { from: "param", name: "access_token" },
];

/** The only members a public JWK needs; anything else (a private `d`, say) stays out of the bundle. */
const publicJwkMembers = ["kty", "kid", "use", "alg", "key_ops", "n", "e", "crv", "x", "y", "x5c", "x5t", "x5t#S256"];

function publicKeys(jwks: unknown): JsonWebKeyRow[] | undefined {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) return undefined;
  return ((jwks as { keys: unknown[] }).keys as Record<string, unknown>[]).map((k) => {
    const out: JsonWebKeyRow = {};
    for (const m of publicJwkMembers) if (k[m] !== undefined) out[m] = k[m] as JsonWebKeyRow[string];
    return out;
  });
}

/**
 * One SecurityPolicy as the table carries it. References are resolved here: Secrets become
 * Worker secret names (a cross-namespace one needs a ReferenceGrant), a ConfigMap JWKS is
 * inlined, regexes are interned. Problems are errors at the policy's field.
 */
export function securityRow(
  policy: SecurityPolicyDoc,
  index: ResourceIndex,
  b: TableBuilder,
  diagnostics: Diagnostic[],
  secrets: SecretUse[],
): SecurityRow {
  const ns = policy.metadata.namespace;
  const label = objectLabel("SecurityPolicy", ns, policy.metadata.name);
  const spec = policy.spec;
  const error = (path: (string | number)[], message: string, fix: string): void => {
    diagnostics.push({ severity: "error", pos: policy.locate(path), object: label, path: formatPath(path), message, fix });
  };
  const secretOf = (ref: SecretRef, path: (string | number)[], purpose: SecretUse["purpose"]): string => {
    if (ref.namespace !== ns && !grantedSecret(index, ns, ref)) {
      error(
        [...path, "namespace"],
        `Secret ${key(ref.namespace, ref.name)} is in another namespace and no ReferenceGrant there allows SecurityPolicies from ${ns} to use it`,
        `add a ReferenceGrant in ${ref.namespace} from group gateway.networking.k8s.io kind SecurityPolicy namespace ${ns} to kind Secret`,
      );
    }
    const secret = workerSecretName(ref.namespace, ref.name);
    secrets.push({ secret, from: `Secret ${key(ref.namespace, ref.name)}`, policy: label, purpose });
    return secret;
  };
  const row: SecurityRow = { policy: key(ns, policy.metadata.name) };

  if (spec.apiKeyAuth !== undefined) {
    const a = spec.apiKeyAuth;
    row.apiKey = {
      secrets: a.credentialRefs.map((r, i) => secretOf(r, ["spec", "apiKeyAuth", "credentialRefs", i], "apiKeyAuth")),
      sources: a.extractFrom.flatMap(apiKeySources),
      sanitize: a.sanitize,
    };
    if (a.forwardClientIDHeader !== undefined) row.apiKey.forwardClientIdHeader = a.forwardClientIDHeader.toLowerCase();
  }
  if (spec.basicAuth !== undefined) {
    row.basic = { secret: secretOf(spec.basicAuth.users, ["spec", "basicAuth", "users"], "basicAuth") };
    if (spec.basicAuth.forwardUsernameHeader !== undefined)
      row.basic.forwardUsernameHeader = spec.basicAuth.forwardUsernameHeader.toLowerCase();
  }
  if (spec.jwt !== undefined) {
    row.jwt = {
      optional: spec.jwt.optional,
      failOpen: spec.jwt.failOpen,
      providers: spec.jwt.providers.map((p, i) => providerRow(p, ["spec", "jwt", "providers", i], ns, index, error)),
    };
  }
  if (spec.authorization !== undefined) {
    const z = spec.authorization;
    row.authorization = {
      defaultAllow: z.defaultAction === "Allow",
      rules: z.rules.map((r, i): AuthorizationRuleRow => {
        const out: AuthorizationRuleRow = {
          name: r.name ?? `securitypolicy/${ns}/${policy.metadata.name}/authorization/rule/${i}`,
          allow: r.action === "Allow",
        };
        const pr = r.principal;
        if (pr.clientCIDRs.length > 0) out.cidrs = pr.clientCIDRs;
        if (pr.jwt !== undefined) {
          out.jwt = {
            provider: pr.jwt.provider,
            claims: pr.jwt.claims.map((c) => ({ name: c.name, array: c.valueType === "StringArray", values: c.values })),
            scopes: pr.jwt.scopes,
          };
        }
        if (pr.headers.length > 0) out.headers = pr.headers.map((h) => ({ name: h.name.toLowerCase(), values: h.values }));
        if (pr.clientIPGeoLocations.length > 0) {
          out.geo = pr.clientIPGeoLocations.map((g) => {
            const e: NonNullable<AuthorizationRuleRow["geo"]>[number] = {};
            if (g.country !== undefined) e.country = g.country.toUpperCase();
            if (g.region !== undefined) e.region = g.region.toLowerCase();
            if (g.city !== undefined) e.city = g.city.toLowerCase();
            if (g.asn !== undefined) e.asn = g.asn;
            return e;
          });
        }
        const op = r.operation;
        if (op !== undefined && op.methods.length > 0) out.methods = op.methods;
        if (op?.path !== undefined) {
          const p = op.path;
          out.path =
            p.type === "RegularExpression"
              ? { type: p.type, regexId: b.regex(p.value), invert: p.invert }
              : { type: p.type, value: p.value, invert: p.invert };
        }
        return out;
      }),
    };
  }
  return row;
}

function apiKeySources(s: ApiKeySource): CredentialSource[] {
  return [
    ...s.headers.map((name): CredentialSource => ({ from: "header", name: name.toLowerCase() })),
    ...s.params.map((name): CredentialSource => ({ from: "param", name })),
    ...s.cookies.map((name): CredentialSource => ({ from: "cookie", name })),
  ];
}

function providerRow(
  p: JwtProviderSpec,
  path: (string | number)[],
  ns: string,
  index: ResourceIndex,
  error: (path: (string | number)[], message: string, fix: string) => void,
): JwtProviderRow {
  let jwks: JwtProviderRow["jwks"] = { keys: [] };
  if (p.remoteJWKS !== undefined) {
    jwks = { uri: p.remoteJWKS.uri, cacheMs: p.remoteJWKS.cacheDurationMs, failedRefetchMs: p.remoteJWKS.failedRefetchDurationMs };
  } else if (p.localJWKS !== undefined) {
    let text: string | undefined;
    const where = [...path, "localJWKS"];
    if ("inline" in p.localJWKS) text = p.localJWKS.inline;
    else {
      const name = p.localJWKS.configMap;
      const cm = index.configMaps.get(key(ns, name));
      const values = cm === undefined ? [] : Object.entries(cm.spec.data);
      const chosen = values.find(([k]) => k === "jwks") ?? (values.length === 1 ? values[0] : undefined);
      if (cm === undefined)
        error(
          [...where, "valueRef", "name"],
          `ConfigMap ${key(ns, name)} is not defined`,
          "add the ConfigMap with the JWKS under the key jwks to the inputs",
        );
      else if (chosen === undefined)
        error(
          [...where, "valueRef", "name"],
          `ConfigMap ${key(ns, name)} has no key jwks (and not exactly one key)`,
          "put the JWKS under data.jwks",
        );
      text = chosen?.[1];
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const keys = publicKeys(parsed);
      if (keys === undefined) error(where, "the local JWKS is not a JSON object with a keys array", 'write {"keys": [ …public JWKs… ]}');
      else jwks = { keys };
    }
  }
  const row: JwtProviderRow = {
    name: p.name,
    jwks,
    claimToHeaders: p.claimToHeaders.map((c) => ({ header: c.header.toLowerCase(), claim: c.claim })),
    sources:
      p.extractFrom === undefined
        ? defaultTokenSources
        : [
            ...p.extractFrom.headers.map((h): CredentialSource => {
              const s: CredentialSource = { from: "header", name: h.name.toLowerCase() };
              if (h.valuePrefix !== undefined) s.prefix = h.valuePrefix;
              return s;
            }),
            ...p.extractFrom.cookies.map((name): CredentialSource => ({ from: "cookie", name })),
            ...p.extractFrom.params.map((name): CredentialSource => ({ from: "param", name })),
          ],
  };
  if (p.issuer !== undefined) row.issuer = p.issuer;
  if (p.audiences.length > 0) row.audiences = p.audiences.map(normalizeAudience);
  return row;
}

/** A ReferenceGrant in the Secret's namespace from SecurityPolicies of `from` to that Secret. */
function grantedSecret(index: ResourceIndex, from: string, ref: SecretRef): boolean {
  return index.grants.some(
    (g) =>
      g.metadata.namespace === ref.namespace &&
      g.spec.from.some((f) => f.group === "gateway.envoyproxy.io" && f.kind === "SecurityPolicy" && f.namespace === from) &&
      g.spec.to.some((t) => t.group === "" && t.kind === "Secret" && (t.name === undefined || t.name === ref.name)),
  );
}

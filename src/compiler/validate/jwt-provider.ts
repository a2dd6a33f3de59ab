import type { FieldPath, JwtExtractFrom, JwtProviderSpec, JwtSpec } from "../model.ts";
import { DNS1123_SUBDOMAIN, LIMITS, QUALIFIED_NAME } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readGroup, readHeaderName, readKind, readObjectName } from "./fields.ts";
import { readBool, readDurationMs, readStringList, refuse } from "./policy-fields.ts";
import { field, isObj, readList, readObject, readString, required, type Obj } from "./read.ts";

// `spec.jwt` of a SecurityPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#jwt),
// with the CRD's CEL rules and the checks Envoy Gateway makes before it accepts a provider.

const MAX_PROVIDERS = 16;
const MAX_AUDIENCES = 8;
const DEFAULT_CACHE_MS = 300_000;
/** Envoy's default when `failedRefetchDuration` is unset. */
const DEFAULT_REFETCH_MS = 1000;
const REMOTE_FIELDS = ["uri", "cacheDuration", "failedRefetchDuration", "backendRef", "backendRefs", "backendSettings"];
const DIRECT_FETCH = "the Worker fetches remoteJWKS.uri itself, with fetch(), so there is no cluster to route the fetch through";

/** JWK members that belong to a private or symmetric key (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** Public members each key type needs, for WebCrypto's importKey in the Worker. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ["n", "e"], EC: ["crv", "x", "y"], OKP: ["crv", "x"] };

/**
 * Kubernetes qualified name (apimachinery `IsQualifiedName`): Envoy Gateway requires one for
 * provider names, which become keys of the verified payload.
 */
function qualifiedNameProblem(name: string): string | undefined {
  const slash = name.indexOf("/");
  const prefix = slash < 0 ? undefined : name.slice(0, slash);
  const local = slash < 0 ? name : name.slice(slash + 1);
  if (prefix !== undefined && (prefix === "" || prefix.length > LIMITS.nameLength || !DNS1123_SUBDOMAIN.re.test(prefix))) {
    return "the prefix before '/' must be a DNS subdomain (lowercase letters, digits, '-' and '.')";
  }
  if (local === "" || local.length > 63) return "the name part must be 1 to 63 characters";
  if (!QUALIFIED_NAME.re.test(local)) {
    return "the name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function readName(ck: Checker, p: Obj, path: FieldPath, seen: Map<string, number>, index: number): string | undefined {
  const namePath = [...path, "name"];
  const name = readString(ck, required(ck, p, "name", path, "add name: <provider name>"), namePath, { min: 1, max: LIMITS.nameLength });
  if (name === undefined || name === "") return undefined;
  const problem = qualifiedNameProblem(name);
  if (problem !== undefined) {
    ck.error(
      namePath,
      `provider name ${JSON.stringify(name)} is not a Kubernetes qualified name: ${problem}`,
      "use a name such as example or cf-access",
    );
    return undefined;
  }
  const first = seen.get(name);
  if (first !== undefined) {
    ck.error(
      namePath,
      `provider name ${JSON.stringify(name)} is already used by providers[${first}]; names must be unique`,
      "rename one of the providers",
    );
    return undefined;
  }
  seen.set(name, index);
  return name;
}

/** Envoy Gateway parses an issuer with ':' as a URI and one with '@' as an e-mail address. */
function readIssuer(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  const issuer = readString(ck, v, path, { max: LIMITS.nameLength });
  if (issuer === undefined || issuer === "") return undefined;
  if (issuer.includes(":")) {
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(issuer) || !URL.canParse(issuer)) {
      ck.error(
        path,
        `issuer ${JSON.stringify(issuer)} contains ':' but is not a valid URI`,
        "write the issuer exactly as the token's iss claim, e.g. https://issuer.example.com",
      );
      return undefined;
    }
  } else if (issuer.includes("@") && !/^[^@\s]+@[^@\s]+$/.test(issuer)) {
    ck.error(
      path,
      `issuer ${JSON.stringify(issuer)} contains '@' but is not a valid e-mail address`,
      "write the issuer exactly as the token's iss claim",
    );
    return undefined;
  }
  return issuer;
}

function readUri(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  const uri = readString(ck, v, path, { min: 1, max: LIMITS.nameLength });
  if (uri === undefined || uri === "") return undefined;
  const url = URL.canParse(uri) ? new URL(uri) : undefined;
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    ck.error(
      path,
      `remoteJWKS.uri ${JSON.stringify(uri)} is not an http(s) URL`,
      "use the https:// URL the identity provider publishes its JWKS at",
    );
    return undefined;
  }
  if (url.protocol === "http:") {
    ck.warn(
      path,
      `remoteJWKS.uri ${JSON.stringify(uri)} uses http://: keys fetched without TLS can be forged on the way; use it for local testing only`,
      "use https:// in production",
    );
  }
  return uri;
}

type RemoteJwks = NonNullable<JwtProviderSpec["remoteJWKS"]>;

function readRemote(ck: Checker, v: unknown, path: FieldPath): RemoteJwks | undefined {
  const r = readObject(ck, v, path, { known: REMOTE_FIELDS });
  if (r === undefined) return undefined;
  if (field(r, "backendRef") !== undefined) {
    ck.error([...path, "backendRef"], "BackendRefs must be used, backendRef is not supported.", "remove backendRef", "key");
  }
  refuse(ck, r, "backendRefs", path, DIRECT_FETCH, "remove backendRefs; make uri reachable from the Worker");
  if (refuse(ck, r, "backendSettings", path, DIRECT_FETCH, "remove backendSettings"))
    checkBackendSettingsCel(ck, field(r, "backendSettings"), [...path, "backendSettings"]);
  const uri = readUri(ck, required(ck, r, "uri", path, "add uri: https://<issuer>/.well-known/jwks.json"), [...path, "uri"]);
  const cacheDurationMs = readDurationMs(ck, field(r, "cacheDuration"), [...path, "cacheDuration"], DEFAULT_CACHE_MS);
  const failedRefetchDurationMs = readDurationMs(
    ck,
    field(r, "failedRefetchDuration"),
    [...path, "failedRefetchDuration"],
    DEFAULT_REFETCH_MS,
  );
  return uri === undefined ? undefined : { uri, cacheDurationMs, failedRefetchDurationMs };
}

/** The two CEL rules of `remoteJWKS` that look inside `backendSettings.retry`. */
function checkBackendSettingsCel(ck: Checker, v: unknown, path: FieldPath): void {
  const retry = isObj(v) ? field(v, "retry") : undefined;
  if (!isObj(retry)) return;
  const perRetry = field(retry, "perRetry");
  if (isObj(perRetry) && field(perRetry, "timeout") !== undefined) {
    ck.error([...path, "retry", "perRetry", "timeout"], "Retry timeout is not supported.", "remove timeout", "key");
  }
  const retryOn = field(retry, "retryOn");
  if (isObj(retryOn) && field(retryOn, "httpStatusCodes") !== undefined) {
    ck.error([...path, "retry", "retryOn", "httpStatusCodes"], "HTTPStatusCodes is not supported.", "remove httpStatusCodes", "key");
  }
}

/** Why `inline` is not a usable public JWKS, or undefined when it is. */
function jwksProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!isObj(doc) || !Array.isArray(doc.keys)) return 'is not a JWKS: expected a JSON object with a "keys" list';
  if (doc.keys.length === 0) return 'has no keys: "keys" is empty';
  for (const [i, key] of doc.keys.entries()) {
    if (!isObj(key) || typeof key.kty !== "string") return `keys[${i}] is not a JWK: it needs a "kty" string`;
    const secret = PRIVATE_MEMBERS.filter((m) => Object.hasOwn(key, m));
    if (key.kty === "oct" || secret.length > 0) {
      const what = key.kty === "oct" ? "a symmetric key (kty oct), which is a shared secret" : `private key members (${secret.join(", ")})`;
      return `keys[${i}] holds ${what}; a private or secret key must never be in the manifests`;
    }
    const needs = PUBLIC_MEMBERS[key.kty];
    if (needs === undefined) return `keys[${i}] has kty ${JSON.stringify(key.kty)}; supported are RSA, EC and OKP`;
    const missing = needs.filter((m) => typeof key[m] !== "string");
    if (missing.length > 0) return `keys[${i}] (kty ${key.kty}) lacks ${missing.join(", ")}`;
  }
  return undefined;
}

type LocalJwks = NonNullable<JwtProviderSpec["localJWKS"]>;

function readLocal(ck: Checker, v: unknown, path: FieldPath): LocalJwks | undefined {
  const l = readObject(ck, v, path, { known: ["type", "inline", "valueRef"] });
  if (l === undefined) return undefined;
  const type = readString(ck, field(l, "type"), [...path, "type"], { enum: ["Inline", "ValueRef"] }) ?? "Inline";
  const hasInline = field(l, "inline") !== undefined;
  const hasRef = field(l, "valueRef") !== undefined;
  if (!((type === "Inline" && hasInline && !hasRef) || (type === "ValueRef" && !hasInline && hasRef))) {
    const fix = type === "Inline" ? "set inline to the JWKS JSON (and no valueRef)" : "set valueRef to the ConfigMap (and no inline)";
    ck.error(path, "Exactly one of inline or valueRef must be set with correct type.", fix);
    return undefined;
  }
  if (type === "Inline") {
    const inline = readString(ck, field(l, "inline"), [...path, "inline"]);
    if (inline === undefined) return undefined;
    const problem = jwksProblem(inline);
    if (problem !== undefined) {
      ck.error(
        [...path, "inline"],
        `localJWKS.inline ${problem}`,
        'write the public JWKS: {"keys": [{"kty": "RSA", "kid": "…", "n": "…", "e": "AQAB"}]}',
      );
      return undefined;
    }
    return { inline };
  }
  return readValueRef(ck, field(l, "valueRef"), [...path, "valueRef"]);
}

/** Envoy Gateway looks up a ConfigMap whatever `kind` says; the edge holds the manifest to its word. */
function readValueRef(ck: Checker, v: unknown, path: FieldPath): LocalJwks | undefined {
  const r = readObject(ck, v, path, { known: ["group", "kind", "name"] });
  if (r === undefined) return undefined;
  const group = readGroup(ck, required(ck, r, "group", path, 'add group: ""'), [...path, "group"]);
  const kind = readKind(ck, required(ck, r, "kind", path, "add kind: ConfigMap"), [...path, "kind"]);
  const name = readObjectName(ck, required(ck, r, "name", path, "add name: <ConfigMap name>"), [...path, "name"]);
  let ok = group !== undefined && kind !== undefined && name !== undefined;
  if (group !== undefined && group !== "") {
    ck.error(
      [...path, "group"],
      `group ${JSON.stringify(group)} is not supported: a local JWKS is read only from a core ConfigMap`,
      'use group: ""',
    );
    ok = false;
  }
  if (kind !== undefined && kind !== "ConfigMap") {
    ck.error(
      [...path, "kind"],
      `kind ${kind} is not supported: a local JWKS is read only from a ConfigMap`,
      "use kind: ConfigMap, with the JWKS under the key jwks",
    );
    ok = false;
  }
  return ok && name !== undefined ? { configMap: name } : undefined;
}

function readClaimToHeaders(ck: Checker, v: unknown, path: FieldPath): JwtProviderSpec["claimToHeaders"] {
  const out: JwtProviderSpec["claimToHeaders"] = [];
  (readList(ck, v, path) ?? []).forEach((item, i) => {
    const p = [...path, i];
    const c = readObject(ck, item, p, { known: ["header", "claim"] });
    if (c === undefined) return;
    const header = readHeaderName(ck, required(ck, c, "header", p, "add header: x-<name>"), [...p, "header"]);
    // Envoy Gateway refuses an empty claim although the schema allows it.
    const claim = readString(ck, required(ck, c, "claim", p, "add claim: sub"), [...p, "claim"], { min: 1 });
    if (header !== undefined && claim !== undefined) out.push({ header, claim });
  });
  return out;
}

function readExtractFrom(ck: Checker, v: unknown, path: FieldPath): JwtExtractFrom | undefined {
  const e = readObject(ck, v, path, { known: ["headers", "cookies", "params"] });
  if (e === undefined) return undefined;
  const errors = ck.errorCount;
  const out: JwtExtractFrom = { headers: [], cookies: [], params: [] };
  (readList(ck, field(e, "headers"), [...path, "headers"]) ?? []).forEach((item, i) => {
    const p = [...path, "headers", i];
    const h = readObject(ck, item, p, { known: ["name", "valuePrefix"] });
    if (h === undefined) return;
    const name = readHeaderName(ck, required(ck, h, "name", p, "add name: Authorization"), [...p, "name"]);
    const valuePrefix = readString(ck, field(h, "valuePrefix"), [...p, "valuePrefix"]);
    if (name === undefined) return;
    out.headers.push(valuePrefix === undefined ? { name } : { name, valuePrefix });
  });
  out.cookies = readStringList(ck, field(e, "cookies"), [...path, "cookies"], {}, { min: 1 });
  out.params = readStringList(ck, field(e, "params"), [...path, "params"], {}, { min: 1 });
  if (out.headers.length + out.cookies.length + out.params.length === 0 && ck.errorCount === errors) {
    ck.warn(
      path,
      "extractFrom lists no location, so the default ones are used (Authorization: Bearer and ?access_token=)",
      "remove extractFrom, or list headers, cookies or params",
      "key",
    );
    return undefined;
  }
  return out;
}

function readProvider(ck: Checker, p: Obj, path: FieldPath, seen: Map<string, number>, index: number): JwtProviderSpec | undefined {
  const errors = ck.errorCount;
  const name = readName(ck, p, path, seen, index);
  const issuer = readIssuer(ck, field(p, "issuer"), [...path, "issuer"]);
  const audiences = readStringList(ck, field(p, "audiences"), [...path, "audiences"], { max: MAX_AUDIENCES });
  const claimToHeaders = readClaimToHeaders(ck, field(p, "claimToHeaders"), [...path, "claimToHeaders"]);
  const recompute = readBool(ck, field(p, "recomputeRoute"), [...path, "recomputeRoute"]);
  if (recompute === true) {
    const count = Array.isArray(field(p, "claimToHeaders")) ? (field(p, "claimToHeaders") as unknown[]).length : 0;
    if (count === 0)
      ck.error(
        [...path, "recomputeRoute"],
        "claimToHeaders must be specified if recomputeRoute is enabled.",
        "add claimToHeaders, or remove recomputeRoute",
      );
    ck.error(
      [...path, "recomputeRoute"],
      "recomputeRoute is not supported by grpcroute-edge: the Worker matches a request's route once, before authentication",
      "remove recomputeRoute, and match on the claim in an authorization rule (principal.jwt.claims) instead",
      "key",
    );
  }
  const remote = field(p, "remoteJWKS");
  const local = field(p, "localJWKS");
  if (remote === undefined && local === undefined) {
    ck.error(path, "either remoteJWKS or localJWKS must be specified.", "add remoteJWKS: {uri: https://<issuer>/.well-known/jwks.json}");
  } else if (remote !== undefined && local !== undefined) {
    ck.error([...path, "localJWKS"], "remoteJWKS and localJWKS cannot both be specified.", "keep one of them", "key");
  }
  const out: JwtProviderSpec = { name: name ?? "", audiences, claimToHeaders };
  if (issuer !== undefined) out.issuer = issuer;
  const remoteJWKS = readRemote(ck, remote, [...path, "remoteJWKS"]);
  if (remoteJWKS !== undefined) out.remoteJWKS = remoteJWKS;
  const localJWKS = readLocal(ck, local, [...path, "localJWKS"]);
  if (localJWKS !== undefined) out.localJWKS = localJWKS;
  const extractFrom = readExtractFrom(ck, field(p, "extractFrom"), [...path, "extractFrom"]);
  if (extractFrom !== undefined) out.extractFrom = extractFrom;
  return ck.errorCount === errors ? out : undefined;
}

/** `spec.jwt`: 1–16 providers with unique qualified names, and the optional/failOpen CEL rule. */
export function readJwt(ck: Checker, v: unknown, path: FieldPath): JwtSpec | undefined {
  const j = readObject(ck, v, path, { known: ["providers", "optional", "failOpen"] });
  if (j === undefined) return undefined;
  const optional = readBool(ck, field(j, "optional"), [...path, "optional"]);
  const failOpen = readBool(ck, field(j, "failOpen"), [...path, "failOpen"]);
  if (field(j, "optional") !== undefined && field(j, "failOpen") !== undefined) {
    ck.error(
      [...path, "failOpen"],
      "optional and failOpen cannot both be set; failOpen already tolerates a missing JWT",
      "remove optional (failOpen: true also admits calls without a token), or remove failOpen",
      "key",
    );
  }
  const list = readList(ck, field(j, "providers"), [...path, "providers"], {
    min: 1,
    max: MAX_PROVIDERS,
    fix: "use at most 16 providers; split the targets over two policies",
  });
  const providers: JwtProviderSpec[] = [];
  const seen = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const p = [...path, "providers", i];
    const o = readObject(ck, item, p, {
      known: ["name", "issuer", "audiences", "remoteJWKS", "localJWKS", "claimToHeaders", "recomputeRoute", "extractFrom"],
    });
    if (o === undefined) return;
    const provider = readProvider(ck, o, p, seen, i);
    if (provider !== undefined) providers.push(provider);
  });
  return { providers, optional: optional ?? false, failOpen: failOpen ?? false };
}

/** Provider names as written, for `principal.jwt.provider`, even when a provider has other errors. */
export function providerNames(v: unknown): Set<string> {
  const names = new Set<string>();
  const providers = isObj(v) ? field(v, "providers") : undefined;
  if (Array.isArray(providers)) for (const p of providers) if (isObj(p) && typeof p.name === "string") names.add(p.name);
  return names;
}

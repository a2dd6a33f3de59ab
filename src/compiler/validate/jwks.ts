import type { FieldPath, JwtProviderSpec } from "../model.ts";
import { LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readObjectName } from "./fields.ts";
import { readDurationMs, refuse } from "./policy-fields.ts";
import { field, isObj, readObject, readString, required } from "./read.ts";

// Where a JWT provider's keys come from: `remoteJWKS` (fetched by the Worker) or `localJWKS`
// (https://gateway.envoyproxy.io/docs/api/extension_types/#remotejwks, #localjwks).

const DEFAULT_CACHE_MS = 300_000;
/** Envoy's default when `failedRefetchDuration` is unset. */
const DEFAULT_REFETCH_MS = 1000;
const REMOTE_FIELDS = ["uri", "cacheDuration", "failedRefetchDuration", "backendRef", "backendRefs", "backendSettings"];
const DIRECT_FETCH = "the Worker fetches remoteJWKS.uri itself, with fetch(), so there is no cluster to route the fetch through";

/** JWK members that belong to a private or symmetric key (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** Public members each key type needs, for WebCrypto's importKey in the Worker. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ["n", "e"], EC: ["crv", "x", "y"], OKP: ["crv", "x"] };

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

/** `remoteJWKS` with its CEL rules and defaults (cacheDuration 300s, failedRefetchDuration 1s), in milliseconds. */
export function readRemoteJwks(ck: Checker, v: unknown, path: FieldPath): RemoteJwks | undefined {
  const r = readObject(ck, v, path, { known: REMOTE_FIELDS });
  if (r === undefined) return undefined;
  if (field(r, "backendRef") !== undefined) {
    ck.error([...path, "backendRef"], "BackendRefs must be used, backendRef is not supported.", "remove backendRef", "key");
  }
  refuse(ck, r, "backendRefs", path, DIRECT_FETCH, "remove backendRefs; make uri reachable from the Worker");
  if (refuse(ck, r, "backendSettings", path, DIRECT_FETCH, "remove backendSettings")) {
    checkBackendSettingsCel(ck, field(r, "backendSettings"), [...path, "backendSettings"]);
  }
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

/** `localJWKS` (type default Inline): an inline public JWKS, or the name of a ConfigMap in the policy's namespace. */
export function readLocalJwks(ck: Checker, v: unknown, path: FieldPath): LocalJwks | undefined {
  const l = readObject(ck, v, path, { known: ["type", "inline", "valueRef"] });
  if (l === undefined) return undefined;
  const type =
    field(l, "type") === undefined ? "Inline" : readString(ck, field(l, "type"), [...path, "type"], { enum: ["Inline", "ValueRef"] });
  // An unknown type is already reported; the CEL rule below would only repeat it.
  if (type === undefined) return undefined;
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

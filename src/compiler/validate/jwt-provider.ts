import type { FieldPath, JwtExtractFrom, JwtProviderSpec, JwtSpec } from "../model.ts";
import { DNS1123_SUBDOMAIN, LIMITS, QUALIFIED_NAME } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readHeaderName } from "./fields.ts";
import { readLocalJwks, readRemoteJwks } from "./jwks.ts";
import { readBool, readStringList } from "./policy-fields.ts";
import { field, isObj, readList, readObject, readString, required, type Obj } from "./read.ts";

// `spec.jwt` of a SecurityPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#jwt),
// with the CRD's CEL rules and the checks Envoy Gateway makes before it accepts a provider.

const MAX_PROVIDERS = 16;
const MAX_AUDIENCES = 8;

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
    if (count === 0) {
      ck.error(
        [...path, "recomputeRoute"],
        "claimToHeaders must be specified if recomputeRoute is enabled.",
        "add claimToHeaders, or remove recomputeRoute",
      );
    }
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
  const remoteJWKS = readRemoteJwks(ck, remote, [...path, "remoteJWKS"]);
  if (remoteJWKS !== undefined) out.remoteJWKS = remoteJWKS;
  const localJWKS = readLocalJwks(ck, local, [...path, "localJWKS"]);
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

import type {
  AuthorizationAction,
  AuthorizationRuleSpec,
  AuthorizationSpec,
  FieldPath,
  GeoLocation,
  JwtPrincipal,
  Operation,
  Principal,
} from "../model.ts";
import type { Checker } from "./context.ts";
import { CIDR_SCHEMA, readCidr } from "./cidr.ts";
import { readHeaderName } from "./fields.ts";
import { HTTP_METHODS, optionalList, readBool, readPathMatch, readStringList, refuse } from "./policy-fields.ts";
import { field, readInt, readList, readObject, readString, required, type Obj } from "./read.ts";
import { LIMITS } from "./schema-patterns.ts";

// `spec.authorization` of a SecurityPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#authorization).

const ACTIONS: readonly AuthorizationAction[] = ["Allow", "Deny"];
const INT32_MAX = 2_147_483_647;

const COUNTRY = { re: /^[A-Za-z]{2}$/, text: "^[A-Za-z]{2}$" };
const REGION = { re: /^[A-Za-z0-9-]+$/, text: "^[A-Za-z0-9-]+$" };
const NO_CF_SIGNAL = "the Worker's request.cf has no such signal";

function readCidrs(ck: Checker, v: unknown, path: FieldPath): string[] {
  const out: string[] = [];
  optionalList(ck, v, path, { min: 1 }).forEach((item, i) => {
    const s = readCidr(ck, item, [...path, i], CIDR_SCHEMA);
    if (s !== undefined) out.push(s);
  });
  return out;
}

/** What `principal.jwt` needs of the policy's own `jwt`. */
export interface JwtContext {
  defined: boolean;
  providers: ReadonlySet<string>;
}

function readJwtPrincipal(ck: Checker, v: unknown, path: FieldPath, jwt: JwtContext): JwtPrincipal | undefined {
  const j = readObject(ck, v, path, { known: ["provider", "claims", "scopes"] });
  if (j === undefined) return undefined;
  const provider = readString(ck, required(ck, j, "provider", path, "add provider: <a name from jwt.providers>"), [...path, "provider"], {
    min: 1,
    max: LIMITS.nameLength,
  });
  if (!jwt.defined) {
    ck.error(
      path,
      "if authorization.rules.principal.jwt is used, jwt must be defined",
      "add spec.jwt with the provider this rule names",
      "key",
    );
  } else if (provider !== undefined && provider !== "" && !jwt.providers.has(provider)) {
    // Envoy Gateway accepts this and the rule silently never matches.
    const known = [...jwt.providers].join(", ");
    ck.error(
      [...path, "provider"],
      `provider ${JSON.stringify(provider)} is not one of this policy's jwt.providers (${known}); the rule could never match`,
      `use one of: ${known}`,
    );
  }
  if (field(j, "claims") === undefined && field(j, "scopes") === undefined) {
    ck.error(path, "at least one of claims or scopes must be specified", "add claims: [{name: sub, values: [...]}] or scopes: [...]");
  }
  const claims: JwtPrincipal["claims"] = [];
  optionalList(ck, field(j, "claims"), [...path, "claims"], { min: 1, max: 16 }).forEach((item, i) => {
    const p = [...path, "claims", i];
    const c = readObject(ck, item, p, { known: ["name", "valueType", "values"] });
    if (c === undefined) return;
    const name = readString(ck, required(ck, c, "name", p, "add name: <claim>"), [...p, "name"], { min: 1, max: LIMITS.nameLength });
    const valueType = readString(ck, field(c, "valueType"), [...p, "valueType"], { enum: ["String", "StringArray"] }) ?? "String";
    const values = readStringList(ck, required(ck, c, "values", p, "add values: [...]"), [...p, "values"], { min: 1, max: 128 });
    if (name !== undefined) claims.push({ name, valueType: valueType as "String" | "StringArray", values });
  });
  const scopes = readStringList(ck, field(j, "scopes"), [...path, "scopes"], { min: 1, max: 16 }, { min: 1, max: LIMITS.nameLength });
  return { provider: provider ?? "", claims, scopes };
}

function readHeaders(ck: Checker, v: unknown, path: FieldPath): Principal["headers"] {
  const out: Principal["headers"] = [];
  optionalList(ck, v, path, { min: 1, max: 256 }).forEach((item, i) => {
    const p = [...path, i];
    const h = readObject(ck, item, p, { known: ["name", "values"] });
    if (h === undefined) return;
    // Stricter than the schema (length only): the Worker's Headers API throws on a name that is no HTTP token.
    const name = readHeaderName(ck, required(ck, h, "name", p, "add name: <header>"), [...p, "name"]);
    const values = readStringList(ck, required(ck, h, "values", p, "add values: [...]"), [...p, "values"], { min: 1, max: 256 });
    if (name !== undefined) out.push({ name, values });
  });
  return out;
}

function readAnonymous(ck: Checker, g: Obj, path: FieldPath): void {
  const flags = ["isAnonymous", "isVPN", "isHosting", "isTor", "isProxy"];
  const a = readObject(ck, field(g, "anonymous"), [...path, "anonymous"], { known: flags });
  if (a === undefined) return;
  for (const f of flags) readBool(ck, field(a, f), [...path, "anonymous", f]);
  if (!flags.some((f) => field(a, f) !== undefined)) {
    ck.error(
      [...path, "anonymous"],
      "at least one of isAnonymous, isVPN, isHosting, isTor, or isProxy must be specified",
      "add e.g. isVPN: true",
    );
  }
  refuse(
    ck,
    g,
    "anonymous",
    path,
    `${NO_CF_SIGNAL} (VPN, proxy, hosting and Tor exits are not flagged)`,
    "remove anonymous; block such clients with a Cloudflare WAF rule instead",
  );
}

function readGeo(ck: Checker, v: unknown, path: FieldPath): GeoLocation[] {
  const out: GeoLocation[] = [];
  optionalList(ck, v, path, { min: 1 }).forEach((item, i) => {
    const p = [...path, i];
    const g = readObject(ck, item, p, { known: ["country", "region", "city", "asn", "isp", "anonymous"] });
    if (g === undefined) return;
    if (!["country", "region", "city", "asn", "isp", "anonymous"].some((k) => field(g, k) !== undefined)) {
      ck.error(
        p,
        "at least one of country, region, city, asn, isp, or anonymous must be specified",
        "add country: <ISO 3166-1 alpha-2 code>",
      );
    }
    const loc: GeoLocation = {};
    const country = readString(ck, field(g, "country"), [...p, "country"], {
      min: 2,
      max: 2,
      pattern: COUNTRY,
      what: "country code",
      fix: "use an ISO 3166-1 alpha-2 code such as US or DE",
    });
    if (country !== undefined) loc.country = country;
    const region = readString(ck, field(g, "region"), [...p, "region"], {
      min: 1,
      max: 16,
      pattern: REGION,
      what: "region code",
      fix: "use the ISO 3166-2 subdivision code without the country, e.g. TX",
    });
    if (region !== undefined) loc.region = region;
    const city = readString(ck, field(g, "city"), [...p, "city"], { min: 1, max: 128 });
    if (city !== undefined) loc.city = city;
    const asn = readInt(ck, field(g, "asn"), [...p, "asn"], { min: 1, max: INT32_MAX });
    if (asn !== undefined) loc.asn = asn;
    readString(ck, field(g, "isp"), [...p, "isp"], { min: 1, max: 256 });
    refuse(ck, g, "isp", p, `${NO_CF_SIGNAL} (it names the AS, not the ISP)`, "match the ISP's network with asn instead");
    readAnonymous(ck, g, p);
    out.push(loc);
  });
  return out;
}

function readPrincipal(ck: Checker, v: unknown, path: FieldPath, jwt: JwtContext): Principal {
  const out: Principal = { clientCIDRs: [], headers: [], clientIPGeoLocations: [] };
  const kinds = ["clientCIDRs", "jwt", "headers", "clientIPGeoLocations"];
  const p = readObject(ck, v, path, { known: kinds });
  if (p === undefined) return out;
  if (!kinds.some((k) => field(p, k) !== undefined)) {
    ck.error(
      path,
      "at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified",
      "add clientCIDRs: [...] or another principal",
    );
  }
  out.clientCIDRs = readCidrs(ck, field(p, "clientCIDRs"), [...path, "clientCIDRs"]);
  const j = readJwtPrincipal(ck, field(p, "jwt"), [...path, "jwt"], jwt);
  if (j !== undefined) out.jwt = j;
  out.headers = readHeaders(ck, field(p, "headers"), [...path, "headers"]);
  out.clientIPGeoLocations = readGeo(ck, field(p, "clientIPGeoLocations"), [...path, "clientIPGeoLocations"]);
  return out;
}

function readOperation(ck: Checker, v: unknown, path: FieldPath): Operation | undefined {
  const o = readObject(ck, v, path, { known: ["methods", "path"] });
  if (o === undefined) return undefined;
  if (field(o, "methods") === undefined && field(o, "path") === undefined) {
    ck.error(path, "at least one of methods or path must be specified", "add methods: [POST] or path: {value: /pkg.Service/}");
  }
  const out: Operation = {
    methods: readStringList(ck, field(o, "methods"), [...path, "methods"], { min: 1, max: 16 }, { enum: HTTP_METHODS }),
  };
  const p = readPathMatch(ck, field(o, "path"), [...path, "path"]);
  if (p !== undefined) out.path = p;
  return out;
}

function readRule(ck: Checker, r: Obj, path: FieldPath, jwt: JwtContext): AuthorizationRuleSpec {
  const name = readString(ck, field(r, "name"), [...path, "name"], { min: 1, max: LIMITS.nameLength });
  const action =
    readString(ck, required(ck, r, "action", path, "add action: Allow or action: Deny"), [...path, "action"], { enum: ACTIONS }) ?? "Deny";
  if (field(r, "principal") === undefined && field(r, "cel") === undefined) {
    ck.error(
      path,
      "at least one of principal or cel must be specified",
      "add principal (clientCIDRs, jwt, headers or clientIPGeoLocations)",
    );
  }
  readString(ck, field(r, "cel"), [...path, "cel"], { min: 1, max: 4096 });
  refuse(
    ck,
    r,
    "cel",
    path,
    "the Worker has no Envoy attribute context to evaluate CEL over",
    "express the rule with principal and operation",
  );
  const out: AuthorizationRuleSpec = {
    action: action as AuthorizationAction,
    principal: readPrincipal(ck, field(r, "principal"), [...path, "principal"], jwt),
  };
  if (name !== undefined) out.name = name;
  const operation = readOperation(ck, field(r, "operation"), [...path, "operation"]);
  if (operation !== undefined) out.operation = operation;
  return out;
}

/** `spec.authorization`: rules in order (the first whose conditions hold decides), then defaultAction. */
export function readAuthorization(ck: Checker, v: unknown, path: FieldPath, jwt: JwtContext): AuthorizationSpec | undefined {
  const a = readObject(ck, v, path, { known: ["defaultAction", "rules"] });
  if (a === undefined) return undefined;
  // No schema default: Envoy Gateway denies when the manifest names no action.
  const defaultAction = (readString(ck, field(a, "defaultAction"), [...path, "defaultAction"], { enum: ACTIONS }) ??
    "Deny") as AuthorizationAction;
  const rules: AuthorizationRuleSpec[] = [];
  (readList(ck, field(a, "rules"), [...path, "rules"]) ?? []).forEach((item, i) => {
    const p = [...path, "rules", i];
    const r = readObject(ck, item, p, { known: ["name", "action", "operation", "principal", "cel"] });
    if (r !== undefined) rules.push(readRule(ck, r, p, jwt));
  });
  return { defaultAction, rules };
}

import type { Diagnostic } from "../diagnostics.ts";
import type { Resource } from "../model.ts";
import { ENVOY_GATEWAY_GROUP, GATEWAY_GROUP } from "./schema-patterns.ts";
import { readConfigMapSpec, readSecretSpec } from "./secret.ts";
import { readSecurityPolicySpec } from "./security-policy.ts";
import { readBackendTrafficPolicySpec } from "./backend-traffic-policy.ts";
import { Checker } from "./context.ts";
import { readServiceSpec } from "./core.ts";
import { readGatewaySpec } from "./gateway.ts";
import { readGRPCRouteSpec } from "./grpcroute.ts";
import { labelOf, readMeta, type NameRule } from "./meta.ts";
import { describe, isObj, readList, readObject, type Obj } from "./read.ts";
import { readReferenceGrantSpec } from "./referencegrant.ts";
import type { SourceView } from "../load/yaml-position.ts";

type Kind = Resource["kind"];

interface KindRule {
  group: string;
  /** Served versions; a value is the deprecation warning for that version. */
  versions: Readonly<Record<string, string | undefined>>;
  names: NameRule;
  clusterScoped: boolean;
  /** Gateway API kinds are strict about unknown top-level fields; core kinds carry many. */
  strict: boolean;
}

const V1ALPHA2 = (kind: string): string =>
  `The v1alpha2 version of ${kind} has been deprecated and will be removed in a future release of the API. Please upgrade to v1.`;

const KINDS: Readonly<Record<Kind, KindRule>> = {
  GRPCRoute: {
    group: GATEWAY_GROUP,
    versions: { v1: undefined, v1alpha2: V1ALPHA2("GRPCRoute") },
    names: "subdomain",
    clusterScoped: false,
    strict: true,
  },
  Gateway: {
    group: GATEWAY_GROUP,
    versions: { v1: undefined, v1beta1: undefined },
    names: "subdomain",
    clusterScoped: false,
    strict: true,
  },
  ReferenceGrant: {
    group: GATEWAY_GROUP,
    versions: { v1: undefined, v1beta1: undefined, v1alpha2: V1ALPHA2("ReferenceGrant") },
    names: "subdomain",
    clusterScoped: false,
    strict: true,
  },
  Service: { group: "", versions: { v1: undefined }, names: "dns1035", clusterScoped: false, strict: false },
  Namespace: { group: "", versions: { v1: undefined }, names: "label", clusterScoped: true, strict: false },
  SecurityPolicy: { group: ENVOY_GATEWAY_GROUP, versions: { v1alpha1: undefined }, names: "subdomain", clusterScoped: false, strict: true },
  BackendTrafficPolicy: {
    group: ENVOY_GATEWAY_GROUP,
    versions: { v1alpha1: undefined },
    names: "subdomain",
    clusterScoped: false,
    strict: true,
  },
  Secret: { group: "", versions: { v1: undefined }, names: "subdomain", clusterScoped: false, strict: false },
  ConfigMap: { group: "", versions: { v1: undefined }, names: "subdomain", clusterScoped: false, strict: false },
};

function isKind(k: string): k is Kind {
  return Object.hasOwn(KINDS, k);
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function specOf(ck: Checker, kind: Kind, raw: Obj, namespace: string): Resource["spec"] {
  switch (kind) {
    case "GRPCRoute":
      return readGRPCRouteSpec(ck, raw, namespace);
    case "Gateway":
      return readGatewaySpec(ck, raw);
    case "ReferenceGrant":
      return readReferenceGrantSpec(ck, raw);
    case "Service":
      return readServiceSpec(ck, raw);
    case "Namespace":
      return {};
    case "SecurityPolicy":
      return readSecurityPolicySpec(ck, raw, namespace);
    case "BackendTrafficPolicy":
      return readBackendTrafficPolicySpec(ck, raw, namespace);
    case "Secret":
      return readSecretSpec(ck, raw);
    case "ConfigMap":
      return readConfigMapSpec(ck, raw);
  }
}

/**
 * Turns one parsed document (or one item of a `kind: List`) into typed resources.
 * Lists are flattened recursively. Only objects without errors are returned; all
 * diagnostics are.
 */
export function validateDocument(src: SourceView, value: unknown): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const ck = new Checker(src, "");
  if (!isObj(value)) {
    ck.error(
      [],
      `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}`,
      "make each YAML document one object",
    );
    return { resources: [], diagnostics: ck.diagnostics };
  }
  const apiVersion = value.apiVersion;
  const kind = value.kind;
  if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
    const missing = typeof kind !== "string" || kind === "" ? "kind" : "apiVersion";
    ck.error(
      [missing],
      `missing or invalid ${missing}: every object needs a string apiVersion and kind`,
      "add e.g. apiVersion: gateway.networking.k8s.io/v1 and kind: GRPCRoute",
    );
    return { resources: [], diagnostics: ck.diagnostics };
  }
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    const items = readList(ck, value.items, ["items"]) ?? [];
    const resources: Resource[] = [];
    const diagnostics = ck.diagnostics;
    items.forEach((item, i) => {
      const r = validateDocument(src.sub(["items", i]), item);
      resources.push(...r.resources);
      diagnostics.push(...r.diagnostics);
    });
    return { resources, diagnostics };
  }
  const { group, version } = splitApiVersion(apiVersion);
  if (!isKind(kind) || KINDS[kind].group !== group) {
    ck.object = labelOf(kind, value, false);
    ck.warn(
      ["kind"],
      `ignored: kind ${kind} is not used by grpcroute-edge`,
      `(apiVersion ${apiVersion}); remove it from the inputs to silence this`,
    );
    return { resources: [], diagnostics: ck.diagnostics };
  }
  const rule = KINDS[kind];
  ck.object = labelOf(kind, value, rule.clusterScoped);
  if (!Object.hasOwn(rule.versions, version)) {
    const served = Object.keys(rule.versions).map((v) => (group === "" ? v : `${group}/${v}`));
    ck.error(["apiVersion"], `apiVersion ${apiVersion} is not a served version of ${kind}`, `use apiVersion: ${served[0] ?? ""}`);
    return { resources: [], diagnostics: ck.diagnostics };
  }
  const deprecation = rule.versions[version];
  if (deprecation !== undefined) ck.warn(["apiVersion"], deprecation, `use apiVersion: ${group}/v1 (the schema is the same)`);
  if (rule.strict) readObject(ck, value, [], { known: ["apiVersion", "kind", "metadata", "spec", "status"] });
  const metadata = readMeta(ck, value, rule.names, rule.clusterScoped);
  const spec = specOf(ck, kind, value, metadata.namespace);
  if (ck.errorCount > 0) return { resources: [], diagnostics: ck.diagnostics };
  const resource = { kind, apiVersion, metadata, spec, locate: src.locate } as Resource;
  return { resources: [resource], diagnostics: ck.diagnostics };
}

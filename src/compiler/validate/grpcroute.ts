import type { FieldPath, GRPCRouteSpec, ParentRef, RouteRule } from "../model.ts";
import { GATEWAY_GROUP, LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readBackendRefs } from "./backend-ref.ts";
import { readGroup, readHostname, readKind, readNamespace, readObjectName, readPort, readSectionName } from "./fields.ts";
import { readFilters } from "./route-filter.ts";
import { readMatch } from "./route-match.ts";
import { field, readList, readObject, required, type Obj } from "./read.ts";

const EXPERIMENTAL = "this field is in the experimental channel only; grpcroute-edge implements the standard channel";
const HTTP_ONLY = "GRPCRoute has no such field (HTTPRoute only)";
const TOTAL_MATCHES =
  "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128";

interface RawParent {
  ref: ParentRef;
  /** Namespace as written: the CEL rules compare it before defaulting. */
  rawNamespace: string;
  section: string;
}

/** The two standard-channel sectionName CEL rules on `parentRefs` (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)). */
function checkParentSections(ck: Checker, parents: (RawParent | undefined)[], path: FieldPath): void {
  const same = (a: RawParent, b: RawParent): boolean =>
    a.ref.group === b.ref.group && a.ref.kind === b.ref.kind && a.ref.name === b.ref.name && a.rawNamespace === b.rawNamespace;
  parents.forEach((p2, j) => {
    if (p2 === undefined) return;
    for (let i = 0; i < j; i++) {
      const p1 = parents[i];
      if (p1 === undefined || !same(p1, p2)) continue;
      const target = `${p2.ref.kind} ${p2.ref.namespace}/${p2.ref.name}`;
      if ((p1.section === "") !== (p2.section === "")) {
        ck.error(
          [...path, j],
          `sectionName must be specified when parentRefs includes 2 or more references to the same parent (parentRefs[${i}] also references ${target})`,
          "give every reference to this parent a sectionName (the listener name)",
        );
        return;
      }
      if (p1.section === p2.section) {
        ck.error(
          [...path, j],
          `sectionName must be unique when parentRefs includes 2 or more references to the same parent (parentRefs[${i}] is the same reference to ${target})`,
          "remove the duplicate reference or point it at another sectionName",
        );
        return;
      }
    }
  });
}

function readParentRefs(ck: Checker, v: unknown, path: FieldPath, ns: string): ParentRef[] {
  const list = readList(ck, v, path, { max: LIMITS.parentRefs, fix: "use at most 32 parentRefs" });
  const raw = (list ?? []).map((item, i): RawParent | undefined => {
    const p = [...path, i];
    const o = readObject(ck, item, p, { known: ["group", "kind", "namespace", "name", "sectionName", "port"] });
    if (o === undefined) return undefined;
    const rawNamespace = readNamespace(ck, field(o, "namespace"), [...p, "namespace"]) ?? "";
    const ref: ParentRef = {
      group: readGroup(ck, field(o, "group"), [...p, "group"]) ?? GATEWAY_GROUP,
      kind: readKind(ck, field(o, "kind"), [...p, "kind"]) ?? "Gateway",
      namespace: rawNamespace === "" ? ns : rawNamespace,
      name: readObjectName(ck, required(ck, o, "name", p, "add name: <Gateway name>"), [...p, "name"]) ?? "",
    };
    const section = readSectionName(ck, field(o, "sectionName"), [...p, "sectionName"]);
    if (section !== undefined) ref.sectionName = section;
    const port = readPort(ck, field(o, "port"), [...p, "port"]);
    if (port !== undefined) ref.port = port;
    return { ref, rawNamespace, section: section ?? "" };
  });
  checkParentSections(ck, raw, path);
  return raw.flatMap((r) => (r === undefined ? [] : [r.ref]));
}

function readRules(ck: Checker, v: unknown, path: FieldPath, ns: string): RouteRule[] {
  const list = readList(ck, v, path, { max: LIMITS.rules, fix: "use at most 16 rules; split the route into two GRPCRoutes" });
  if (list === undefined) return [];
  const total = list.reduce<number>(
    (n, r) => n + (Array.isArray((r as Obj | null)?.matches) ? ((r as Obj).matches as unknown[]).length : 0),
    0,
  );
  if (total > LIMITS.matchesPerRoute) {
    ck.error(path, `${TOTAL_MATCHES} (this route has ${total})`, "split the route into two GRPCRoutes");
  }
  const names = new Map<string, number>();
  const out: RouteRule[] = [];
  list.forEach((item, i) => {
    const p = [...path, i];
    const r = readObject(ck, item, p, {
      known: ["name", "matches", "filters", "backendRefs"],
      hints: { sessionPersistence: EXPERIMENTAL, timeouts: HTTP_ONLY, retry: HTTP_ONLY },
    });
    if (r === undefined) return;
    const rule: RouteRule = { matches: [], filters: [], backendRefs: [] };
    const name = readSectionName(ck, field(r, "name"), [...p, "name"]);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        ck.error(
          [...p, "name"],
          `rule name ${JSON.stringify(name)} is already used by rules[${first}]; rule names must be unique within the route`,
          "rename one of the rules",
        );
      } else names.set(name, i);
      rule.name = name;
    }
    const matches = readList(ck, field(r, "matches"), [...p, "matches"], {
      max: LIMITS.matchesPerRule,
      fix: "use at most 64 matches per rule; move the rest into another rule",
    });
    (matches ?? []).forEach((m, k) => {
      const match = readMatch(ck, m, [...p, "matches", k]);
      if (match !== undefined) rule.matches.push(match);
    });
    rule.filters = readFilters(ck, field(r, "filters"), [...p, "filters"], ns);
    rule.backendRefs = readBackendRefs(ck, field(r, "backendRefs"), [...p, "backendRefs"], ns);
    out.push(rule);
  });
  return out;
}

/**
 * Validates a GRPCRoute's `spec` against every limit and CEL rule of the standard-channel
 * CRD (the Gateway API GRPCRoute reference, https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute) and returns it with the CRD defaults applied.
 */
export function readGRPCRouteSpec(ck: Checker, raw: Obj, namespace: string): GRPCRouteSpec {
  const out: GRPCRouteSpec = { parentRefs: [], hostnames: [], rules: [] };
  const spec = readObject(ck, required(ck, raw, "spec", [], "add spec with parentRefs and rules"), ["spec"], {
    known: ["parentRefs", "hostnames", "rules"],
    hints: { useDefaultGateways: EXPERIMENTAL },
  });
  if (spec === undefined) return out;
  out.parentRefs = readParentRefs(ck, field(spec, "parentRefs"), ["spec", "parentRefs"], namespace);
  const hostnames = readList(ck, field(spec, "hostnames"), ["spec", "hostnames"], {
    max: LIMITS.hostnames,
    fix: "use at most 16 hostnames; split the route into two GRPCRoutes",
  });
  (hostnames ?? []).forEach((h, i) => {
    const host = readHostname(ck, h, ["spec", "hostnames", i]);
    if (host !== undefined) out.hostnames.push(host);
  });
  out.rules = readRules(ck, field(spec, "rules"), ["spec", "rules"], namespace);
  return out;
}

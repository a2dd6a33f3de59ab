import type { Filter, FieldPath } from "../model.ts";
import { LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readObjectName } from "./fields.ts";
import { readHeaderModifier } from "./header-modifier.ts";
import { BACKEND_OBJECT_REF_FIELDS, readBackendObjectRef } from "./object-ref.ts";
import { field, readInt, readList, readObject, readString, required, type Obj } from "./read.ts";

type FilterType = Filter["type"];

/** Each filter type and the field that carries its body (the eight union CEL rules). */
const BODIES: readonly (readonly [FilterType, string])[] = [
  ["RequestHeaderModifier", "requestHeaderModifier"],
  ["ResponseHeaderModifier", "responseHeaderModifier"],
  ["RequestMirror", "requestMirror"],
  ["ExtensionRef", "extensionRef"],
];
const FILTER_TYPES: readonly FilterType[] = ["ResponseHeaderModifier", "RequestHeaderModifier", "RequestMirror", "ExtensionRef"];
const HTTP_ONLY = "GRPCRoute has no such filter (HTTPRoute only); use RequestHeaderModifier, ResponseHeaderModifier or RequestMirror";
const HINTS = { requestRedirect: HTTP_ONLY, urlRewrite: HTTP_ONLY, cors: HTTP_ONLY, externalAuth: HTTP_ONLY };
const SUPPORTED = "grpcroute-edge supports RequestHeaderModifier, ResponseHeaderModifier and RequestMirror";

/** `HTTPRequestMirrorFilter` with its three CEL rules (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)). */
function readMirror(ck: Checker, v: Obj, path: FieldPath, ns: string): Extract<Filter, { type: "RequestMirror" }>["requestMirror"] {
  const refPath = [...path, "backendRef"];
  const refObj = readObject(ck, required(ck, v, "backendRef", path, "add backendRef: {name, port}"), refPath, {
    known: BACKEND_OBJECT_REF_FIELDS,
  });
  const backendRef = readBackendObjectRef(ck, refObj ?? {}, refPath, ns);
  const out: ReturnType<typeof readMirror> = { backendRef };
  const percent = readInt(ck, field(v, "percent"), [...path, "percent"], { min: 0, max: LIMITS.percentMax });
  if (percent !== undefined) out.percent = percent;
  const fPath = [...path, "fraction"];
  const frac = readObject(ck, field(v, "fraction"), fPath, { known: ["numerator", "denominator"] });
  if (frac !== undefined) {
    const numerator = readInt(ck, required(ck, frac, "numerator", fPath), [...fPath, "numerator"], { min: 0 });
    const denominator = readInt(ck, field(frac, "denominator"), [...fPath, "denominator"], { min: 1 }) ?? 100;
    if (numerator !== undefined && numerator > denominator) {
      ck.error(
        [...fPath, "numerator"],
        `numerator must be less than or equal to denominator (${numerator} > ${denominator})`,
        "lower the numerator or raise the denominator (default 100)",
      );
    }
    out.fraction = { numerator: numerator ?? 0, denominator };
  }
  if (field(v, "percent") !== undefined && frac !== undefined) {
    ck.error(path, "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter", "keep either percent or fraction");
  }
  return out;
}

function readFilter(ck: Checker, item: unknown, p: FieldPath, ns: string): Filter | undefined {
  const f = readObject(ck, item, p, { known: ["type", ...BODIES.map(([, b]) => b)], hints: HINTS });
  if (f === undefined) return undefined;
  const rawType = required(ck, f, "type", p, `add type: one of ${FILTER_TYPES.join(", ")}`);
  const type = readString(ck, rawType, [...p, "type"], { enum: FILTER_TYPES }) as FilterType | undefined;
  if (type === undefined) return undefined;
  for (const [t, body] of BODIES) {
    const has = field(f, body) !== undefined;
    if (has && type !== t) {
      ck.error([...p, body], `filter.${body} must be nil if the filter.type is not ${t}`, `remove ${body}, or set type: ${t}`, "key");
    } else if (!has && type === t) {
      ck.error([...p, body], `filter.${body} must be specified for ${t} filter.type`, `add ${body} with the filter's settings`);
    }
  }
  const body = field(f, BODIES.find(([t]) => t === type)?.[1] ?? "");
  switch (type) {
    case "RequestHeaderModifier":
      return { type, requestHeaderModifier: readHeaderModifier(ck, body, [...p, "requestHeaderModifier"]) };
    case "ResponseHeaderModifier":
      return { type, responseHeaderModifier: readHeaderModifier(ck, body, [...p, "responseHeaderModifier"]) };
    case "RequestMirror": {
      const m = readObject(ck, body, [...p, "requestMirror"], { known: ["backendRef", "percent", "fraction"] });
      return m === undefined ? undefined : { type, requestMirror: readMirror(ck, m, [...p, "requestMirror"], ns) };
    }
    case "ExtensionRef": {
      const ePath = [...p, "extensionRef"];
      const e = readObject(ck, body, ePath, { known: ["group", "kind", "name"] });
      if (e === undefined) return undefined;
      const group = readGroup(ck, required(ck, e, "group", ePath, 'add group (use "" for core)'), [...ePath, "group"]);
      const kind = readKind(ck, required(ck, e, "kind", ePath), [...ePath, "kind"]);
      const name = readObjectName(ck, required(ck, e, "name", ePath), [...ePath, "name"]);
      ck.error([...p, "type"], "ExtensionRef filters are not implemented by grpcroute-edge", `remove the filter; ${SUPPORTED}`);
      return { type, extensionRef: { group: group ?? "", kind: kind ?? "", name: name ?? "" } };
    }
  }
}

/**
 * `filters` of a rule or of a backendRef (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)): at most 16, the eight union CEL
 * rules per filter, and each header modifier at most once in the list.
 */
export function readFilters(ck: Checker, v: unknown, path: FieldPath, routeNamespace: string): Filter[] {
  const list = readList(ck, v, path, { max: LIMITS.filters, fix: "use at most 16 filters" });
  const out: Filter[] = [];
  const firstOf = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const p = [...path, i];
    const filter = readFilter(ck, item, p, routeNamespace);
    if (filter === undefined) return;
    if (filter.type === "RequestHeaderModifier" || filter.type === "ResponseHeaderModifier") {
      const first = firstOf.get(filter.type);
      if (first !== undefined) {
        ck.error(
          [...p, "type"],
          `${filter.type} filter cannot be repeated (first at filters[${first}])`,
          `merge the set, add and remove lists into the first ${filter.type}`,
        );
        return;
      }
      firstOf.set(filter.type, i);
    }
    out.push(filter);
  });
  return out;
}

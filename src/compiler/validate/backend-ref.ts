import type { BackendRef, FieldPath } from "../model.ts";
import { LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { BACKEND_OBJECT_REF_FIELDS, readBackendObjectRef } from "./object-ref.ts";
import { readFilters } from "./route-filter.ts";
import { field, readInt, readList, readObject } from "./read.ts";

/** `backendRefs` of one rule (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)): at most 16, weight 0..1,000,000 defaulting to 1. */
export function readBackendRefs(ck: Checker, v: unknown, path: FieldPath, routeNamespace: string): BackendRef[] {
  const list = readList(ck, v, path, {
    max: LIMITS.backendRefs,
    fix: "use at most 16 backendRefs; put the backends behind one Service instead",
  });
  const out: BackendRef[] = [];
  (list ?? []).forEach((item, i) => {
    const p = [...path, i];
    const b = readObject(ck, item, p, { known: [...BACKEND_OBJECT_REF_FIELDS, "weight", "filters"] });
    if (b === undefined) return;
    const ref = readBackendObjectRef(ck, b, p, routeNamespace);
    const weight =
      readInt(ck, field(b, "weight"), [...p, "weight"], {
        min: 0,
        max: LIMITS.weightMax,
        fix: "use a whole number between 0 and 1000000 (a proportion, not a percentage)",
      }) ?? 1;
    const filters = readFilters(ck, field(b, "filters"), [...p, "filters"], routeNamespace);
    out.push({ ...ref, weight, filters });
  });
  return out;
}

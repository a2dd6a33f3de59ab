import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import type { ResourceIndex } from "./index-resources.ts";
import type { Filter, GRPCRouteDoc } from "../model.ts";
import { resolveParents, type ParentResolution } from "./parents.ts";
import { resolveRef, type ResolvedRef } from "./backends.ts";
import { routePolicy, type RoutePolicy } from "./route-policy.ts";

export interface ResolvedRule {
  refs: (ResolvedRef & { weight: number })[];
}

export interface RouteWork {
  route: GRPCRouteDoc;
  label: string;
  parents: ParentResolution[];
  /** Services this route is parented to: refs to them mean their own origin. */
  ownServices: Set<string>;
  rules: ResolvedRule[];
  mirrors: ResolvedRef[][][];
  ruleIds: number[];
  /** Linkerd retry/timeout annotations, copied onto every rule. */
  policy: RoutePolicy;
}

/** Attaches a route, resolves every reference in it, and reads its policy annotations: all a route needs before emission. */
export function prepareRoute(route: GRPCRouteDoc, index: ResourceIndex, diagnostics: Diagnostic[]): RouteWork {
  const label = objectLabel("GRPCRoute", route.metadata.namespace, route.metadata.name);
  const parents = resolveParents(route, index, diagnostics);
  const ownServices = new Set(parents.flatMap((p) => p.attachments.flatMap((a) => (a.kind === "service" ? [a.service] : []))));
  const mirrorsOf = (filters: readonly Filter[], base: (string | number)[]): ResolvedRef[] =>
    filters.flatMap((f, fi) =>
      f.type === "RequestMirror"
        ? [resolveRef(route, f.requestMirror.backendRef, [...base, "filters", fi, "requestMirror", "backendRef"], index, diagnostics)]
        : [],
    );
  const rules: ResolvedRule[] = [];
  const mirrors: ResolvedRef[][][] = [];
  route.spec.rules.forEach((rule, ri) => {
    const base = ["spec", "rules", ri];
    rules.push({
      refs: rule.backendRefs.map((ref, bi) => {
        const path = [...base, "backendRefs", bi];
        if (ref.weight === 0) {
          diagnostics.push({
            severity: "warning",
            pos: route.locate([...path, "weight"]),
            object: label,
            path: formatPath([...path, "weight"]),
            message: `backend ${ref.name} has weight 0 and never receives traffic`,
            fix: "give it a weight above 0, or remove the backendRef",
          });
          // ResolvedRefs covers every reference whatever its weight, but the reference's own
          // warnings speak of a share of traffic it does not have: the weight warning says enough.
          return { ...resolveRef(route, ref, path, index, []), weight: 0 };
        }
        return { ...resolveRef(route, ref, path, index, diagnostics), weight: ref.weight };
      }),
    });
    mirrors.push([
      mirrorsOf(rule.filters, base),
      ...rule.backendRefs.map((ref, bi) => mirrorsOf(ref.filters, [...base, "backendRefs", bi])),
    ]);
  });
  return { route, label, parents, ownServices, rules, mirrors, ruleIds: [], policy: routePolicy(route, label, diagnostics) };
}

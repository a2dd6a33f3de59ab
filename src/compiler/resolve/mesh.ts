import { formatPath, type Diagnostic } from "../diagnostics.ts";
import type { GRPCRouteDoc } from "../model.ts";
import type { ResolvedRef } from "./backends.ts";

interface MeshWork {
  route: GRPCRouteDoc;
  label: string;
  rules: { refs: (ResolvedRef & { weight: number })[] }[];
}

/**
 * The names a client inside a cluster would use for a Service: GAMMA routes parented to
 * the Service apply to requests addressed to any of them.
 */
export function meshAliases(service: string): string[] {
  const [namespace, name] = service.split("/") as [string, string];
  return [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`];
}

/**
 * Service-parent chains must end: Service A's routes sending to B whose routes send back
 * to A would loop forever. Each backendRef that closes a cycle is an error.
 */
export function findServiceCycles<W extends MeshWork>(
  mesh: ReadonlyMap<string, readonly { work: W }[]>,
  chained: (w: W, ref: ResolvedRef) => boolean,
  diagnostics: Diagnostic[],
): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (service: string): void => {
    state.set(service, "visiting");
    for (const { work: w } of mesh.get(service) ?? []) {
      w.rules.forEach((rule, ri) =>
        rule.refs.forEach((ref, bi) => {
          if (ref.weight === 0 || !chained(w, ref)) return;
          const next = ref.service!;
          const seen = state.get(next);
          if (seen === "visiting") {
            const path = ["spec", "rules", ri, "backendRefs", bi];
            diagnostics.push({
              severity: "error",
              pos: w.route.locate(path),
              object: w.label,
              path: formatPath(path),
              message: `sending traffic for Service ${service} to Service ${next} closes a cycle of Service-parented routes`,
              fix: `send to a Service without routes parented to it, or to ${service} itself (its own origin)`,
            });
          } else if (seen === undefined) visit(next);
        }),
      );
    }
    state.set(service, "done");
  };
  for (const service of [...mesh.keys()].sort()) if (!state.has(service)) visit(service);
}

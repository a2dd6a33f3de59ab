import type { Origin } from "../../table/types.ts";
import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import { key, type ResourceIndex } from "./index-resources.ts";
import type { BackendObjectRef, GRPCRouteDoc, FieldPath } from "../model.ts";
import { ANNOTATION, originOf } from "./origins.ts";

/** A backendRef after lookup: an origin, a Service to chain through, or the reason it is invalid. */
export interface ResolvedRef {
  name: string;
  namespace: string;
  port: number;
  /** `namespace/name` of the core Service it names, when it names one that exists. */
  service?: string;
  origin?: Origin;
  /** ResolvedRefs reason: BackendNotFound, RefNotPermitted or InvalidKind. */
  invalid?: string;
  /** The ResolvedRefs message, when the reason alone does not say what to change. */
  statusMessage?: string;
  /**
   * Set when the Service exists but the edge cannot reach it. Reported only when traffic can
   * fall through to it: a Service with routes parented to it needs no origin of its own.
   */
  originProblem?: { message: string; fix: string };
}

/**
 * Resolves one backend reference of `route` (a backendRef or a mirror target), reporting
 * why it cannot carry traffic. Problems here are warnings: the Gateway API keeps the rest
 * of the route working and answers the invalid share with UNAVAILABLE.
 */
export function resolveRef(
  route: GRPCRouteDoc,
  ref: BackendObjectRef,
  path: FieldPath,
  index: ResourceIndex,
  diagnostics: Diagnostic[],
): ResolvedRef {
  const out: ResolvedRef = { name: ref.name, namespace: ref.namespace, port: ref.port ?? 0 };
  const warn = (reason: string, message: string, fix: string): ResolvedRef => {
    diagnostics.push({
      severity: "warning",
      pos: route.locate(path),
      object: objectLabel("GRPCRoute", route.metadata.namespace, route.metadata.name),
      path: formatPath(path),
      message,
      fix,
    });
    out.invalid = reason;
    return out;
  };
  if (ref.group !== "" || ref.kind !== "Service") {
    return warn(
      "InvalidKind",
      `backend kind ${ref.group === "" ? "" : `${ref.group}/`}${ref.kind} is not supported; its share of traffic gets UNAVAILABLE`,
      'reference a core Service (group "", kind Service)',
    );
  }
  if (ref.namespace !== route.metadata.namespace && !granted(route, ref, index)) {
    return warn(
      "RefNotPermitted",
      `backend ${ref.namespace}/${ref.name} is in another namespace and no ReferenceGrant allows it; its share of traffic gets UNAVAILABLE`,
      `add a ReferenceGrant in namespace ${ref.namespace} from GRPCRoute in ${route.metadata.namespace} to Service ${ref.name}`,
    );
  }
  const service = index.services.get(key(ref.namespace, ref.name));
  if (service === undefined) {
    return warn(
      "BackendNotFound",
      `Service ${ref.namespace}/${ref.name} is not defined; its share of traffic gets UNAVAILABLE`,
      "define the Service (type: ExternalName with the origin host) or fix the backendRef",
    );
  }
  out.service = key(ref.namespace, ref.name);
  if (service.spec.ports.length > 0 && !service.spec.ports.some((p) => p.port === out.port)) {
    return warn(
      "BackendNotFound",
      `Service ${ref.namespace}/${ref.name} has no port ${out.port}; its share of traffic gets UNAVAILABLE`,
      `use one of its ports (${service.spec.ports.map((p) => p.port).join(", ")})`,
    );
  }
  const origin = originOf(service, out.port);
  if ("problem" in origin) {
    // The protocol is fine; what the edge lacks is an address to send to. Of the spec's
    // ResolvedRefs reasons only BackendNotFound says that, so the message names what to add.
    out.invalid = "BackendNotFound";
    out.statusMessage = NO_ORIGIN;
    out.originProblem = { message: origin.problem, fix: origin.fix };
    return out;
  }
  out.origin = origin.origin;
  return out;
}

const NO_ORIGIN = `Service has no origin: add the ${ANNOTATION.origin} annotation, type: ExternalName, or an ORIGINS entry`;

/** ReferenceGrant semantics: a grant in the target namespace, from GRPCRoutes of ours, to this Service. */
function granted(route: GRPCRouteDoc, ref: BackendObjectRef, index: ResourceIndex): boolean {
  return index.grants.some(
    (g) =>
      g.metadata.namespace === ref.namespace &&
      g.spec.from.some(
        (f) => f.group === "gateway.networking.k8s.io" && f.kind === "GRPCRoute" && f.namespace === route.metadata.namespace,
      ) &&
      g.spec.to.some((t) => t.group === "" && t.kind === "Service" && (t.name === undefined || t.name === ref.name)),
  );
}

/**
 * A Service's own origin, for traffic that none of its parented routes matches. No grant
 * is needed: that traffic was already allowed to reach the Service.
 */
export function serviceFallback(index: ResourceIndex, service: string, port: number): ResolvedRef {
  const [namespace, name] = service.split("/") as [string, string];
  const out: ResolvedRef = { name, namespace, port, service };
  const doc = index.services.get(service);
  const origin = doc === undefined ? undefined : originOf(doc, port);
  if (origin === undefined) out.invalid = "BackendNotFound";
  else if ("problem" in origin) {
    out.invalid = "BackendNotFound";
    out.statusMessage = NO_ORIGIN;
  } else out.origin = origin.origin;
  return out;
}

import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import { intersect } from "./hostnames.ts";
import { key, namespaceLabels, type ResourceIndex } from "./index-resources.ts";
import type { GRPCRouteDoc, Listener, ParentRef } from "../model.ts";
import { condition, type Condition } from "../status.ts";

const GATEWAY_GROUP = "gateway.networking.k8s.io";

/** Where a route's rules are served: a listener hostname group with the route's effective hostnames. */
export interface ListenerAttachment {
  kind: "listener";
  /** `namespace/name` of the Gateway, and the listener's name: what a policy can target. */
  gateway: string;
  listener: string;
  /** The listener's hostname, "" for none: listeners with equal hostnames form one group. */
  listenerHost: string;
  /** Route hostnames intersected with the listener's; [""] when neither has any. */
  hostnames: string[];
}

/** A GAMMA parent: the route re-routes traffic sent to this Service (and port, when given). */
export interface ServiceAttachment {
  kind: "service";
  service: string;
  port?: number;
}

export type Attachment = ListenerAttachment | ServiceAttachment;

export interface ParentResolution {
  parentIndex: number;
  label: string;
  attachments: Attachment[];
  accepted: Condition;
  /** The warning that says why this parent does not accept the route: `--strict` makes it an error. */
  unaccepted?: Diagnostic;
}

/**
 * Attaches a route to its parents the way a Gateway API controller does (ParentReference,
 * Listener.allowedRoutes, GRPCRouteSpec.Hostnames intersection), reporting the Accepted
 * condition for each parent and a diagnostic for each parent that takes no traffic.
 * A parent that does not accept the route is a warning, not an error: in the Gateway API
 * that is the route's status (Accepted=False), and every other route keeps working.
 */
export function resolveParents(route: GRPCRouteDoc, index: ResourceIndex, diagnostics: Diagnostic[]): ParentResolution[] {
  const out: ParentResolution[] = [];
  const self = objectLabel("GRPCRoute", route.metadata.namespace, route.metadata.name);
  route.spec.parentRefs.forEach((ref, i) => {
    const path = ["spec", "parentRefs", i];
    const report = (message: string, fix: string, severity: "error" | "warning" = "error"): Diagnostic => {
      const d: Diagnostic = { severity, pos: route.locate(path), object: self, path: formatPath(path), message, fix };
      diagnostics.push(d);
      return d;
    };
    if (ref.group === "" && ref.kind === "Service") {
      out.push(resolveServiceParent(ref, i, index, report));
    } else if (ref.group === GATEWAY_GROUP && ref.kind === "Gateway") {
      out.push(resolveGatewayParent(route, ref, i, index, report));
    } else {
      report(
        `parent kind ${ref.group === "" ? "" : `${ref.group}/`}${ref.kind} is not supported`,
        'use a Gateway (group gateway.networking.k8s.io) or a Service (group "") as parent',
      );
    }
  });
  return out;
}

type Report = (message: string, fix: string, severity?: "error" | "warning") => Diagnostic;

function resolveServiceParent(ref: ParentRef, i: number, index: ResourceIndex, report: Report): ParentResolution {
  const label = `Service ${ref.namespace}/${ref.name}${ref.port === undefined ? "" : `:${ref.port}`}`;
  const service = index.services.get(key(ref.namespace, ref.name));
  const reject = (message: string, fix: string, status: string): ParentResolution => {
    const unaccepted = report(message, fix, "warning");
    return { parentIndex: i, label, attachments: [], accepted: condition("Accepted", false, "NoMatchingParent", status), unaccepted };
  };
  if (service === undefined) {
    return reject(
      `parent Service ${ref.namespace}/${ref.name} is not defined`,
      "define the Service (type: ExternalName names its origin) or fix parentRefs name/namespace",
      "Service not found",
    );
  }
  if (ref.port !== undefined && service.spec.ports.length > 0 && !service.spec.ports.some((p) => p.port === ref.port)) {
    return reject(
      `parent Service ${ref.namespace}/${ref.name} has no port ${ref.port}`,
      `use one of its ports (${service.spec.ports.map((p) => p.port).join(", ")}) or drop parentRefs port`,
      `no port ${ref.port}`,
    );
  }
  const attachment: ServiceAttachment = { kind: "service", service: key(ref.namespace, ref.name) };
  if (ref.port !== undefined) attachment.port = ref.port;
  return { parentIndex: i, label, attachments: [attachment], accepted: condition("Accepted", true, "Accepted", "Route is accepted") };
}

function resolveGatewayParent(route: GRPCRouteDoc, ref: ParentRef, i: number, index: ResourceIndex, report: Report): ParentResolution {
  const section = ref.sectionName === undefined ? "" : ` (listener ${ref.sectionName})`;
  const label = `Gateway ${ref.namespace}/${ref.name}${section}`;
  const reject = (reason: string, message: string, fix: string): ParentResolution => {
    const unaccepted = report(message, fix, "warning");
    return { parentIndex: i, label, attachments: [], accepted: condition("Accepted", false, reason, message), unaccepted };
  };
  const gateway = index.gateways.get(key(ref.namespace, ref.name));
  if (gateway === undefined) {
    return reject(
      "NoMatchingParent",
      `parent Gateway ${ref.namespace}/${ref.name} is not defined`,
      "add the Gateway to the route files or fix parentRefs name/namespace",
    );
  }
  let listeners = gateway.spec.listeners;
  if (ref.sectionName !== undefined) listeners = listeners.filter((l) => l.name === ref.sectionName);
  if (ref.port !== undefined) listeners = listeners.filter((l) => l.port === ref.port);
  if (listeners.length === 0) {
    const names = gateway.spec.listeners.map((l) => `${l.name}:${l.port}`).join(", ");
    return reject(
      "NoMatchingParent",
      `Gateway ${ref.namespace}/${ref.name} has no listener matching${ref.sectionName === undefined ? "" : ` sectionName ${ref.sectionName}`}${ref.port === undefined ? "" : ` port ${ref.port}`}`,
      `use one of its listeners (${names})`,
    );
  }
  const allowed = listeners.filter((l) => allows(l, gateway.metadata.namespace, route.metadata.namespace, index));
  if (allowed.length === 0) {
    return reject(
      "NotAllowedByListeners",
      `no listener of Gateway ${ref.namespace}/${ref.name} allows GRPCRoutes from namespace ${route.metadata.namespace}`,
      "set the listener's allowedRoutes (namespaces.from: All or a Selector, kinds including GRPCRoute) or move the route",
    );
  }
  const attachments: ListenerAttachment[] = [];
  for (const l of allowed) {
    const listenerHost = l.hostname ?? "";
    const hostnames =
      route.spec.hostnames.length === 0
        ? [listenerHost]
        : uniq(route.spec.hostnames.map((h) => intersect(listenerHost, h)).filter((h): h is string => h !== null));
    if (hostnames.length > 0)
      attachments.push({ kind: "listener", gateway: key(ref.namespace, ref.name), listener: l.name, listenerHost, hostnames });
  }
  if (attachments.length === 0) {
    return reject(
      "NoMatchingListenerHostname",
      `none of the route's hostnames (${route.spec.hostnames.join(", ")}) intersects the listener hostnames of Gateway ${ref.namespace}/${ref.name} (${allowed.map((l) => l.hostname ?? "any").join(", ")})`,
      "add a hostname the listener serves, or attach the route to a listener with a matching hostname",
    );
  }
  return { parentIndex: i, label, attachments, accepted: condition("Accepted", true, "Accepted", "Route is accepted") };
}

function allows(l: Listener, gatewayNs: string, routeNs: string, index: ResourceIndex): boolean {
  if (l.protocol !== "HTTP" && l.protocol !== "HTTPS") return false;
  const kinds = l.allowedRoutes.kinds;
  if (kinds.length > 0 && !kinds.some((k) => k.kind === "GRPCRoute" && (k.group === "" ? GATEWAY_GROUP : k.group) === GATEWAY_GROUP)) {
    return false;
  }
  switch (l.allowedRoutes.namespacesFrom) {
    case "All":
      return true;
    case "Same":
      return routeNs === gatewayNs;
    case "Selector": {
      const labels = namespaceLabels(index, routeNs);
      return Object.entries(l.allowedRoutes.namespaceSelector ?? {}).every(([k, v]) => labels[k] === v);
    }
  }
}

function uniq(list: string[]): string[] {
  return [...new Set(list)];
}

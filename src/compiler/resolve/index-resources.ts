import type {
  ConfigMapDoc,
  GatewayDoc,
  GRPCRouteDoc,
  NamespaceDoc,
  ReferenceGrantDoc,
  Resource,
  SecretDoc,
  SecurityPolicyDoc,
  BackendTrafficPolicyDoc,
  ServiceDoc,
} from "../model.ts";

/** The loaded resources by kind and `namespace/name`, for the cross-object checks. */
export interface ResourceIndex {
  routes: GRPCRouteDoc[];
  gateways: Map<string, GatewayDoc>;
  services: Map<string, ServiceDoc>;
  namespaces: Map<string, NamespaceDoc>;
  grants: ReferenceGrantDoc[];
  /** In input order; attachment sorts them by age. */
  securityPolicies: SecurityPolicyDoc[];
  trafficPolicies: BackendTrafficPolicyDoc[];
  secrets: Map<string, SecretDoc>;
  configMaps: Map<string, ConfigMapDoc>;
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * Later definitions of the same object replace earlier ones, as `kubectl apply` of the
 * files in order would; routes keep their input order (the loader sorts files).
 */
export function indexResources(resources: readonly Resource[]): ResourceIndex {
  const index: ResourceIndex = {
    routes: [],
    gateways: new Map(),
    services: new Map(),
    namespaces: new Map(),
    grants: [],
    securityPolicies: [],
    trafficPolicies: [],
    secrets: new Map(),
    configMaps: new Map(),
  };
  for (const r of resources) {
    const k = key(r.metadata.namespace, r.metadata.name);
    switch (r.kind) {
      case "GRPCRoute":
        index.routes.push(r);
        break;
      case "Gateway":
        index.gateways.set(k, r);
        break;
      case "Service":
        index.services.set(k, r);
        break;
      case "Namespace":
        index.namespaces.set(r.metadata.name, r);
        break;
      case "ReferenceGrant":
        index.grants.push(r);
        break;
      case "SecurityPolicy":
        index.securityPolicies = index.securityPolicies.filter((p) => key(p.metadata.namespace, p.metadata.name) !== k);
        index.securityPolicies.push(r);
        break;
      case "BackendTrafficPolicy":
        index.trafficPolicies = index.trafficPolicies.filter((p) => key(p.metadata.namespace, p.metadata.name) !== k);
        index.trafficPolicies.push(r);
        break;
      case "Secret":
        index.secrets.set(k, r);
        break;
      case "ConfigMap":
        index.configMaps.set(k, r);
        break;
    }
  }
  return index;
}

/** Labels of a namespace for `allowedRoutes` selectors, with the label Kubernetes always sets. */
export function namespaceLabels(index: ResourceIndex, namespace: string): Record<string, string> {
  return {
    ...(index.namespaces.get(namespace)?.metadata.labels ?? {}),
    "kubernetes.io/metadata.name": namespace,
  };
}

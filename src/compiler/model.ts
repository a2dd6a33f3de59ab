/**
 * The typed documents the loader hands to the resolver: every object that passed
 * schema validation, with a way back to its source position for diagnostics.
 *
 * Field names follow the Gateway API and Kubernetes core types; defaults from the
 * CRDs (method.type Exact, weight 1, parentRef kind Gateway, ...) are already applied.
 */

/** A place in a source file; `line` and `col` are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A field path inside one document, e.g. `["spec", "rules", 0, "matches", 1]`. */
export type FieldPath = readonly (string | number)[];

/** Finds the position of the deepest node that exists along `path` (the document start if none). */
export type Locate = (path: FieldPath) => SourcePos;

export interface ObjectMeta {
  name: string;
  /** `default` when the manifest omits it. */
  namespace: string;
  /** RFC 3339, as written; absent when the manifest has none. */
  creationTimestamp?: string;
  annotations: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
}

interface Doc<K extends string, S> {
  kind: K;
  apiVersion: string;
  metadata: ObjectMeta;
  spec: S;
  locate: Locate;
}

// ---- GRPCRoute (gateway.networking.k8s.io/v1 and v1alpha2) ----

export interface ParentRef {
  /** "gateway.networking.k8s.io" by default; "" (core) for a Service parent. */
  group: string;
  /** "Gateway" by default. */
  kind: string;
  /** The route's namespace when omitted. */
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export type MatchType = "Exact" | "RegularExpression";

export interface MethodMatch {
  type: MatchType;
  service?: string;
  method?: string;
}

export interface HeaderMatch {
  type: MatchType;
  /** As written; compare case-insensitively. */
  name: string;
  value: string;
}

export interface RouteMatch {
  method?: MethodMatch;
  headers: HeaderMatch[];
}

export interface HeaderModifier {
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
}

export interface BackendObjectRef {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  port?: number;
}

export type Filter =
  | { type: "RequestHeaderModifier"; requestHeaderModifier: HeaderModifier }
  | { type: "ResponseHeaderModifier"; responseHeaderModifier: HeaderModifier }
  | {
      type: "RequestMirror";
      requestMirror: {
        backendRef: BackendObjectRef;
        percent?: number;
        fraction?: { numerator: number; denominator: number };
      };
    }
  | { type: "ExtensionRef"; extensionRef: { group: string; kind: string; name: string } };

export interface BackendRef extends BackendObjectRef {
  /** 1 when omitted. */
  weight: number;
  filters: Filter[];
}

export interface RouteRule {
  name?: string;
  /** Empty means "match every request". */
  matches: RouteMatch[];
  filters: Filter[];
  backendRefs: BackendRef[];
}

export interface GRPCRouteSpec {
  parentRefs: ParentRef[];
  hostnames: string[];
  rules: RouteRule[];
}

export type GRPCRouteDoc = Doc<"GRPCRoute", GRPCRouteSpec>;

// ---- Gateway ----

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  allowedRoutes: {
    /** "Same" by default. */
    namespacesFrom: "Same" | "All" | "Selector";
    /** matchLabels of `namespaces.selector`, when `from: Selector`. */
    namespaceSelector?: Readonly<Record<string, string>>;
    /** Empty means the protocol's default kinds (GRPCRoute and HTTPRoute for HTTP/HTTPS). */
    kinds: { group: string; kind: string }[];
  };
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners: Listener[];
}

export type GatewayDoc = Doc<"Gateway", GatewaySpec>;

// ---- ReferenceGrant (gateway.networking.k8s.io/v1beta1 and v1) ----

export interface ReferenceGrantSpec {
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}

export type ReferenceGrantDoc = Doc<"ReferenceGrant", ReferenceGrantSpec>;

// ---- core/v1 Service (ExternalName names an origin) and Namespace (labels for selectors) ----

export interface ServicePort {
  name?: string;
  port: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type: string;
  externalName?: string;
  ports: ServicePort[];
}

export type ServiceDoc = Doc<"Service", ServiceSpec>;

export type NamespaceDoc = Doc<"Namespace", Record<string, never>>;

export type Resource = GRPCRouteDoc | GatewayDoc | ReferenceGrantDoc | ServiceDoc | NamespaceDoc;

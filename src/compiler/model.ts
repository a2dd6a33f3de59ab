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

export type Resource =
  | GRPCRouteDoc
  | GatewayDoc
  | ReferenceGrantDoc
  | ServiceDoc
  | NamespaceDoc
  | SecurityPolicyDoc
  | BackendTrafficPolicyDoc
  | SecretDoc
  | ConfigMapDoc;

// ---- Envoy Gateway policy attachments (gateway.envoyproxy.io/v1alpha1) ----
// https://gateway.envoyproxy.io/docs/api/extension_types/ ; validated against the CRD
// schemas and CEL rules, with the schema's defaults filled in.

/** A `targetRefs[]` entry (or the deprecated `targetRef`): always in the policy's namespace. */
export interface PolicyTargetRef {
  group: string;
  kind: string;
  name: string;
  /** A GRPCRoute rule's `name`, or a Gateway listener's `name`. */
  sectionName?: string;
}

/** A Secret reference; `namespace` defaults to the policy's. */
export interface SecretRef {
  name: string;
  namespace: string;
}

/** Where a provider looks for tokens; absent means `Authorization: Bearer …` and `?access_token=`. */
export interface JwtExtractFrom {
  headers: { name: string; valuePrefix?: string }[];
  cookies: string[];
  params: string[];
}

export interface JwtProviderSpec {
  name: string;
  issuer?: string;
  audiences: string[];
  /** Exactly one of `remoteJWKS` and `localJWKS`. */
  remoteJWKS?: { uri: string; cacheDurationMs: number; failedRefetchDurationMs: number };
  localJWKS?: { inline: string } | { configMap: string };
  claimToHeaders: { header: string; claim: string }[];
  extractFrom?: JwtExtractFrom;
}

export interface JwtSpec {
  providers: JwtProviderSpec[];
  optional: boolean;
  failOpen: boolean;
}

/** One `extractFrom[]` entry: exactly one of the three lists is non-empty. */
export interface ApiKeySource {
  headers: string[];
  params: string[];
  cookies: string[];
}

export interface ApiKeyAuthSpec {
  credentialRefs: SecretRef[];
  extractFrom: ApiKeySource[];
  forwardClientIDHeader?: string;
  sanitize: boolean;
}

export interface BasicAuthSpec {
  users: SecretRef;
  forwardUsernameHeader?: string;
}

export type AuthorizationAction = "Allow" | "Deny";

export interface JwtPrincipal {
  provider: string;
  claims: { name: string; valueType: "String" | "StringArray"; values: string[] }[];
  scopes: string[];
}

export interface GeoLocation {
  country?: string;
  region?: string;
  city?: string;
  asn?: number;
}

export interface Principal {
  /** CIDRs as written (the reader has checked that each parses). */
  clientCIDRs: string[];
  jwt?: JwtPrincipal;
  headers: { name: string; values: string[] }[];
  clientIPGeoLocations: GeoLocation[];
}

export interface Operation {
  methods: string[];
  path?: { type: "Exact" | "PathPrefix" | "RegularExpression"; value: string; invert: boolean };
}

export interface AuthorizationRuleSpec {
  name?: string;
  action: AuthorizationAction;
  principal: Principal;
  operation?: Operation;
}

export interface AuthorizationSpec {
  /** Unset in the manifest means Deny. */
  defaultAction: AuthorizationAction;
  rules: AuthorizationRuleSpec[];
}

export interface SecurityPolicySpec {
  targetRefs: PolicyTargetRef[];
  /** The manifest used the deprecated single `targetRef`. */
  deprecatedTargetRef: boolean;
  jwt?: JwtSpec;
  apiKeyAuth?: ApiKeyAuthSpec;
  basicAuth?: BasicAuthSpec;
  authorization?: AuthorizationSpec;
}

export type SecurityPolicyDoc = Doc<"SecurityPolicy", SecurityPolicySpec>;

/** A Secret in the inputs only declares that a Worker secret exists: it may carry no data. */
export type SecretDoc = Doc<"Secret", { type?: string }>;

/** A ConfigMap holds a local JWKS (`localJWKS.valueRef`). */
export type ConfigMapDoc = Doc<"ConfigMap", { data: Readonly<Record<string, string>> }>;

/** A header or query parameter selector of a rate-limit rule. */
export interface RateLimitValueMatch {
  name: string;
  type: "Exact" | "RegularExpression" | "Distinct";
  /** Absent for Distinct. */
  value?: string;
  invert: boolean;
}

/** One `clientSelectors[]` entry: every condition given must hold. */
export interface RateLimitSelector {
  headers: RateLimitValueMatch[];
  methods: { value: string; invert: boolean }[];
  path?: { type: "Exact" | "PathPrefix" | "RegularExpression"; value: string; invert: boolean };
  sourceCIDR?: { type: "Exact" | "Distinct"; value: string; invert: boolean };
  queryParams: RateLimitValueMatch[];
}

export type RateLimitUnit = "Second" | "Minute" | "Hour" | "Day" | "Week" | "Month" | "Year";

export interface RateLimitRuleSpec {
  clientSelectors: RateLimitSelector[];
  limit: { requests: number; unit: RateLimitUnit };
  /** Global only: one counter across every target instead of one per route rule. */
  shared: boolean;
  /** Count and log, never limit. */
  shadowMode: boolean;
  xRateLimitHeaders?: "Off" | "DraftVersion03";
}

export interface RateLimitSpec {
  local?: { rules: RateLimitRuleSpec[] };
  global?: { rules: RateLimitRuleSpec[] };
}

/** `retry`, with Envoy Gateway's defaults filled in when the block is present. */
export interface RetrySpec {
  numRetries: number;
  triggers: string[];
  httpStatusCodes: number[];
  perRetryTimeoutMs?: number;
  backOff?: { baseIntervalMs: number; maxIntervalMs: number };
}

export interface TimeoutSpec {
  /** `0s` is kept as 0: no timeout. */
  requestTimeoutMs?: number;
  maxStreamDurationMs?: number;
  streamIdleTimeoutMs?: number;
}

export interface BackendTrafficPolicySpec {
  targetRefs: PolicyTargetRef[];
  deprecatedTargetRef: boolean;
  rateLimit?: RateLimitSpec;
  retry?: RetrySpec;
  timeout?: TimeoutSpec;
}

export type BackendTrafficPolicyDoc = Doc<"BackendTrafficPolicy", BackendTrafficPolicySpec>;

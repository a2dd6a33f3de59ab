/**
 * The compiled route table: the one contract between build time (src/compiler) and
 * run time (src/runtime, src/worker). Plain JSON data, versioned, no code.
 *
 * Everything that can be decided before a request arrives is decided by the compiler:
 * listener selection per host, precedence order, exact service/method lookups, header
 * predicates with lower-cased names, weights as cumulative sums, Service-parent chains
 * resolved to scope indices. The request path only does map lookups, walks short
 * pre-ranked lists, and compiles nothing but the regexes, once, at load.
 */

export const TABLE_VERSION = 3;

/** Index into `RouteTable.scopes`; -1 means none. */
export type ScopeId = number;

export interface RouteTable {
  version: typeof TABLE_VERSION;
  hosts: HostIndex;
  /** Candidate sets; a request is matched against exactly one scope (then one per Service hop). */
  scopes: Scope[];
  /** Each candidate is one (rule, match) pair: what matches and how it ranks. */
  candidates: Candidate[];
  rules: Rule[];
  backends: Backend[];
  origins: Origin[];
  routes: RouteRef[];
  /** Regex sources (RE2 syntax, already validated), referenced by index. */
  regexes: string[];
  /** The SecurityPolicies that apply to some rule (`Rule.security`); absent when none does. */
  security?: SecurityRow[];
  /** The rate limits of BackendTrafficPolicies that apply to some rule (`Rule.limits`). */
  limits?: LimitsRow[];
  /** Workers bindings the table needs; absent when it needs none. */
  bindings?: TableBindings;
}

/**
 * Listener isolation and route hostnames, flattened: the request host (lower-cased, port
 * and trailing dot removed) is looked up exactly, then by wildcard suffix from the most
 * labels to the fewest, then falls back.
 */
export interface HostIndex {
  /** "foo.example.com" → scope. */
  exact: Record<string, ScopeId>;
  /** "example.com" (for `*.example.com`) → scope. */
  wildcard: Record<string, ScopeId>;
  /** Hosts that match nothing above; -1 when no hostless listener has routes. */
  fallback: ScopeId;
}

/**
 * The candidates of one effective hostname in one listener group (or of one Service's
 * mesh routes). Every list holds candidate ids sorted by rank (ascending = higher
 * precedence); the winner is the lowest-ranked candidate whose remaining predicates hold.
 */
export interface Scope {
  /**
   * The scope of the next less specific hostname in the same listener (`*.example.com`
   * after `foo.example.com`, then the listener's hostless routes), -1 at the end.
   * Hostname length is the first precedence key, so every candidate here outranks
   * every candidate further along the chain.
   */
  next: ScopeId;
  /**
   * "/pkg.Service/Method" → every candidate that can match that exact path: its exact
   * matches merged with the service-only, method-only and catch-all candidates and the
   * regex candidates that match it (evaluated at build time), cut after the first one
   * with no header predicates. A request whose path is a key walks this list alone and
   * tests headers only.
   */
  exact: Record<string, number[]>;
  /** "pkg.Service" → candidates with an Exact service only. */
  service: Record<string, number[]>;
  /** "Method" → candidates with an Exact method only. */
  method: Record<string, number[]>;
  /** Regex methods, header-only and catch-all matches. */
  rest: number[];
  /** For a Service scope: what traffic gets when no rule matches (the Service itself); -1 otherwise. */
  fallbackBackend: number;
}

export interface Candidate {
  /** Position in the scope's total precedence order; lower wins. */
  rank: number;
  rule: number;
  /** Regex over the service (index into `regexes`), -1 when not a regex. */
  serviceRegex: number;
  methodRegex: number;
  headers: HeaderPredicate[];
}

export interface HeaderPredicate {
  /** Lower-case. */
  name: string;
  /** Exact value, or index into `regexes` when `regex` is true. */
  value: string;
  regex: boolean;
  regexId: number;
}

export type RejectCode = "unimplemented" | "unavailable";

export interface Rule {
  route: number;
  /** Index into the route's `spec.rules`. */
  index: number;
  /** The rule's `name`, when it has one (for logs). */
  name?: string;
  /** Backend ids with weight > 0, and the running sum of their weights. */
  backends: number[];
  cumulative: number[];
  /** Set when every request matching this rule is answered by the router itself. */
  reject?: { code: RejectCode; message: string };
  filters: Filters;
  /** From the route's `retry.linkerd.io/grpc` and `retry.linkerd.io/limit` annotations. */
  retry?: RetryPolicy;
  /** From `timeout.linkerd.io/request`: the call's deadline when the client sets none or a later one. */
  timeoutMs?: number;
  /** Index into `RouteTable.security`: the SecurityPolicy that applies to this rule. */
  security?: number;
  /** Index into `RouteTable.limits`: the rate limits of the BackendTrafficPolicy that applies. */
  limits?: number;
  /** From a BackendTrafficPolicy's `timeout.http.streamIdleTimeout`: overrides `STREAM_IDLE_TIMEOUT_MS`. */
  idleTimeoutMs?: number;
  /** From the route's `grpcroute-edge.dev/relay: exact`: the edge relays the whole response itself, never piping it natively. */
  exactRelay?: true;
}

/** Retries per call when a route says nothing: one more try after a connection that failed. */
export const DEFAULT_RETRY_LIMIT = 1;

export interface RetryPolicy {
  /** gRPC status codes (numbers) that make the edge send a call again; empty: only failed connections. */
  codes: number[];
  /** Retries per call, 0..10 (default 1). */
  limit: number;
  /** HTTP statuses of a non-gRPC answer that make the edge send a call again (a BackendTrafficPolicy's HTTP triggers). */
  httpStatuses?: number[];
  /** Each attempt's time to the origin's response headers; past it the attempt fails and may be retried. */
  perTryTimeoutMs?: number;
  /** Fully jittered exponential backoff between attempts. */
  backoff?: { baseMs: number; maxMs: number };
}

export interface HeaderOps {
  /** Names lower-case. */
  set: [string, string][];
  add: [string, string][];
  remove: string[];
}

export interface Mirror {
  backend: number;
  /** Mirror when random() * denominator < numerator. */
  numerator: number;
  denominator: number;
}

export interface Filters {
  request?: HeaderOps;
  response?: HeaderOps;
  mirrors?: Mirror[];
}

export interface Backend {
  name: string;
  namespace: string;
  port: number;
  /** Index into `origins`; -1 when the manifests give no origin (invalid share → UNAVAILABLE unless overridden). */
  origin: number;
  /** A Service with routes parented to it: match again in this scope. -1 otherwise. */
  scope: ScopeId;
  /** Why the backend is invalid (ResolvedRefs reason), when origin is -1. */
  invalid?: string;
  filters: Filters;
}

export type OriginProtocol = "grpc-web" | "connect";

export interface Origin {
  /** `https://api.internal:8443`, no trailing slash; empty for a service binding. */
  url: string;
  /** What the origin speaks; undefined means "both, forward in the client's protocol". */
  protocol?: OriginProtocol;
  /** Name of a Workers service binding that carries the request instead of fetch(). */
  binding?: string;
}

export interface RouteRef {
  namespace: string;
  name: string;
}

// ---- SecurityPolicy (Envoy Gateway, gateway.envoyproxy.io/v1alpha1), as the edge enforces it ----
// Stages run in Envoy Gateway's order: API key, Basic, JWT, then authorization. Names of
// headers are lower-case. Credentials are never in the table: only the names of the
// Worker secrets that hold them.

export interface SecurityRow {
  /** `namespace/name` of the SecurityPolicy, for messages and logs. */
  policy: string;
  apiKey?: ApiKeyRow;
  basic?: BasicRow;
  jwt?: JwtRow;
  authorization?: AuthorizationRow;
}

/** Where a credential is read from. A header's `prefix` is searched for in the value (Envoy's extractor). */
export type CredentialSource =
  | { from: "header"; name: string; prefix?: string }
  | { from: "param"; name: string }
  | { from: "cookie"; name: string };

export interface ApiKeyRow {
  /** Worker secret names, in `credentialRefs` order: each holds a JSON object of client id → key. */
  secrets: string[];
  /** Tried in order; the first non-empty value is the key. */
  sources: CredentialSource[];
  forwardClientIdHeader?: string;
  /** Remove the key from every source before forwarding. */
  sanitize: boolean;
}

export interface BasicRow {
  /** Worker secret name: a JSON object whose `.htpasswd` key holds `user:{SHA}…` lines. */
  secret: string;
  forwardUsernameHeader?: string;
}

export interface JwtRow {
  /** A call without any token passes (with no claims). */
  optional: boolean;
  /** A call with a missing or invalid token passes (with no claims). */
  failOpen: boolean;
  providers: JwtProviderRow[];
}

export type JwksSource =
  /** Fetched by the Worker, cached for `cacheMs`; an unknown `kid` refetches at most once per `failedRefetchMs`. */
  | { uri: string; cacheMs: number; failedRefetchMs: number }
  /** Public keys checked and inlined at build time. */
  | { keys: JsonWebKeyRow[] };

/** A public JWK as JSON (RFC 7517); the compiler keeps only public members. */
export type JsonWebKeyRow = Record<string, string | string[] | boolean | undefined>;

export interface JwtProviderRow {
  name: string;
  issuer?: string;
  /** Normalised: no leading `http://` or `https://`, no trailing `/`. Absent: `aud` is not checked. */
  audiences?: string[];
  jwks: JwksSource;
  claimToHeaders: { header: string; claim: string }[];
  /** Where tokens are looked for; every token found must be valid. */
  sources: CredentialSource[];
}

export interface AuthorizationRow {
  /** The action when no rule matches (a manifest that sets none denies). */
  defaultAllow: boolean;
  /** In order: the first rule whose conditions all hold decides. */
  rules: AuthorizationRuleRow[];
}

export interface AuthorizationRuleRow {
  name: string;
  allow: boolean;
  /** Any one contains the client IP (`cf-connecting-ip`). */
  cidrs?: string[];
  jwt?: {
    provider: string;
    claims: { name: string; array: boolean; values: string[] }[];
    scopes: string[];
  };
  /** Every header equals one of its values, case-sensitively. */
  headers?: { name: string; values: string[] }[];
  /** Any one entry matches `request.cf`; within one, all fields. Country upper-case; region, city compared case-insensitively. */
  geo?: { country?: string; region?: string; city?: string; asn?: number }[];
  /** HTTP methods, any one. */
  methods?: string[];
  /** Over the request path (query included): Exact, segment-aware PathPrefix, or a regex by id. */
  path?: { type: "Exact" | "PathPrefix"; value: string; invert: boolean } | { type: "RegularExpression"; regexId: number; invert: boolean };
}

// ---- BackendTrafficPolicy rate limits (Envoy Gateway), as the edge enforces them ----

/** A header or query parameter condition; `distinct` gives each value its own counter. */
export type LimitValueMatch =
  | { name: string; match: "exact"; value: string; invert: boolean }
  | { name: string; match: "regex"; regexId: number; invert: boolean }
  | { name: string; match: "distinct" };

/** One `clientSelectors[]` entry: every condition must hold. */
export interface LimitSelectorRow {
  headers?: LimitValueMatch[];
  params?: LimitValueMatch[];
  methods?: { values: string[]; invert: boolean };
  path?: { type: "Exact" | "PathPrefix"; value: string; invert: boolean } | { type: "RegularExpression"; regexId: number; invert: boolean };
  /** `cidr` undefined with `distinct`: one counter per client address. */
  source?: { cidr: string; distinct: boolean; invert: boolean };
}

export interface LimitRuleRow {
  /** All selectors must hold; none: every call of the rule. */
  selectors: LimitSelectorRow[];
  requests: number;
  /** The window: 60000 for Local; for Global a unit from Second to Day. */
  windowMs: number;
  /** Counted across every rule the policy targets (Global only). */
  shared: boolean;
  shadow: boolean;
  /** Send `x-ratelimit-*` headers (Global only: the binding cannot tell remaining or reset). */
  headers: boolean;
  /** Local: the rate-limiting binding that holds this limit. */
  binding?: string;
}

export interface LimitsRow {
  /** `namespace/name` of the BackendTrafficPolicy; with the rule index, the counter key's prefix. */
  policy: string;
  local?: LimitRuleRow[];
  global?: LimitRuleRow[];
}

/** What wrangler.toml must declare for this table. */
export interface TableBindings {
  /** One `[[ratelimits]]` per distinct Local limit: `simple = { limit, period = 60 }`. */
  rateLimits?: { name: string; limit: number; period: 60 }[];
  /** The Durable Object namespace Global limits count in. */
  globalLimiter?: { binding: string; className: string };
}

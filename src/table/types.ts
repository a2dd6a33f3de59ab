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

export const TABLE_VERSION = 2;

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
}

/** Retries per call when a route says nothing: one more try after a connection that failed. */
export const DEFAULT_RETRY_LIMIT = 1;

export interface RetryPolicy {
  /** gRPC status codes (numbers) that make the edge send a call again; empty: only failed connections. */
  codes: number[];
  /** Retries per call, 0..10 (default 1). */
  limit: number;
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

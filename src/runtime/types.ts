import type { Filters, Origin, RejectCode, RouteRef } from "../table/types.ts";

/** What the matcher needs to know of a request. */
export interface RouteRequest {
  /** The Host / :authority as received; the matcher normalises case, port and trailing dot. */
  host: string;
  /** `/pkg.Service/Method`. */
  path: string;
  /** Header value by lower-case name, or null when absent. */
  header(name: string): string | null;
}

/** The backend a request goes to, after weights and Service-parent chains. */
export interface PickedBackend {
  name: string;
  namespace: string;
  port: number;
  /** Null when the manifests give no origin; the worker may still have an override for it. */
  origin: Origin | null;
  /** ResolvedRefs reason when the manifests left it unresolved. */
  invalid?: string;
}

export interface MirrorTarget {
  backend: PickedBackend;
}

export type Decision =
  | {
      kind: "forward";
      route: RouteRef;
      /** Index into the route's `spec.rules`. */
      rule: number;
      /**
       * Table id of the rule that drew `backend`: the edge rule, or after Service hops the
       * Service route's rule. Retries redraw from it and its route's policy applies.
       */
      ruleId: number;
      /** Table id of the rule the request matched at the edge: its SecurityPolicy applies. */
      edgeRuleId: number;
      backend: PickedBackend;
      /** Filters to apply, outermost first: the rule's, then the backendRef's, then each Service hop's. */
      filters: Filters[];
      /** Mirrors already sampled by their percentage: send a copy to each. */
      mirrors: MirrorTarget[];
    }
  | {
      kind: "reject";
      code: RejectCode;
      message: string;
      route?: RouteRef;
      rule?: number;
    };

/** A uniform random number in [0, 1). */
export type Random = () => number;

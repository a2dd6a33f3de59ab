/**
 * Gateway API route status (RouteParentStatus), as a controller would write it, so the
 * CLI can show users what their cluster's gateway would say about each route.
 */

export type ConditionType = "Accepted" | "ResolvedRefs" | "PartiallyInvalid";

export interface Condition {
  type: ConditionType;
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface ParentStatus {
  /** `Gateway default/prod`, `Gateway default/prod (listener https)` or `Service default/smiley`. */
  parent: string;
  conditions: Condition[];
}

export interface RouteStatus {
  /** `default/foo-route`. */
  route: string;
  parents: ParentStatus[];
}

export function condition(type: ConditionType, ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? "True" : "False", reason, message };
}

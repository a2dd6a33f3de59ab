import { formatPath, objectLabel, type Diagnostic } from "../diagnostics.ts";
import type { ObjectMeta, PolicyTargetRef, SourcePos } from "../model.ts";
import { key, type ResourceIndex } from "./index-resources.ts";
import type { RouteWork } from "./prepare-route.ts";

/**
 * Envoy Gateway's policy attachment (https://gateway.envoyproxy.io/contributions/design/policy-attachment/),
 * the same for every policy kind: each target claims a scope (a route rule, a route, a
 * listener, a Gateway); the first policy by age, then namespace/name, to claim a scope holds
 * it, later ones are Conflicted there; and each route rule gets the policy of its most
 * specific claimed scope, whole (rule > route > listener > Gateway), never a merge.
 */

/** What attachment needs of a policy document of any kind. */
export interface PolicyDoc {
  kind: string;
  metadata: ObjectMeta;
  spec: { targetRefs: readonly PolicyTargetRef[]; deprecatedTargetRef: boolean };
  locate(path: readonly (string | number)[]): SourcePos;
}

export interface PolicyCondition {
  type: "Accepted" | "Overridden" | "Warning";
  status: "True" | "False";
  reason: string;
  message: string;
}

/** One entry of `status.ancestors`: here the target the policy named. */
export interface PolicyAncestorStatus {
  /** `GRPCRoute ns/name` or `Gateway ns/name`. */
  ancestor: string;
  sectionName?: string;
  conditions: PolicyCondition[];
}

export interface PolicyStatus {
  /** `SecurityPolicy ns/name`. */
  policy: string;
  ancestors: PolicyAncestorStatus[];
}

/** The policy a route rule gets, and the target that gave it (for `explain`). */
export interface RulePolicy<P> {
  policy: P;
  /** E.g. `targets rule jwt of GRPCRoute default/secured`, `targets Gateway default/edge`. */
  via: string;
}

export interface Attached<P extends PolicyDoc> {
  /** The policy of each route rule: `attached.get(work)[ruleIndex]`. */
  byRule: Map<RouteWork, (RulePolicy<P> | undefined)[]>;
  statuses: PolicyStatus[];
}

type Level = "rule" | "route" | "listener" | "gateway";

interface Claim<P> {
  policy: P;
  target: number;
  via: string;
}

const accepted = (): PolicyCondition => ({ type: "Accepted", status: "True", reason: "Accepted", message: "Policy has been accepted." });

/** Age order as routes use it: a policy without `creationTimestamp` counts as the newest. */
function byAge(a: PolicyDoc, b: PolicyDoc): number {
  const t = (p: PolicyDoc): number =>
    p.metadata.creationTimestamp === undefined ? Number.POSITIVE_INFINITY : Date.parse(p.metadata.creationTimestamp);
  const d = t(a) - t(b);
  if (d !== 0 && !Number.isNaN(d)) return d;
  const ka = key(a.metadata.namespace, a.metadata.name);
  const kb = key(b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Resolve every policy's targets, settle conflicts and precedence, and give each route rule
 * its policy. Problems a controller would only show in status are statuses here too; a target
 * that names nothing is an error, as an unresolved parentRef is.
 */
export function attachPolicies<P extends PolicyDoc>(
  policies: readonly P[],
  work: readonly RouteWork[],
  index: ResourceIndex,
  diagnostics: Diagnostic[],
): Attached<P> {
  const sorted = [...policies].sort(byAge);
  const routes = new Map(work.map((w) => [key(w.route.metadata.namespace, w.route.metadata.name), w]));
  const claims = new Map<string, Claim<P>>();
  const statuses = new Map<P, PolicyAncestorStatus[]>();

  for (const policy of sorted) {
    const label = objectLabel(policy.kind, policy.metadata.namespace, policy.metadata.name);
    const ns = policy.metadata.namespace;
    const out: PolicyAncestorStatus[] = [];
    statuses.set(policy, out);
    const targetsPath = policy.spec.deprecatedTargetRef ? ["spec", "targetRef"] : ["spec", "targetRefs"];
    policy.spec.targetRefs.forEach((t, ti) => {
      const path = policy.spec.deprecatedTargetRef ? targetsPath : [...targetsPath, ti];
      const ancestor = `${t.kind} ${key(ns, t.name)}`;
      const entry: PolicyAncestorStatus = { ancestor, conditions: [] };
      if (t.sectionName !== undefined) entry.sectionName = t.sectionName;
      const report = (message: string, fix: string): void => {
        diagnostics.push({
          severity: "error",
          pos: policy.locate([...path, "name"]),
          object: label,
          path: formatPath([...path, "name"]),
          message,
          fix,
        });
      };
      const notFound = (message: string): void => {
        entry.conditions.push({ type: "Accepted", status: "False", reason: "TargetNotFound", message });
        diagnostics.push({
          severity: "warning",
          pos: policy.locate([...path, "sectionName"]),
          object: label,
          path: formatPath([...path, "sectionName"]),
          message: `${message}: the target is skipped`,
          fix: "use the name of one of its rules (GRPCRoute) or listeners (Gateway)",
        });
      };
      let level: Level;
      let scope: string;
      let what: string;
      if (t.kind === "GRPCRoute") {
        const w = routes.get(key(ns, t.name));
        if (w === undefined) {
          report(
            `target GRPCRoute ${key(ns, t.name)} is not defined (a policy targets objects in its own namespace)`,
            "fix the target's name, or add the route to the inputs",
          );
          return;
        }
        if (!w.parents.some((p) => p.attachments.some((a) => a.kind === "listener"))) {
          report(
            `target GRPCRoute ${key(ns, t.name)} has only Service parents: Envoy Gateway policies apply to routes served by a Gateway`,
            "attach the route to a Gateway listener, or remove the target",
          );
          return;
        }
        if (t.sectionName === undefined) {
          level = "route";
          scope = key(ns, t.name);
          what = `GRPCRoute ${t.name}`;
        } else {
          if (!w.route.spec.rules.some((r) => r.name === t.sectionName)) {
            notFound(`No section name ${t.sectionName} found for GRPCRoute ${key(ns, t.name)}`);
            out.push(entry);
            return;
          }
          level = "rule";
          scope = `${key(ns, t.name)}#${t.sectionName}`;
          what = `RouteRule ${t.name}/${t.sectionName}`;
        }
      } else {
        const g = index.gateways.get(key(ns, t.name));
        if (g === undefined) {
          report(
            `target Gateway ${key(ns, t.name)} is not defined (a policy targets objects in its own namespace)`,
            "fix the target's name, or add the Gateway to the inputs",
          );
          return;
        }
        if (t.sectionName === undefined) {
          level = "gateway";
          scope = key(ns, t.name);
          what = `Gateway ${t.name}`;
        } else {
          if (!g.spec.listeners.some((l) => l.name === t.sectionName)) {
            notFound(`No section name ${t.sectionName} found for Gateway ${key(ns, t.name)}`);
            out.push(entry);
            return;
          }
          level = "listener";
          scope = `${key(ns, t.name)}#${t.sectionName}`;
          what = `Listener ${t.name}/${t.sectionName}`;
        }
      }
      const scopeKey = `${level} ${scope}`;
      const prior = claims.get(scopeKey);
      if (prior !== undefined) {
        entry.conditions.push({
          type: "Accepted",
          status: "False",
          reason: "Conflicted",
          message: `Unable to target ${what}, another ${policy.kind} has already attached to it`,
        });
      } else {
        const claim = { policy, target: ti, via: viaText(level, ns, t) };
        claims.set(scopeKey, claim);
        entry.conditions.push(accepted());
      }
      if (policy.spec.deprecatedTargetRef) {
        entry.conditions.push({
          type: "Warning",
          status: "True",
          reason: "DeprecatedField",
          message: "spec.targetRef is deprecated, use spec.targetRefs instead",
        });
      }
      out.push(entry);
    });
  }

  // Each rule's most specific claim, per listener that serves it; the edge keeps one
  // policy per rule, so listeners that disagree about a rule are an error.
  const byRule = new Map<RouteWork, (RulePolicy<P> | undefined)[]>();
  const overriddenBy = new Map<P, Set<string>>();
  for (const w of work) {
    const routeKey = key(w.route.metadata.namespace, w.route.metadata.name);
    const listeners = w.parents.flatMap((p) => p.attachments.flatMap((a) => (a.kind === "listener" ? [a] : [])));
    const perRule = w.route.spec.rules.map((rule, ri) => {
      const ruleClaim = rule.name === undefined ? undefined : claims.get(`rule ${routeKey}#${rule.name}`);
      const routeClaim = claims.get(`route ${routeKey}`);
      const found = new Map<P, string>();
      const vias = new Map<P, string>();
      const under: P[] = [];
      for (const a of listeners) {
        const listenerClaim = claims.get(`listener ${a.gateway}#${a.listener}`);
        const gatewayClaim = claims.get(`gateway ${a.gateway}`);
        const chain = [ruleClaim, routeClaim, listenerClaim, gatewayClaim].filter((c): c is Claim<P> => c !== undefined);
        const winner = chain[0];
        if (winner === undefined) continue;
        found.set(winner.policy, `Gateway ${a.gateway} listener ${a.listener}`);
        vias.set(winner.policy, winner.via);
        for (const c of chain.slice(1)) if (c.policy !== winner.policy) under.push(c.policy);
      }
      const winners = [...found.keys()];
      if (winners.length > 1) {
        const path = ["spec", "rules", ri];
        diagnostics.push({
          severity: "error",
          pos: w.route.locate(path),
          object: w.label,
          path: formatPath(path),
          message: `rule ${ri} is served by listeners with different ${winners[0]!.kind}s (${[...found].map(([p, where]) => `${key(p.metadata.namespace, p.metadata.name)} on ${where}`).join(", ")}); the edge applies one policy per rule`,
          fix: "target the route or the rule instead of the listeners, or attach the route to listeners with the same policy",
        });
      }
      const ruleLabel = rule.name === undefined ? routeKey : `${routeKey}/${rule.name}`;
      for (const p of under) (overriddenBy.get(p) ?? overriddenBy.set(p, new Set()).get(p)!).add(ruleLabel);
      const first = winners[0];
      return first === undefined ? undefined : { policy: first, via: vias.get(first)! };
    });
    byRule.set(w, perRule);
  }

  for (const [policy, rules] of overriddenBy) {
    for (const entry of statuses.get(policy) ?? []) {
      if (entry.conditions.some((c) => c.type === "Accepted" && c.status === "True")) {
        entry.conditions.push({
          type: "Overridden",
          status: "True",
          reason: "Overridden",
          message: `This policy is being overridden by other ${policy.kind}s for these route rules: [${[...rules].sort().join(", ")}]`,
        });
      }
    }
  }
  return {
    byRule,
    statuses: sorted.map((p) => ({ policy: objectLabel(p.kind, p.metadata.namespace, p.metadata.name), ancestors: statuses.get(p)! })),
  };
}

function viaText(level: Level, ns: string, t: PolicyTargetRef): string {
  switch (level) {
    case "rule":
      return `targets rule ${t.sectionName} of GRPCRoute ${key(ns, t.name)}`;
    case "route":
      return `targets GRPCRoute ${key(ns, t.name)}`;
    case "listener":
      return `targets listener ${t.sectionName} of Gateway ${key(ns, t.name)}`;
    case "gateway":
      return `targets Gateway ${key(ns, t.name)}`;
  }
}

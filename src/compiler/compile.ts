import type { Backend, Filters, Mirror, RouteTable, Rule } from "../table/types.ts";
import { buildListenerScopes, fillScope, seedsFor, type CandidateInfo, type Seed } from "./rank/scopes.ts";
import { byCodeUnit, formatPath, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { indexResources, key, type ResourceIndex } from "./resolve/index-resources.ts";
import type { Filter, Resource } from "./model.ts";
import { serviceFallback, type ResolvedRef } from "./resolve/backends.ts";
import { prepareRoute, type ResolvedRule, type RouteWork } from "./resolve/prepare-route.ts";
import { reportShadowing } from "./rank/shadowing.ts";
import { condition, type RouteStatus } from "./status.ts";
import { headerOps, isEmptyFilters, TableBuilder } from "./emit/table-builder.ts";
import { findServiceCycles, meshAliases } from "./resolve/mesh.ts";
import { attachPolicies, type PolicyStatus } from "./resolve/policy-attachment.ts";
import { securityRow, type SecretUse } from "./emit/security-row.ts";
import type { BackendTrafficPolicyDoc, SecurityPolicyDoc } from "./model.ts";
import { limitsRow } from "./emit/limits-row.ts";
import { trafficRule } from "./resolve/traffic-policy.ts";
import { POLICY_ANNOTATION } from "./resolve/route-policy.ts";
import type { TableBindings } from "../table/types.ts";

export interface CompileResult {
  table: RouteTable;
  diagnostics: Diagnostic[];
  statuses: RouteStatus[];
  /** The warnings of parents that do not accept a route (Accepted=False), each also in `diagnostics`. */
  unaccepted: Diagnostic[];
  /** Per candidate id: where it came from and its precedence key (for `explain`). */
  candidates: CandidateInfo[];
  /** `namespace/name` → resolved backendRefs per rule, for `explain`. */
  resolved: Map<string, ResolvedRule[]>;
  /** Each policy's status per target, as Envoy Gateway would write `status.ancestors`. */
  policies: PolicyStatus[];
  /** The Worker secrets the table reads. */
  secrets: SecretUse[];
  /** Table rule id → the SecurityPolicy it enforces and why that one (for `explain`). */
  securityOf: Map<number, { policy: string; via: string }>;
}

/**
 * Resources in, table out: attach routes to parents, resolve references, rank every
 * (hostname, rule, match) by the Gateway API precedence, and emit the table with the
 * diagnostics and statuses a controller would report.
 */
export function compile(resources: readonly Resource[]): CompileResult {
  const index = indexResources(resources);
  const diagnostics: Diagnostic[] = [];
  const b = new TableBuilder();
  const routes = [...index.routes].sort((x, y) =>
    byCodeUnit(key(x.metadata.namespace, x.metadata.name), key(y.metadata.namespace, y.metadata.name)),
  );
  const work = routes.map((route) => prepareRoute(route, index, diagnostics));

  // Routes parented to a Service, by Service and parent port (undefined = every port).
  const mesh = new Map<string, { work: RouteWork; port: number | undefined }[]>();
  for (const w of work) {
    for (const p of w.parents) {
      for (const a of p.attachments) {
        if (a.kind === "service") (mesh.get(a.service) ?? mesh.set(a.service, []).get(a.service)!).push({ work: w, port: a.port });
      }
    }
  }
  const chained = (w: RouteWork, ref: ResolvedRef): boolean =>
    ref.service !== undefined && mesh.has(ref.service) && !w.ownServices.has(ref.service);
  findServiceCycles(mesh, chained, diagnostics);

  const security = attachPolicies(index.securityPolicies, work, index, diagnostics);
  const traffic = attachPolicies(index.trafficPolicies, work, index, diagnostics);
  const bindings: TableBindings = {};
  const limitIds = new Map<BackendTrafficPolicyDoc, number | undefined>();
  const limitsId = (p: BackendTrafficPolicyDoc): number | undefined => {
    if (!limitIds.has(p)) {
      const row = limitsRow(p, b, bindings);
      if (row === undefined) limitIds.set(p, undefined);
      else {
        b.table.limits ??= [];
        limitIds.set(p, b.table.limits.push(row) - 1);
      }
    }
    return limitIds.get(p);
  };
  const annotated = new Set<RouteWork>();
  const secrets: SecretUse[] = [];
  const securityIds = new Map<SecurityPolicyDoc, number>();
  const securityOf = new Map<number, { policy: string; via: string }>();
  const securityId = (p: SecurityPolicyDoc): number => {
    let id = securityIds.get(p);
    if (id === undefined) {
      b.table.security ??= [];
      id = b.table.security.length;
      b.table.security.push(securityRow(p, index, b, diagnostics, secrets));
      securityIds.set(p, id);
    }
    return id;
  };

  // Mesh scopes first, so backends can point at them.
  const meshScopes = new Map<string, number>();
  const meshScopeId = (service: string, port: number | undefined): number => {
    const k = `${service}:${port ?? "*"}`;
    let id = meshScopes.get(k);
    if (id === undefined) {
      id = b.scope();
      meshScopes.set(k, id);
    }
    return id;
  };

  work.forEach((w, routeIndex) => {
    b.table.routes.push({ namespace: w.route.metadata.namespace, name: w.route.metadata.name });
    w.route.spec.rules.forEach((rule, ruleIndex) => {
      const resolved = w.rules[ruleIndex]!;
      const backends: number[] = [];
      const cumulative: number[] = [];
      let sum = 0;
      resolved.refs.forEach((ref, refIndex) => {
        if (ref.weight === 0) return;
        const spec = rule.backendRefs[refIndex]!;
        const scope = chained(w, ref) ? meshScopeId(ref.service!, ref.port) : -1;
        if (scope < 0 && ref.originProblem !== undefined) {
          const path = ["spec", "rules", ruleIndex, "backendRefs", refIndex];
          diagnostics.push({
            severity: "warning",
            pos: w.route.locate(path),
            object: w.label,
            path: formatPath(path),
            message: `${ref.originProblem.message}; its share of traffic gets UNAVAILABLE`,
            fix: ref.originProblem.fix,
          });
        }
        backends.push(b.backend(backendRow(b, ref, scope, filtersOf(b, spec.filters, w.mirrors[ruleIndex]?.[refIndex + 1] ?? []))));
        sum += ref.weight;
        cumulative.push(sum);
      });
      const filters = filtersOf(b, rule.filters, w.mirrors[ruleIndex]?.[0] ?? []);
      const policy = security.byRule.get(w)?.[ruleIndex];
      const btp = traffic.byRule.get(w)?.[ruleIndex]?.policy;
      const timing = retryAndTimeout(w, btp, annotated, diagnostics);
      const limitId = btp === undefined ? undefined : limitsId(btp);
      const row = {
        route: routeIndex,
        index: ruleIndex,
        ...(rule.name === undefined ? {} : { name: rule.name }),
        backends,
        cumulative,
        filters,
        ...timing,
        ...(w.policy.exactRelay === true ? { exactRelay: true as const } : {}),
        ...(policy === undefined ? {} : { security: securityId(policy.policy) }),
        ...(limitId === undefined ? {} : { limits: limitId }),
      };
      const id =
        rule.backendRefs.length === 0
          ? b.rule({ ...row, reject: { code: "unimplemented", message: "the matching rule has no backendRefs" } })
          : b.rule(row);
      w.ruleIds.push(id);
      if (policy !== undefined) {
        const m = policy.policy.metadata;
        securityOf.set(id, { policy: `SecurityPolicy ${m.namespace}/${m.name}`, via: policy.via });
      }
    });
  });

  const info: CandidateInfo[] = [];
  const groups = new Map<string, Map<string, Seed[]>>();
  for (const g of index.gateways.values()) {
    for (const l of g.spec.listeners) {
      if (l.protocol === "HTTP" || l.protocol === "HTTPS") groups.set(l.hostname ?? "", groups.get(l.hostname ?? "") ?? new Map());
    }
  }
  for (const w of work) {
    for (const p of w.parents) {
      for (const a of p.attachments) {
        if (a.kind !== "listener") continue;
        const byHost = groups.get(a.listenerHost)!;
        for (const h of a.hostnames) {
          (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(...seedsFor(w.route, h, w.ruleIds));
        }
      }
    }
  }
  buildListenerScopes(b, groups, info);

  // A Service's mesh routes also answer requests addressed to the Service's in-cluster names.
  for (const service of [...mesh.keys()].sort()) {
    const scopeId = meshScopeId(service, undefined);
    for (const alias of meshAliases(service)) {
      if (b.table.hosts.exact[alias] === undefined) b.table.hosts.exact[alias] = scopeId;
    }
  }
  for (const [k, scopeId] of [...meshScopes].sort(([x], [y]) => byCodeUnit(x, y))) {
    const sep = k.lastIndexOf(":");
    const service = k.slice(0, sep);
    const port = k.slice(sep + 1) === "*" ? undefined : Number(k.slice(sep + 1));
    const seeds = (mesh.get(service) ?? [])
      .filter((m) => m.port === undefined || port === undefined || m.port === port)
      .flatMap((m) => seedsFor(m.work.route, "", m.work.ruleIds));
    fillScope(b, scopeId, seeds, info);
    // Traffic none of the Service's routes matches goes to the Service itself.
    const own = serviceFallback(index, service, port ?? firstPort(index, service));
    b.table.scopes[scopeId]!.fallbackBackend = b.backend(backendRow(b, own, -1, {}));
  }

  if (bindings.rateLimits !== undefined || bindings.globalLimiter !== undefined) b.table.bindings = bindings;
  reportShadowing(b.table, info, diagnostics);
  const statuses = work.map((w) => statusOf(w, chained));
  const resolved = new Map(work.map((w) => [key(w.route.metadata.namespace, w.route.metadata.name), w.rules]));
  return {
    table: b.table,
    diagnostics: sortDiagnostics(diagnostics),
    statuses,
    unaccepted: work.flatMap((w) => w.parents.flatMap((p) => (p.unaccepted === undefined ? [] : [p.unaccepted]))),
    candidates: info,
    resolved,
    policies: [...security.statuses, ...traffic.statuses],
    secrets,
    securityOf,
  };
}

function filtersOf(b: TableBuilder, filters: readonly Filter[], mirrorRefs: readonly ResolvedRef[]): Filters {
  const out: Filters = {};
  let mi = 0;
  const mirrors: Mirror[] = [];
  for (const f of filters) {
    if (f.type === "RequestHeaderModifier") out.request = headerOps(f.requestHeaderModifier);
    else if (f.type === "ResponseHeaderModifier") out.response = headerOps(f.responseHeaderModifier);
    else if (f.type === "RequestMirror") {
      const ref = mirrorRefs[mi++]!;
      const { percent, fraction } = f.requestMirror;
      const [numerator, denominator] =
        fraction !== undefined ? [fraction.numerator, fraction.denominator] : percent !== undefined ? [percent, 100] : [1, 1];
      // Mirrors go straight to the Service's origin: a copy is not re-routed.
      if (numerator > 0) mirrors.push({ backend: b.backend(backendRow(b, ref, -1, {})), numerator, denominator });
    }
  }
  if (mirrors.length > 0) out.mirrors = mirrors;
  return out;
}

function backendRow(b: TableBuilder, ref: ResolvedRef, scope: number, filters: Filters): Backend {
  const row: Backend = {
    name: ref.name,
    namespace: ref.namespace,
    port: ref.port,
    origin: scope >= 0 ? -1 : b.origin(ref.origin),
    scope,
    filters: isEmptyFilters(filters) ? {} : filters,
  };
  if (scope < 0 && ref.invalid !== undefined) row.invalid = ref.invalid;
  return row;
}

function firstPort(index: ResourceIndex, service: string): number {
  return index.services.get(service)?.spec.ports[0]?.port ?? 0;
}

function statusOf(w: RouteWork, chained: (w: RouteWork, ref: ResolvedRef) => boolean): RouteStatus {
  // Weight 0 does not exempt a ref: the spec's ResolvedRefs is about the reference itself.
  const invalid = w.rules.flatMap((r) => r.refs).find((r) => r.invalid !== undefined && !chained(w, r));
  return {
    route: key(w.route.metadata.namespace, w.route.metadata.name),
    parents: w.parents.map((p) => ({
      parent: p.label,
      conditions: [
        p.accepted,
        invalid === undefined
          ? condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved")
          : condition(
              "ResolvedRefs",
              false,
              invalid.invalid!,
              `backend ${invalid.namespace}/${invalid.name}: ${invalid.statusMessage ?? invalid.invalid}`,
            ),
      ],
    })),
  };
}

/**
 * A rule's retry and timeouts: the route's Linkerd annotations, each replaced by the
 * BackendTrafficPolicy's `retry` or `timeout` when it sets one (with a warning, once per
 * route, that the annotations no longer apply).
 */
function retryAndTimeout(
  w: RouteWork,
  btp: BackendTrafficPolicyDoc | undefined,
  warned: Set<RouteWork>,
  diagnostics: Diagnostic[],
): Pick<Rule, "retry" | "timeoutMs" | "idleTimeoutMs"> {
  const out: Pick<Rule, "retry" | "timeoutMs" | "idleTimeoutMs"> = {};
  if (w.policy.retry !== undefined) out.retry = w.policy.retry;
  if (w.policy.timeoutMs !== undefined) out.timeoutMs = w.policy.timeoutMs;
  if (btp === undefined) return out;
  const fromPolicy = trafficRule(btp);
  const replaced: string[] = [];
  if (btp.spec.retry !== undefined) {
    if (out.retry !== undefined) replaced.push(`${POLICY_ANNOTATION.grpcRetry} / ${POLICY_ANNOTATION.retryLimit}`);
    out.retry = fromPolicy.retry!;
  }
  if (btp.spec.timeout !== undefined) {
    if (out.timeoutMs !== undefined) replaced.push(POLICY_ANNOTATION.requestTimeout);
    delete out.timeoutMs;
    if (fromPolicy.timeoutMs !== undefined) out.timeoutMs = fromPolicy.timeoutMs;
    if (fromPolicy.idleTimeoutMs !== undefined) out.idleTimeoutMs = fromPolicy.idleTimeoutMs;
  }
  if (replaced.length > 0 && !warned.has(w)) {
    warned.add(w);
    const path = ["metadata", "annotations"];
    diagnostics.push({
      severity: "warning",
      pos: w.route.locate(path),
      object: w.label,
      path: formatPath(path),
      message: `BackendTrafficPolicy ${btp.metadata.namespace}/${btp.metadata.name} applies to this route: its settings replace the ${replaced.join(" and ")} annotations`,
      fix: "remove the annotations, or the policy's retry / timeout",
    });
  }
  return out;
}

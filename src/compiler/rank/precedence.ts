import { isWildcard } from "../resolve/hostnames.ts";
import type { GRPCRouteDoc, RouteMatch } from "../model.ts";

/**
 * The GRPCRoute precedence key (GRPCRouteRule.Matches doc, the Gateway API GRPCRoute guide (https://gateway-api.sigs.k8s.io/api-types/grpcroute/)), larger
 * values winning in this order: characters of a matching non-wildcard hostname, of the
 * matching hostname, of the service, of the method, the number of header matches. At
 * equal precedence an Exact method beats a RegularExpression, and more Exact headers
 * beat fewer (our choice; gateway-api#2216 leaves it open). Remaining ties: the oldest
 * route (by creationTimestamp, when set), then `namespace/name`, then rule and match order.
 */
export interface PrecedenceKey {
  exactHost: number;
  host: number;
  service: number;
  method: number;
  headers: number;
  exactMethod: number;
  exactHeaders: number;
  /** Milliseconds since the epoch; +Infinity when the route has no timestamp. */
  created: number;
  route: string;
  rule: number;
  match: number;
}

/** Strips the optional leading dot of a fully-qualified service name (`.pkg.Svc` = `pkg.Svc`). */
export function serviceName(service: string | undefined): string {
  return service === undefined ? "" : service.startsWith(".") ? service.slice(1) : service;
}

export function precedenceKey(
  route: GRPCRouteDoc,
  hostname: string,
  rule: number,
  match: RouteMatch | undefined,
  matchIndex: number,
): PrecedenceKey {
  const method = match?.method;
  const exact = method?.type !== "RegularExpression";
  const svc = exact ? serviceName(method?.service) : (method?.service ?? "");
  const created = route.metadata.creationTimestamp;
  return {
    exactHost: hostname !== "" && !isWildcard(hostname) ? hostname.length : 0,
    host: hostname.length,
    service: svc.length,
    method: method?.method?.length ?? 0,
    headers: uniqueHeaderNames(match).length,
    exactMethod: method !== undefined && exact ? 1 : 0,
    exactHeaders: uniqueHeaderNames(match).filter((h) => h.type === "Exact").length,
    created: created === undefined ? Number.POSITIVE_INFINITY : Date.parse(created),
    route: `${route.metadata.namespace}/${route.metadata.name}`,
    rule,
    match: matchIndex,
  };
}

/** Negative when `a` takes precedence over `b`. */
export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  return (
    b.exactHost - a.exactHost ||
    b.host - a.host ||
    b.service - a.service ||
    b.method - a.method ||
    b.headers - a.headers ||
    b.exactMethod - a.exactMethod ||
    b.exactHeaders - a.exactHeaders ||
    compareCreated(a.created, b.created) ||
    (a.route < b.route ? -1 : a.route > b.route ? 1 : 0) ||
    a.rule - b.rule ||
    a.match - b.match
  );
}

function compareCreated(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** `host=13 service=16 method=5 headers=1 ...`: the key as `explain` prints it. */
export function describeKey(k: PrecedenceKey): string {
  const created = Number.isFinite(k.created) ? new Date(k.created).toISOString() : "unset";
  return [
    `non-wildcard host chars=${k.exactHost}`,
    `host chars=${k.host}`,
    `service chars=${k.service}`,
    `method chars=${k.method}`,
    `header matches=${k.headers}`,
    `exact method=${k.exactMethod === 1 ? "yes" : "no"}`,
    `exact headers=${k.exactHeaders}`,
    `created=${created}`,
    `route=${k.route}`,
    `rule=${k.rule}`,
    `match=${k.match}`,
  ].join(", ");
}

/**
 * Header matches with equivalent names collapse to the first one, as the spec requires
 * ("only the first entry with an equivalent name MUST be considered").
 */
export function uniqueHeaderNames(match: RouteMatch | undefined): RouteMatch["headers"] {
  const seen = new Set<string>();
  const out: RouteMatch["headers"] = [];
  for (const h of match?.headers ?? []) {
    const name = h.name.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(h);
  }
  return out;
}

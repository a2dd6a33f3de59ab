import { RE2JS } from "re2js";
import { MAX_REGEX_INPUT } from "../../src/runtime/regex.ts";
import { indexResources } from "../../src/compiler/index.ts";
import type { GRPCRouteDoc, Resource, RouteMatch } from "../../src/compiler/index.ts";
import { resolveParents } from "../../src/compiler/index.ts";

/**
 * The spec, read straight: every (listener, hostname, rule, match) in one list sorted by
 * precedence, scanned top to bottom for each request. Obviously correct and slow: the
 * oracle for the compiled table and the baseline of the match benchmark. It shares only
 * parent attachment with the compiler; hosts, precedence and matching are its own.
 */
export interface LinearMatch {
  route: string;
  rule: number;
}

interface Entry {
  listenerHost: string;
  host: string;
  route: GRPCRouteDoc;
  rule: number;
  match: RouteMatch | undefined;
  key: (number | string)[];
  service?: (s: string) => boolean;
  method?: (s: string) => boolean;
  headers: { name: string; test: (v: string) => boolean }[];
}

export function createLinearMatcher(resources: readonly Resource[]) {
  const index = indexResources(resources);
  const listenerHosts = new Set<string>();
  for (const g of index.gateways.values()) {
    for (const l of g.spec.listeners) if (l.protocol === "HTTP" || l.protocol === "HTTPS") listenerHosts.add(l.hostname ?? "");
  }
  const entries: Entry[] = [];
  for (const route of index.routes) {
    for (const p of resolveParents(route, index, [])) {
      for (const a of p.attachments) {
        if (a.kind !== "listener") continue;
        for (const host of a.hostnames) {
          route.spec.rules.forEach((rule, ri) => {
            const matches = rule.matches.length === 0 ? [undefined] : rule.matches;
            matches.forEach((match, mi) => entries.push(entry(a.listenerHost, host, route, ri, mi, match)));
          });
        }
      }
    }
  }
  entries.sort((x, y) => compareKeys(x.key, y.key));

  return (req: { host: string; path: string; headers: Record<string, string> }): LinearMatch | null => {
    let host = req.host.toLowerCase().split(":")[0]!;
    if (host.endsWith(".")) host = host.slice(0, -1);
    // Exactly /{service}/{method} with protobuf identifiers, names within the CRD's 1024.
    const m = /^\/([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\/([A-Za-z_]\w*)$/.exec(req.path);
    if (m === null || m[1]!.length > 1024 || m[2]!.length > 1024) return null;
    const service = m[1]!;
    const method = m[2]!;
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    let listener: string | undefined;
    for (const l of listenerHosts) {
      if (hostMatches(l, host) && (listener === undefined || moreSpecific(l, listener))) listener = l;
    }
    if (listener === undefined) return null;
    for (const e of entries) {
      if (e.listenerHost !== listener || !hostMatches(e.host, host)) continue;
      if (e.service && !e.service(service)) continue;
      if (e.method && !e.method(method)) continue;
      if (!e.headers.every((h) => lower[h.name] !== undefined && h.test(lower[h.name]!))) continue;
      return { route: `${e.route.metadata.namespace}/${e.route.metadata.name}`, rule: e.rule };
    }
    return null;
  };
}

function entry(
  listenerHost: string,
  host: string,
  route: GRPCRouteDoc,
  rule: number,
  matchIndex: number,
  match: RouteMatch | undefined,
): Entry {
  const m = match?.method;
  const regex = m?.type === "RegularExpression";
  const test = (v: string | undefined) => {
    if (v === undefined || v === "") return undefined;
    if (regex) {
      const re = RE2JS.compile(v);
      return (s: string) => re.matches(s);
    }
    const want = v.replace(/^\./, "");
    return (s: string) => s === want;
  };
  const seen = new Set<string>();
  const headers: Entry["headers"] = [];
  for (const h of match?.headers ?? []) {
    const name = h.name.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    const re = h.type === "RegularExpression" ? RE2JS.compile(h.value) : undefined;
    // Values past the worker's regex input bound do not match (docs/semantics.md).
    headers.push({ name, test: re ? (s) => s.length <= MAX_REGEX_INPUT && re.matches(s) : (s) => s === h.value });
  }
  const svcLen = m?.service === undefined ? 0 : regex ? m.service.length : m.service.replace(/^\./, "").length;
  const created = route.metadata.creationTimestamp;
  const e: Entry = {
    listenerHost,
    host,
    route,
    rule,
    match,
    headers,
    key: [
      -(host !== "" && !host.startsWith("*.") ? host.length : 0),
      -host.length,
      -svcLen,
      -(m?.method?.length ?? 0),
      -headers.length,
      -(m !== undefined && !regex ? 1 : 0),
      -(match?.headers ?? []).filter(
        (h, i, all) => h.type !== "RegularExpression" && all.findIndex((o) => o.name.toLowerCase() === h.name.toLowerCase()) === i,
      ).length,
      created === undefined ? Number.POSITIVE_INFINITY : Date.parse(created),
      `${route.metadata.namespace}/${route.metadata.name}`,
      rule,
      matchIndex,
    ],
  };
  const s = test(m?.service);
  const me = test(m?.method);
  if (s) e.service = s;
  if (me) e.method = me;
  return e;
}

function compareKeys(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "") return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

function moreSpecific(a: string, b: string): boolean {
  if (b === "") return a !== "";
  if (a === "") return false;
  const wa = a.startsWith("*.");
  const wb = b.startsWith("*.");
  if (wa !== wb) return !wa;
  return a.length > b.length;
}

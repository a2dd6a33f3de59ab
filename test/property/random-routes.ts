/**
 * Seeded random route sets that are VALID (they compile without error diagnostics) but
 * drawn from a deliberately tiny vocabulary, so hostname overlaps, precedence ties,
 * duplicate matches and regex/exact collisions happen in almost every set. Used by the
 * table-vs-reference property test; same seed, same YAML and requests, byte for byte.
 */
import { prng } from "../support/prng.ts";

export interface RandomRequest {
  host: string;
  path: string;
  /** Header names in random case; unique when lower-cased. */
  headers: Record<string, string>;
}

export interface RandomRouteSet {
  seed: number;
  yaml: string;
  requests: RandomRequest[];
}

type Rnd = () => number;

const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const chance = (rnd: Rnd, p: number): boolean => rnd() < p;
const int = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
/** `n` distinct items of `list` in random order. */
function sample<T>(rnd: Rnd, list: readonly T[], n: number): T[] {
  const pool = [...list];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
  return out;
}
const q = (s: string): string => JSON.stringify(s);

const NAMESPACES = ["default", "team"] as const;
/** Listener hostnames; undefined = no hostname. Nested and overlapping on purpose. */
const LISTENER_HOSTS: readonly (string | undefined)[] = [
  undefined,
  undefined,
  "*.example.com",
  "*.a.example.com",
  "a.example.com",
  "b.example.com",
  "*.other.org",
  "example.com",
];
const ROUTE_HOSTS = [
  "a.example.com",
  "b.a.example.com",
  "c.example.com",
  "*.example.com",
  "*.a.example.com",
  "example.com",
  "x.other.org",
  "*.other.org",
  "unrelated.test",
];
const TIMESTAMPS = ["2024-03-03T10:00:00Z", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-06-01T12:30:00Z"];
const EXACT_SERVICES = ["a.S", "a.T", "b.S", ".a.S"];
const EXACT_METHODS = ["M", "N"];
/** Valid Exact names that are also Object.prototype members: drawn now and then. */
const PROTO_NAMES = ["constructor", "toString", "__proto__", "valueOf"];
const REGEX_SERVICES = ["a\\..*", "a.S", ".*S", "b\\.S|a\\.T", "[ab]\\.S", ""];
const REGEX_METHODS = ["M|N", "M", ".*", "N+", "[MN]"];
const HEADER_NAMES = ["x-a", "X-A", "x-b", "x-c"];
const HEADER_VALUES = ["1", "2"];
const HEADER_REGEXES = ["1|2", "[12]", "1", ".+", "2.*"];
const BACKENDS = ["svc-a", "svc-b"];

const REQUEST_HOSTS = [
  "a.example.com",
  "A.Example.COM",
  "a.example.com:8443",
  "a.example.com.",
  "b.example.com",
  "c.example.com",
  "b.a.example.com",
  "B.A.example.com.:443",
  "c.b.a.example.com",
  "x.example.com",
  "deep.x.example.com",
  "example.com",
  "EXAMPLE.com:80",
  "x.other.org",
  "y.x.other.org",
  "other.org",
  "unrelated.test",
  "localhost",
];
const REQUEST_SERVICES = ["a.S", "a.T", "b.S", "b.T", "c.S", "a.Sx", "aXS", ".a.S", "A.S"];
const REQUEST_METHODS = ["M", "N", "MN", "NN", "X", "m"];
const REQUEST_HEADER_NAMES = ["x-a", "X-A", "x-B", "x-c", "X-D"];
const REQUEST_HEADER_VALUES = ["1", "2", "3", "", "12"];

interface GatewayGen {
  name: string;
  namespace: string;
  listeners: { name: string; hostname: string | undefined; protocol: string; from: "Same" | "All" | undefined }[];
}

/** The hosts both hostname patterns match, as one pattern (patterns nest or are disjoint). */
function covers(outer: string, inner: string): boolean {
  if (outer === "") return true;
  if (inner === "") return false;
  if (!outer.startsWith("*.")) return outer === inner;
  return inner.startsWith("*.") ? inner.slice(1).endsWith(outer.slice(1)) : inner.endsWith(outer.slice(1));
}

function attaches(l: GatewayGen["listeners"][number], gw: GatewayGen, routeNs: string, hostnames: string[]): boolean {
  if (l.protocol !== "HTTP" && l.protocol !== "HTTPS") return false;
  if ((l.from ?? "Same") === "Same" && gw.namespace !== routeNs) return false;
  if (hostnames.length === 0) return true;
  const lh = l.hostname ?? "";
  return hostnames.some((h) => covers(lh, h) || covers(h, lh));
}

export function randomRouteSet(seed: number, requestCount: number): RandomRouteSet {
  const rnd = prng(seed * 7919 + 17);
  const docs: string[] = [];

  // Gateways.
  const gateways: GatewayGen[] = [];
  const gatewayCount = int(rnd, 1, 3);
  for (let g = 0; g < gatewayCount; g++) {
    const gw: GatewayGen = { name: `gw${g}`, namespace: chance(rnd, 0.75) ? "default" : "team", listeners: [] };
    const hosts = sample(rnd, LISTENER_HOSTS, int(rnd, 1, 3));
    const seen = new Set<string>();
    hosts.forEach((hostname, i) => {
      if (seen.has(hostname ?? "")) return;
      seen.add(hostname ?? "");
      const from = pick(rnd, [undefined, "Same", "All", "All"] as const);
      gw.listeners.push({ name: `l${i}`, hostname, protocol: chance(rnd, 0.5) ? "HTTP" : "HTTPS", from });
    });
    // Now and then a listener that carries no GRPCRoute at all.
    if (chance(rnd, 0.1)) gw.listeners.push({ name: "tcp", hostname: undefined, protocol: "TCP", from: "All" });
    gateways.push(gw);
    const listeners = gw.listeners.map((l) => {
      const parts = [
        `name: ${l.name}`,
        `port: ${l.protocol === "HTTPS" ? 443 : l.protocol === "TCP" ? 9000 : 80}`,
        `protocol: ${l.protocol}`,
      ];
      if (l.hostname !== undefined) parts.push(`hostname: ${q(l.hostname)}`);
      if (l.from !== undefined) parts.push(`allowedRoutes: {namespaces: {from: ${l.from}}}`);
      return `  - {${parts.join(", ")}}`;
    });
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${gw.name}, namespace: ${gw.namespace}}
spec:
  gatewayClassName: edge
  listeners:
${listeners.join("\n")}`);
  }

  // Routes.
  const routeCount = int(rnd, 1, 6);
  const usedNames = new Set<string>();
  for (let r = 0; r < routeCount; r++) {
    let namespace: string = pick(rnd, NAMESPACES);
    // Few names, so namespace/name ties and orderings vary.
    let name = pick(rnd, ["r0", "r1", "r2", "a-r", "ar", "z"]);
    while (usedNames.has(`${namespace}/${name}`)) name = `${name}x`;
    let hostnames = chance(rnd, 0.35) ? [] : sample(rnd, ROUTE_HOSTS, int(rnd, 1, 3));

    const parentLines: string[] = [];
    for (const gw of sample(rnd, gateways, int(rnd, 1, gateways.length))) {
      const section = chance(rnd, 0.3) ? pick(rnd, gw.listeners) : undefined;
      const candidates = section === undefined ? gw.listeners : [section];
      if (!candidates.some((l) => attaches(l, gw, namespace, hostnames))) continue;
      const parts = [`name: ${gw.name}`];
      if (gw.namespace !== namespace || chance(rnd, 0.2)) parts.push(`namespace: ${gw.namespace}`);
      if (section !== undefined) parts.push(`sectionName: ${section.name}`);
      parentLines.push(`{${parts.join(", ")}}`);
    }
    if (parentLines.length === 0) {
      // Make it attach: drop the hostnames, and move into the Gateway's namespace if needed.
      const gw = gateways[0]!;
      const l = gw.listeners.find((x) => x.protocol !== "TCP")!;
      hostnames = [];
      if ((l.from ?? "Same") === "Same") namespace = gw.namespace;
      while (usedNames.has(`${namespace}/${name}`)) name = `${name}x`;
      parentLines.push(`{name: ${gw.name}, namespace: ${gw.namespace}, sectionName: ${l.name}}`);
    }
    usedNames.add(`${namespace}/${name}`);

    const meta = [`name: ${name}`, `namespace: ${namespace}`];
    if (chance(rnd, 0.7)) meta.push(`creationTimestamp: ${q(pick(rnd, TIMESTAMPS))}`);
    const rules: string[] = [];
    const ruleCount = int(rnd, 1, 4);
    for (let i = 0; i < ruleCount; i++) rules.push(randomRule(rnd));
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {${meta.join(", ")}}
spec:
  parentRefs: [${parentLines.join(", ")}]
${hostnames.length > 0 ? `  hostnames: [${hostnames.map(q).join(", ")}]\n` : ""}  rules:
${rules.join("\n")}`);
  }

  for (const ns of NAMESPACES) {
    for (const b of BACKENDS) {
      docs.push(`apiVersion: v1
kind: Service
metadata: {name: ${b}, namespace: ${ns}}
spec: {type: ExternalName, externalName: ${b}.${ns}.origin.test, ports: [{port: 80, appProtocol: http}]}`);
    }
  }

  const requests: RandomRequest[] = [];
  for (let i = 0; i < requestCount; i++) requests.push(randomRequest(rnd));
  return { seed, yaml: `${docs.join("\n---\n")}\n`, requests };
}

function randomMatch(rnd: Rnd): string {
  const parts: string[] = [];
  if (chance(rnd, 0.8)) {
    if (chance(rnd, 0.3)) {
      const m: string[] = ["type: RegularExpression"];
      const which = int(rnd, 0, 2);
      if (which !== 1) m.push(`service: ${q(pick(rnd, REGEX_SERVICES))}`);
      if (which !== 0) m.push(`method: ${q(pick(rnd, REGEX_METHODS))}`);
      parts.push(`method: {${m.join(", ")}}`);
    } else {
      const m: string[] = chance(rnd, 0.3) ? ["type: Exact"] : [];
      const which = int(rnd, 0, 3); // 0 service, 1 method, 2-3 both
      if (which !== 1) m.push(`service: ${q(pick(rnd, chance(rnd, 0.04) ? PROTO_NAMES : EXACT_SERVICES))}`);
      if (which !== 0) m.push(`method: ${q(pick(rnd, chance(rnd, 0.04) ? PROTO_NAMES : EXACT_METHODS))}`);
      parts.push(`method: {${m.join(", ")}}`);
    }
  }
  if (parts.length === 0 || chance(rnd, 0.45)) {
    const names = sample(rnd, HEADER_NAMES, int(rnd, 1, 3));
    const headers = names.map((n) =>
      chance(rnd, 0.3)
        ? `{type: RegularExpression, name: ${n}, value: ${q(pick(rnd, HEADER_REGEXES))}}`
        : `{${chance(rnd, 0.2) ? "type: Exact, " : ""}name: ${n}, value: ${q(pick(rnd, HEADER_VALUES))}}`,
    );
    parts.push(`headers: [${headers.join(", ")}]`);
  }
  return `{${parts.join(", ")}}`;
}

function randomRule(rnd: Rnd): string {
  const fields: string[] = [];
  const matchCount = chance(rnd, 0.15) ? 0 : int(rnd, 1, 3);
  const matches: string[] = [];
  for (let i = 0; i < matchCount; i++) matches.push(randomMatch(rnd));
  // Sometimes the very same match twice (duplicates are warnings, not errors).
  if (matches.length > 0 && chance(rnd, 0.1)) matches.push(matches[0]!);
  if (matches.length > 0) fields.push(`matches: [${matches.join(", ")}]`);
  else if (chance(rnd, 0.5)) fields.push("matches: []");
  // A rule without backendRefs still matches (and answers UNIMPLEMENTED).
  if (chance(rnd, 0.9)) {
    const refs = sample(rnd, BACKENDS, int(rnd, 1, 2)).map((b) => {
      const w = chance(rnd, 0.7) ? "" : `, weight: ${int(rnd, 0, 3)}`;
      return `{name: ${b}, port: 80${w}}`;
    });
    fields.push(`backendRefs: [${refs.join(", ")}]`);
  }
  return `  - {${fields.join(", ")}}`;
}

function randomRequest(rnd: Rnd): RandomRequest {
  const host = pick(rnd, REQUEST_HOSTS);
  let path: string;
  const shape = rnd();
  if (shape < 0.05) path = `/${pick(rnd, [...PROTO_NAMES, "a.S"])}/${pick(rnd, [...PROTO_NAMES, "M"])}`;
  else if (shape < 0.8) path = `/${pick(rnd, REQUEST_SERVICES)}/${pick(rnd, REQUEST_METHODS)}`;
  else if (shape < 0.88) path = `/api/${pick(rnd, REQUEST_SERVICES)}/${pick(rnd, REQUEST_METHODS)}`;
  else path = pick(rnd, ["/", "/a.S/", "//M", "/a.S", "/a.S/M/", "", "/constructor/__proto__", "/a.S//M"]);
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const n of sample(rnd, REQUEST_HEADER_NAMES, int(rnd, 0, 4))) {
    if (seen.has(n.toLowerCase())) continue;
    seen.add(n.toLowerCase());
    headers[n] = pick(rnd, REQUEST_HEADER_VALUES);
  }
  return { host, path, headers };
}

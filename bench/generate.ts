/**
 * Deterministic synthetic route sets for benchmarks: `rules` rules in routes of up to 16,
 * with a realistic mix. Same arguments, same YAML, byte for byte.
 *
 * Mix per rule: 70% exact service+method, 12% service only, 5% method only, 3% regex
 * method, 10% with a header match (on top of an exact method). Hosts: 80% of routes
 * on exact hosts, 10% on wildcard hosts, 10% hostless.
 */
import { prng } from "../test/support/prng.ts";

export interface Synthetic {
  yaml: string;
  /** Requests that hit an exact host + exact service/method rule. */
  exactHits: BenchRequest[];
  /** Requests drawn across the whole mix (hits of every kind). */
  mixHits: BenchRequest[];
  /** Requests that match nothing. */
  misses: BenchRequest[];
  /** `/pkg.Svc/Method` of every exact rule, for path-only routers. */
  paths: string[];
}

export interface BenchRequest {
  host: string;
  path: string;
  headers: Record<string, string>;
}

const HEADER = "x-tenant";

export function generate(rules: number, seed = 1): Synthetic {
  const rnd = prng(seed);
  const parts: string[] = [gateway()];
  const exactHits: BenchRequest[] = [];
  const mixHits: BenchRequest[] = [];
  const paths: string[] = [];
  const routes = Math.ceil(rules / 16);
  let made = 0;
  for (let r = 0; r < routes; r++) {
    const kind = rnd();
    const host = kind < 0.8 ? `api${r}.example.com` : kind < 0.9 ? `*.team${r}.example.com` : "";
    const requestHost = host === "" ? "anything.test" : host.startsWith("*.") ? `svc.${host.slice(2)}` : host;
    const lines: string[] = [];
    const n = Math.min(16, rules - made);
    for (let i = 0; i < n; i++, made++) {
      const pkg = `pkg${r}.v1`;
      const svc = `${pkg}.Service${i % 4}`;
      const method = `Method${i}`;
      const x = rnd();
      if (x < 0.7) {
        lines.push(`  - matches: [{method: {service: ${svc}, method: ${method}}}]`);
        const req = { host: requestHost, path: `/${svc}/${method}`, headers: {} };
        if (host !== "" && !host.startsWith("*.")) exactHits.push(req);
        mixHits.push(req);
        paths.push(`/${svc}/${method}`);
      } else if (x < 0.82) {
        lines.push(`  - matches: [{method: {service: ${pkg}.Only${i}}}]`);
        mixHits.push({ host: requestHost, path: `/${pkg}.Only${i}/Any`, headers: {} });
      } else if (x < 0.87) {
        lines.push(`  - matches: [{method: {method: Solo${r}x${i}}}]`);
        mixHits.push({ host: requestHost, path: `/some.Svc/Solo${r}x${i}`, headers: {} });
      } else if (x < 0.9) {
        // Dots escaped, as a careful author writes them: `pkg1\.v1\.Rx3`.
        lines.push(
          `  - matches: [{method: {type: RegularExpression, service: "${pkg.replace(".", "\\\\.")}\\\\.Rx${i}", method: "Get.*"}}]`,
        );
        mixHits.push({ host: requestHost, path: `/${pkg}.Rx${i}/GetThing`, headers: {} });
      } else {
        lines.push(`  - matches: [{method: {service: ${svc}, method: H${method}}, headers: [{name: ${HEADER}, value: t${i}}]}]`);
        mixHits.push({ host: requestHost, path: `/${svc}/H${method}`, headers: { [HEADER]: `t${i}` } });
      }
      lines.push(
        `    backendRefs: [{name: backend${r % 50}, port: 443, weight: ${1 + (i % 3)}}, {name: backend${(r + 1) % 50}, port: 443}]`,
      );
    }
    parts.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: route${r}}
spec:
  parentRefs: [{name: bench}]
${host === "" ? "" : `  hostnames: ["${host}"]\n`}  rules:
${lines.join("\n")}`);
  }
  for (let b = 0; b < 50; b++) {
    parts.push(`apiVersion: v1
kind: Service
metadata: {name: backend${b}}
spec: {type: ExternalName, externalName: b${b}.origin.test, ports: [{port: 443}]}`);
  }
  const misses: BenchRequest[] = [];
  for (let i = 0; i < 256; i++) {
    const r = Math.floor(rnd() * routes);
    misses.push({
      host: i % 2 === 0 ? `api${r}.example.com` : `nope${i}.example.org`,
      path: `/pkg${r}.v1.Missing/Nothing${i}`,
      headers: {},
    });
  }
  return { yaml: parts.join("\n---\n"), exactHits, mixHits, misses, paths };
}

function gateway(): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  gatewayClassName: edge
  listeners: [{name: https, port: 443, protocol: HTTPS}]`;
}

/**
 * Routes for the hardening tests, written as YAML and compiled by the real compiler:
 * `x-case: <name>` picks a rule, each rule's backends point at the test's origins.
 */
import { compileRoutes, demoService } from "../fixtures/demo-routes.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";

export { demoService };
export const caseHeader = "x-case";

export interface CaseSpec {
  /** Backend Services: name → origin URL (and weight, 1 by default). */
  backends: { name: string; url: string; weight?: number; protocol?: "connect" | "grpc-web" }[];
  /** A backend every call of the rule is mirrored to (RequestMirror). */
  mirror?: { name: string; url: string };
}

export interface RouteSpec {
  /** GRPCRoute annotations (retry.linkerd.io/..., timeout.linkerd.io/...). */
  annotations?: Record<string, string>;
  hostnames?: string[];
  cases: Record<string, CaseSpec>;
}

function quote(v: string): string {
  return JSON.stringify(v);
}

/** The manifests: one Gateway, one Service per backend, one GRPCRoute per entry of `routes`. */
export function hardeningManifests(routes: Record<string, RouteSpec>): string {
  const docs = [edgeGateway()];
  const services = new Map<string, { url: string; protocol?: string }>();
  for (const route of Object.values(routes)) {
    for (const c of Object.values(route.cases))
      for (const b of [...c.backends, ...(c.mirror ? [c.mirror] : [])] as CaseSpec["backends"])
        services.set(b.name, { url: b.url, ...(b.protocol ? { protocol: b.protocol } : {}) });
  }
  for (const [name, s] of services) docs.push(originService(name, s.url, s.protocol === undefined ? {} : { protocol: s.protocol }));
  for (const [routeName, route] of Object.entries(routes)) {
    const notes = Object.entries(route.annotations ?? {})
      .map(([k, v]) => `\n    ${k}: ${quote(v)}`)
      .join("");
    const rules = Object.entries(route.cases).map(
      ([name, c]) => `  - matches: [{method: {service: ${demoService}}, headers: [{name: ${caseHeader}, value: ${quote(name)}}]}]
    backendRefs: [${c.backends.map((b) => `{name: ${b.name}, port: 80, weight: ${b.weight ?? 1}}`).join(", ")}]${
      c.mirror ? `\n    filters: [{type: RequestMirror, requestMirror: {backendRef: {name: ${c.mirror.name}, port: 80}}}]` : ""
    }`,
    );
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: ${routeName}${notes === "" ? "" : `\n  annotations:${notes}`}
spec:
  parentRefs: [{name: edge}]${route.hostnames ? `\n  hostnames: [${route.hostnames.join(", ")}]` : ""}
  rules:
${rules.join("\n")}`);
  }
  return docs.join("\n---\n");
}

export function hardeningTable(routes: Record<string, RouteSpec>): RouteTable {
  return compileRoutes(hardeningManifests(routes));
}

import { compile, type CompileResult } from "../../src/compiler/index.ts";
import type { Diagnostic } from "../../src/compiler/index.ts";
import { formatDiagnostic } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { createMatcher } from "../../src/runtime/matcher.ts";
import type { Decision } from "../../src/runtime/types.ts";

/** A Gateway `gw` with one hostless HTTP listener, and ExternalName origins a..e. */
export const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
${["a", "b", "c", "d", "e"]
  .map(
    (n) => `---
apiVersion: v1
kind: Service
metadata: {name: ${n}}
spec: {type: ExternalName, externalName: ${n}.origin.test, ports: [{port: 80, appProtocol: http}]}`,
  )
  .join("\n")}
`;

export interface Compiled extends CompileResult {
  all: Diagnostic[];
  /** Diagnostics rendered as the CLI prints them. */
  lines: string[];
  route(host: string, path: string, headers?: Record<string, string>, random?: number): Decision;
  /** Backend name or the upper-case reject code. */
  outcome(host: string, path: string, headers?: Record<string, string>, random?: number): string;
}

export function compileYaml(text: string, file = "test.yaml"): Compiled {
  const loaded = loadSources([{ file, text }]);
  const result = compile(loaded.resources);
  const all = [...loaded.diagnostics, ...result.diagnostics];
  const matcher = createMatcher(result.table);
  const route = (host: string, path: string, headers: Record<string, string> = {}, random = 0.5) =>
    matcher.route({ host, path, header: (n) => headers[n] ?? null }, () => random);
  return {
    ...result,
    all,
    lines: all.map(formatDiagnostic),
    route,
    outcome: (host, path, headers, random) => {
      const d = route(host, path, headers, random);
      return d.kind === "reject" ? d.code.toUpperCase() : d.backend.name;
    },
  };
}

/** One GRPCRoute on `gw` with the given spec body (YAML under `spec:`, indented two spaces). */
export function route(name: string, spec: string, meta = ""): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: ${name}${meta}}
spec:
  parentRefs: [{name: gw}]
${spec}
`;
}

/**
 * Manifest fuzzer: seeded mutations of valid manifests (the shipped `routes/` and a few
 * richer ones below) must never crash the pipeline. For each case: `loadSources` and
 * `compile` do not throw; every diagnostic points inside the text (integer line ≥ 1,
 * col ≥ 1, on an existing line, at most one past its end) and says something; when
 * there are no errors, the table loads in the matcher, survives a serialize/parse round
 * trip, and answers a few requests without throwing.
 *
 * `npm test`: 3,000 cases. `SOAK=1`: 60,000. `SEED_BASE=n` shifts the seeds;
 * a failure prints the seed and the mutated text; `SEED=n` replays one case.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prng } from "../support/prng.ts";
import { compile } from "../../src/compiler/index.ts";
import type { Diagnostic } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { createMatcher } from "../../src/runtime/matcher.ts";
import { parseTable, serializeTable } from "../../src/table/codec.ts";
import { mutate } from "./mutate.ts";

const SOAK = process.env.SOAK === "1";
const CASES = SOAK ? 60_000 : 3_000;
const SEED_BASE = Number(process.env.SEED_BASE ?? "1");
const ONLY = process.env.SEED === undefined ? undefined : Number(process.env.SEED);

const ROUTES_DIR = join(import.meta.dirname, "../../routes");
const shipped = readdirSync(ROUTES_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => ({ name: `routes/${f}`, text: readFileSync(join(ROUTES_DIR, f), "utf8") }));
/** All shipped files as one input, so cross-object references resolve. */
const shippedAll = { name: "routes/*", text: shipped.map((s) => s.text).join("\n---\n") };

const rich = `apiVersion: v1
kind: Namespace
metadata:
  name: team
  labels: {edge: "yes"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: infra
spec:
  gatewayClassName: edge
  listeners:
    - name: wild
      protocol: HTTPS
      port: 443
      hostname: "*.example.com"
      allowedRoutes:
        namespaces:
          from: All
    - name: exact
      protocol: HTTPS
      port: 443
      hostname: api.example.com
      allowedRoutes:
        namespaces:
          from: Selector
          selector:
            matchLabels: {edge: "yes"}
        kinds:
          - kind: GRPCRoute
    - name: plain
      protocol: HTTP
      port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: api
  namespace: team
  creationTimestamp: "2025-01-01T00:00:00Z"
spec:
  parentRefs:
    - name: edge
      namespace: infra
      sectionName: exact
    - name: edge
      namespace: infra
      sectionName: wild
  hostnames:
    - api.example.com
    - "*.example.com"
  rules:
    - name: users
      matches:
        - method:
            service: .com.example.User
            method: Login
          headers:
            - name: X-Tenant
              value: acme
            - type: RegularExpression
              name: x-version
              value: "v[0-9]+"
        - method:
            type: RegularExpression
            service: "com\\\\.example\\\\..*"
            method: "Get|List"
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set:
              - name: x-edge
                value: "1"
            add:
              - name: x-trace
                value: on
            remove: [x-internal]
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set:
              - name: cache-control
                value: no-store
        - type: RequestMirror
          requestMirror:
            backendRef:
              name: shadow
              port: 8080
            fraction:
              numerator: 5
              denominator: 100
      backendRefs:
        - name: users
          port: 8443
          weight: 90
        - name: users-canary
          port: 8443
          weight: 10
          filters:
            - type: RequestHeaderModifier
              requestHeaderModifier:
                set:
                  - name: x-canary
                    value: "true"
        - name: remote
          namespace: backends
          port: 443
          weight: 0
    - matches:
        - method:
            method: Health
      backendRefs:
        - name: users
          port: 8443
    - backendRefs: []
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: from-team
  namespace: backends
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: GRPCRoute
      namespace: team
  to:
    - group: ""
      kind: Service
      name: remote
---
apiVersion: v1
kind: Service
metadata:
  name: users
  namespace: team
spec:
  type: ExternalName
  externalName: users.origin.test
  ports:
    - port: 8443
      appProtocol: connectrpc.com/connect
---
apiVersion: v1
kind: Service
metadata:
  name: users-canary
  namespace: team
  annotations:
    grpcroute-edge.dev/origin: https://canary.origin.test
    grpcroute-edge.dev/protocol: grpc-web
spec:
  type: ClusterIP
  ports:
    - port: 8443
---
apiVersion: v1
kind: Service
metadata:
  name: shadow
  namespace: team
  annotations:
    grpcroute-edge.dev/service-binding: SHADOW
spec:
  ports:
    - port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: remote
  namespace: backends
spec:
  type: ExternalName
  externalName: remote.origin.test
  ports:
    - port: 443
`;

const mesh = `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: GRPCRoute
metadata: {name: split}
spec:
  parentRefs: [{group: "", kind: Service, name: svc, port: 80}]
  rules:
  - matches: [{headers: [{name: x-canary, value: "1"}]}]
    backendRefs: [{name: svc2, port: 80}]
  - backendRefs: [{name: svc, port: 80, weight: 3}, {name: svc2, port: 80, weight: 1}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: front}
spec:
  parentRefs: [{name: gw}]
  hostnames: [front.example.com]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
kind: List
apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata: {name: svc}
  spec: {type: ExternalName, externalName: svc.origin.test, ports: [{port: 80, appProtocol: kubernetes.io/h2c}]}
- apiVersion: v1
  kind: Service
  metadata: {name: svc2}
  spec: {type: ExternalName, externalName: svc2.origin.test, ports: [{port: 80, name: grpc}]}
`;

const anchors = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: anchored}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: &m [{method: {service: a.S, method: M}}]
    backendRefs: &b [{name: a, port: 80}]
  - matches: *m
    backendRefs: *b
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners:
  - &l {name: http, port: 80, protocol: HTTP}
  - {<<: *l, name: https, port: 443, protocol: HTTPS, hostname: "*.a.example.com"}
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: ExternalName, externalName: a.origin.test, ports: [{port: 80}]}
`;

const BASES = [
  ...shipped,
  shippedAll,
  { name: "rich.yaml", text: rich },
  { name: "mesh.yaml", text: mesh },
  { name: "anchors.yaml", text: anchors },
];

const REQUESTS = [
  { host: "api.example.com", path: "/com.example.User/Login", headers: { "x-tenant": "acme", "x-version": "v2" } },
  { host: "foo.example.com", path: "/com.example.User/Login", headers: {} },
  { host: "Bar.Example.com:443", path: "/any.Svc/Any", headers: { env: "canary" } },
  { host: "smiley.example.com.", path: "/x.Y/Z", headers: {} },
  { host: "svc.default.svc.cluster.local", path: "/a.S/M", headers: { "x-canary": "1" } },
  { host: "unknown.test", path: "/constructor/__proto__", headers: {} },
  { host: "", path: "", headers: {} },
  { host: "x.a.example.com", path: "/api/a.S/M", headers: { "x-a": "a".repeat(8192) } },
];

function checkDiagnostic(d: Diagnostic, file: string, lines: string[]): string | undefined {
  const { line, col } = d.pos;
  if (d.pos.file !== file) return `file ${d.pos.file} is not ${file}`;
  if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || col < 1) return `bad position ${line}:${col}`;
  if (line > lines.length) return `line ${line} past the last line ${lines.length}`;
  if (col > lines[line - 1]!.length + 1) return `col ${col} past the end of line ${line} (${lines[line - 1]!.length} chars)`;
  if (typeof d.message !== "string" || d.message.trim() === "") return "empty message";
  if (d.severity !== "error" && d.severity !== "warning") return `severity ${String(d.severity)}`;
  return undefined;
}

/** Runs one case; returns a failure description or undefined. */
function runCase(seed: number): { text: string; base: string; failure?: string; errors: number } {
  const rnd = prng(seed * 2654435761);
  const base = BASES[Math.floor(rnd() * BASES.length)]!;
  const text = mutate(rnd, base.text);
  const file = "fuzz.yaml";
  const lines = text.split("\n");
  try {
    const loaded = loadSources([{ file, text }]);
    const result = compile(loaded.resources);
    const all = [...loaded.diagnostics, ...result.diagnostics];
    for (const d of all) {
      const problem = checkDiagnostic(d, file, lines);
      if (problem !== undefined) return { text, base: base.name, failure: `${problem}: ${JSON.stringify(d)}`, errors: 0 };
    }
    const errors = all.filter((d) => d.severity === "error").length;
    if (errors === 0) {
      for (const table of [result.table, parseTable(serializeTable(result.table))]) {
        const m = createMatcher(table);
        for (const r of REQUESTS) {
          const req = { host: r.host, path: r.path, header: (n: string) => (r.headers as Record<string, string>)[n] ?? null };
          m.match(req);
          m.route(req, rnd);
        }
      }
    }
    return { text, base: base.name, errors };
  } catch (e) {
    return { text, base: base.name, failure: `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, errors: 0 };
  }
}

describe("manifest fuzzing", () => {
  it("the unmutated self-contained bases compile without errors", () => {
    // Single shipped files refer to the Gateway and Services in the others; they are bases all the same.
    for (const b of BASES.filter((x) => !shipped.includes(x))) {
      const loaded = loadSources([{ file: b.name, text: b.text }]);
      const result = compile(loaded.resources);
      const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
      expect(
        errors.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`),
        b.name,
      ).toEqual([]);
    }
  });

  it(
    `${ONLY !== undefined ? 1 : CASES} mutated manifests never crash and every diagnostic points into the text`,
    () => {
      const seeds = ONLY !== undefined ? [ONLY] : Array.from({ length: CASES }, (_, i) => SEED_BASE + i);
      let clean = 0;
      for (const seed of seeds) {
        const r = runCase(seed);
        if (r.failure !== undefined) {
          expect.fail(
            `seed ${seed} (replay: SEED=${seed} npx vitest run test/fuzz/manifest-fuzz.test.ts), base ${r.base}\n${r.failure}\n--- mutated text (JSON) ---\n${JSON.stringify(r.text)}`,
          );
        }
        if (r.errors === 0) clean++;
      }
      // Some mutations leave the manifests valid, so the matcher path is exercised too.
      if (ONLY === undefined) expect(clean).toBeGreaterThan(seeds.length / 20);
    },
    SOAK ? 900_000 : 30_000,
  );
});

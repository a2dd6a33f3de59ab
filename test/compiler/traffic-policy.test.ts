/**
 * BackendTrafficPolicy compiled onto the table: retry and timeout on a rule (the policy
 * replacing Linkerd annotations, with a warning), rate-limit rows and the bindings they
 * need, and statuses beside SecurityPolicy's.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";

const base = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec:
  gatewayClassName: edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, annotations: {grpcroute-edge.dev/origin: "https://svc.example.net"}}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: r
  annotations: {retry.linkerd.io/grpc: "unavailable", retry.linkerd.io/limit: "1", timeout.linkerd.io/request: "5s"}
spec:
  parentRefs: [{name: eg}]
  rules: [{name: only, backendRefs: [{name: svc, port: 80}]}]`;

const btp = (spec: string) => `${base}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: p}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: r}]
${spec}`;

function build(text: string) {
  const loaded = loadSources([{ file: "t.yaml", text }]);
  const r = compile(loaded.resources);
  return { r, all: [...loaded.diagnostics, ...r.diagnostics], rule: r.table.rules[0]! };
}

describe("retry and timeout", () => {
  it("the annotations apply alone", () => {
    const { rule, all } = build(base);
    expect(all).toEqual([]);
    expect(rule.retry).toEqual({ codes: [14], limit: 1 });
    expect(rule.timeoutMs).toBe(5000);
  });

  it("a policy replaces them, with one warning at the annotations", () => {
    const { rule, all } = build(
      btp(`  retry:
    numRetries: 3
    retryOn: {triggers: [resource-exhausted, gateway-error]}
    perRetry: {timeout: 250ms, backOff: {baseInterval: 10ms, maxInterval: 80ms}}
  timeout:
    http: {requestTimeout: 2s, maxStreamDuration: 1500ms, streamIdleTimeout: 30s}`),
    );
    expect(rule.retry).toEqual({
      codes: [8],
      limit: 3,
      httpStatuses: [502, 503, 504],
      perTryTimeoutMs: 250,
      backoff: { baseMs: 10, maxMs: 80 },
    });
    expect(rule.timeoutMs).toBe(1500);
    expect(rule.idleTimeoutMs).toBe(30_000);
    const w = all.filter((d) => d.severity === "warning");
    expect(w).toHaveLength(1);
    expect(w[0]!.message).toContain("BackendTrafficPolicy default/p applies to this route: its settings replace the");
    expect(w[0]!.pos.line).toBe(17);
  });

  it("requestTimeout: 0s turns the deadline off", () => {
    expect(build(btp("  timeout:\n    http: {requestTimeout: 0s}")).rule.timeoutMs).toBeUndefined();
  });
});

describe("rate limits", () => {
  it("rows and the bindings they need; the policy's status beside the others", () => {
    const { r, rule } = build(
      btp(`  rateLimit:
    local:
      rules: [{limit: {requests: 7, unit: Minute}}]
    global:
      rules:
      - clientSelectors: [{headers: [{name: X-User, type: Distinct}]}]
        limit: {requests: 100, unit: Hour}
        shared: true`),
    );
    expect(r.table.limits![rule.limits!]).toEqual({
      policy: "default/p",
      local: [
        { selectors: [], requests: 7, windowMs: 60_000, shared: false, shadow: false, headers: false, binding: "RATE_LIMIT_7_PER_MINUTE" },
      ],
      global: [
        {
          selectors: [{ headers: [{ name: "x-user", match: "distinct" }] }],
          requests: 100,
          windowMs: 3_600_000,
          shared: true,
          shadow: false,
          headers: true,
        },
      ],
    });
    expect(r.table.bindings).toEqual({
      rateLimits: [{ name: "RATE_LIMIT_7_PER_MINUTE", limit: 7, period: 60 }],
      globalLimiter: { binding: "RATE_LIMITER", className: "RateLimiter" },
    });
    expect(r.policies.map((p) => p.policy)).toEqual(["BackendTrafficPolicy default/p"]);
  });

  it("a table without limits needs no bindings", () => {
    expect(build(base).r.table.bindings).toBeUndefined();
  });
});

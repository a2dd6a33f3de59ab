import { describe, expect, test } from "vitest";
import { compile } from "../compile.ts";
import { loadSources } from "../load/load.ts";
import { parseTable, serializeTable } from "../../table/codec.ts";
import { parseGoDuration } from "./route-policy.ts";

function build(annotations: string) {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: x
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: r
  annotations:
${annotations}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
`;
  const loaded = loadSources([{ file: "r.yaml", text: yaml }]);
  const result = compile(loaded.resources);
  return { table: result.table, diagnostics: [...loaded.diagnostics, ...result.diagnostics] };
}

describe("Linkerd retry/timeout annotations on a GRPCRoute", () => {
  test("compile into the rule", () => {
    const { table, diagnostics } = build(`    retry.linkerd.io/grpc: "unavailable, Internal,deadline_exceeded"
    retry.linkerd.io/limit: "3"
    timeout.linkerd.io/request: "1.5s"`);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(table.rules[0]).toMatchObject({ retry: { codes: [4, 13, 14], limit: 3 }, timeoutMs: 1500 });
  });
  test("no annotations: no fields", () => {
    const { table } = build(`    note: "x"`);
    expect(table.rules[0]!.retry).toBeUndefined();
    expect(table.rules[0]!.timeoutMs).toBeUndefined();
  });
  test.each([
    [`    timeout.linkerd.io/request: "2 seconds"`, 13, "is not a duration"],
    [`    retry.linkerd.io/grpc: "unavailable,flaky"`, 13, 'unknown gRPC status "flaky"'],
    [`    retry.linkerd.io/limit: "lots"`, 13, "integer from 0 to 10"],
  ])("%s → error at the annotation's line", (note, line, message) => {
    const errors = build(note).diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
    expect(errors[0]!.pos.line).toBe(line);
  });
  test("retry.linkerd.io/http is not for GRPCRoute: warning", () => {
    const d = build(`    retry.linkerd.io/http: "5xx"`).diagnostics;
    expect(d.some((x) => x.severity === "warning" && x.message.includes("retry.linkerd.io/http"))).toBe(true);
  });
  test("Go durations", () => {
    expect(parseGoDuration("500ms")).toBe(500);
    expect(parseGoDuration("1m30s")).toBe(90_000);
    expect(parseGoDuration("1h")).toBe(3_600_000);
    expect(parseGoDuration("250us")).toBe(1);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("5")).toBeUndefined();
    expect(parseGoDuration("s")).toBeUndefined();
    expect(parseGoDuration("1d")).toBeUndefined();
  });
});

describe("grpcroute-edge.dev/relay", () => {
  test("exact marks every rule of the route; native is the default", () => {
    expect(build(`    grpcroute-edge.dev/relay: exact`).table.rules[0]!.exactRelay).toBe(true);
    expect(build(`    grpcroute-edge.dev/relay: native`).table.rules[0]!.exactRelay).toBeUndefined();
    expect(build(`    note: "x"`).table.rules[0]!.exactRelay).toBeUndefined();
  });
  test("anything else is an error at the annotation's line", () => {
    const { diagnostics } = build(`    grpcroute-edge.dev/relay: buffered`);
    const error = diagnostics.find((d) => d.severity === "error");
    expect(error?.message).toBe('grpcroute-edge.dev/relay must be "exact" or "native", got "buffered"');
    expect(error?.pos?.line).toBe(13);
  });
  test("survives the table's wire format", () => {
    const { table } = build(`    grpcroute-edge.dev/relay: exact`);
    expect(parseTable(serializeTable(table)).rules[0]!.exactRelay).toBe(true);
  });
});

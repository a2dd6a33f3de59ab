import { describe, expect, test } from "vitest";
import type { GatewayDoc } from "../model.ts";
import { at, load, one, yaml } from "./test-util.ts";

/** A Gateway whose `listeners` items start on line 7. */
const gw = (listeners: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: edge\n  listeners:\n${listeners}\n`;
const L = "spec.listeners";

describe("Gateway", () => {
  test("a valid Gateway with defaults", () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1beta1
      kind: Gateway
      metadata: {name: gw, namespace: infra}
      spec:
        gatewayClassName: edge
        addresses: [{value: 1.2.3.4}]
        listeners:
        - name: https
          hostname: "*.example.com"
          port: 443
          protocol: HTTPS
          tls: {mode: Terminate, certificateRefs: [{name: cert}]}
          allowedRoutes:
            namespaces:
              from: Selector
              selector: {matchLabels: {team: a}}
            kinds: [{kind: GRPCRoute}]
        - {name: http, port: 80, protocol: HTTP}
    `;
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    const doc = r.resources[0] as GatewayDoc;
    expect(doc.spec).toEqual({
      gatewayClassName: "edge",
      listeners: [
        {
          name: "https",
          hostname: "*.example.com",
          port: 443,
          protocol: "HTTPS",
          allowedRoutes: {
            namespacesFrom: "Selector",
            namespaceSelector: { team: "a" },
            kinds: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute" }],
          },
        },
        { name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespacesFrom: "Same", kinds: [] } },
      ],
    });
  });

  test("gatewayClassName is required", () => {
    const text =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  listeners: [{name: a, port: 80, protocol: HTTP}]\n";
    const d = one(load(text).diagnostics, "spec.gatewayClassName");
    expect(d.message).toBe('missing required field "gatewayClassName"');
    expect(d.pos.line).toBe(4);
  });

  test("1 to 64 listeners", () => {
    const none = gw("    []");
    expect(one(load(none).diagnostics, L).message).toBe("has 0 items (at least 1)");
    const lots = gw(Array.from({ length: 65 }, (_, i) => `  - {name: l${i}, port: ${i + 1}, protocol: HTTP}`).join("\n"));
    const d = one(load(lots).diagnostics, L);
    expect(d.message).toBe("has 65 items (at most 64)");
    expect(d.pos.line).toBe(7);
  });

  test("listener names follow SectionName and are unique", () => {
    const text = gw(
      "  - {name: HTTP, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n  - {name: a, port: 82, protocol: HTTP}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${L}[0].name`).pos).toMatchObject(at(text, "HTTP,"));
    const dup = one(diags, `${L}[2].name`);
    expect(dup.message).toMatch(/^Listener name must be unique within the Gateway/);
    expect(dup.pos.line).toBe(10);
  });

  test("hostname pattern, port range and required fields", () => {
    const text = gw("  - {name: a, hostname: Example.COM, port: 0, protocol: HTTP}\n  - {name: b}");
    const diags = load(text).diagnostics;
    expect(one(diags, `${L}[0].hostname`).pos).toMatchObject(at(text, "Example.COM"));
    expect(one(diags, `${L}[0].port`).pos).toMatchObject(at(text, "0,"));
    expect(one(diags, `${L}[1].port`).pos).toMatchObject(at(text, "{name: b}"));
    expect(one(diags, `${L}[1].protocol`).message).toBe('missing required field "protocol"');
  });

  test("protocols other than HTTP/HTTPS are a warning", () => {
    const text = gw("  - {name: a, port: 9000, protocol: TCP}");
    const r = load(text);
    const d = one(r.diagnostics, `${L}[0].protocol`);
    expect(d.severity).toBe("warning");
    expect(d.pos).toMatchObject(at(text, "TCP"));
    expect(r.resources).toHaveLength(1);
  });

  test("listener CEL rules: tls on HTTP, hostname on TCP, duplicate port/protocol/hostname", () => {
    const text = gw(
      "  - {name: a, port: 80, protocol: HTTP, tls: {}}\n  - {name: b, port: 9, protocol: TCP, hostname: a.b}\n  - {name: c, port: 80, protocol: HTTP}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${L}[0].tls`).message).toBe("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
    expect(one(diags, `${L}[1].hostname`).message).toBe("hostname must not be specified for protocols ['TCP', 'UDP']");
    const combo = one(diags, `${L}[2]`);
    expect(combo.message).toMatch(/^Combination of port, protocol and hostname must be unique for each listener/);
    expect(combo.pos.line).toBe(10);
  });

  test("HTTPS needs tls mode Terminate", () => {
    const text = gw("  - {name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}");
    expect(one(load(text).diagnostics, `${L}[0].tls.mode`).pos).toMatchObject(at(text, "Passthrough"));
  });

  test("allowedRoutes: from enum, matchExpressions unsupported, Selector needs a selector, kinds", () => {
    const text = gw(
      yaml`
      - name: a
        port: 80
        protocol: HTTP
        allowedRoutes:
          namespaces:
            from: Some
      - name: b
        port: 81
        protocol: HTTP
        allowedRoutes:
          namespaces:
            from: Selector
            selector:
              matchExpressions: [{key: a, operator: Exists}]
          kinds: [{group: gateway.networking.k8s.io}]
      - name: c
        port: 82
        protocol: HTTP
        allowedRoutes: {namespaces: {from: Selector}}
    `.replace(/^/gm, "  "),
    );
    const diags = load(text).diagnostics;
    const from = one(diags, `${L}[0].allowedRoutes.namespaces.from`);
    expect(from.fix).toBe('did you mean "Same"?');
    expect(from.pos).toMatchObject(at(text, "Some"));
    const expr = one(diags, `${L}[1].allowedRoutes.namespaces.selector.matchExpressions`);
    expect(expr.message).toBe("matchExpressions is not supported by grpcroute-edge");
    expect(expr.pos).toMatchObject(at(text, "matchExpressions:"));
    expect(one(diags, `${L}[1].allowedRoutes.kinds[0].kind`).pos).toMatchObject(at(text, "{group: gateway.networking.k8s.io}"));
    expect(one(diags, `${L}[2].allowedRoutes.namespaces.selector`).message).toBe("from: Selector needs a selector");
  });

  test("unknown listener fields are errors, tls is accepted", () => {
    const text = gw("  - {name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: []}, hostnames: [a.b]}");
    const d = one(load(text).diagnostics, `${L}[0].hostnames`);
    expect(d.fix).toBe('did you mean "hostname"?');
    expect(d.pos).toMatchObject(at(text, "hostnames"));
  });
});

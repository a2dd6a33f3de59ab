import { describe, expect, test } from "vitest";
import type { NamespaceDoc, ReferenceGrantDoc, ServiceDoc } from "../model.ts";
import { at, load, one, yaml } from "./test-util.ts";

describe("Service", () => {
  test("reads type, externalName and ports, ignoring everything else", () => {
    const text = yaml`
      apiVersion: v1
      kind: Service
      metadata: {name: origin, namespace: app}
      spec:
        type: ExternalName
        externalName: api.example.com
        selector: {app: x}
        sessionAffinity: None
        ports:
        - {name: grpc, port: 443, targetPort: 8443, protocol: TCP, appProtocol: kubernetes.io/h2c}
        - port: 80
    `;
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect((r.resources[0] as ServiceDoc).spec).toEqual({
      type: "ExternalName",
      externalName: "api.example.com",
      ports: [{ name: "grpc", port: 443, appProtocol: "kubernetes.io/h2c" }, { port: 80 }],
    });
  });

  test("a Service without spec defaults to ClusterIP without ports", () => {
    const r = load("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
    expect((r.resources[0] as ServiceDoc).spec).toEqual({ type: "ClusterIP", ports: [] });
  });

  test("ExternalName needs a valid externalName; an IPv4 literal is allowed", () => {
    const svc = (ext: string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ExternalName\n${ext}`;
    const missing = one(load(svc("")).diagnostics, "spec.externalName");
    expect(missing.message).toContain('missing required field "externalName"');
    expect(missing.pos.line).toBe(4);
    const badText = svc("  externalName: Not_A_Host\n");
    const bad = one(load(badText).diagnostics, "spec.externalName");
    expect(bad.pos).toMatchObject(at(badText, "Not_A_Host"));
    expect(load(svc("  externalName: 10.1.2.3\n")).diagnostics).toEqual([]);
    expect(load(svc("  externalName: origin.example.com.\n")).diagnostics).toEqual([]);
  });

  test("port type and range", () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: "443"\n  - port: 70000\n  - name: x\n`;
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.ports[0].port").pos).toMatchObject(at(text, '"443"'));
    expect(one(diags, "spec.ports[1].port").pos).toMatchObject(at(text, "70000"));
    expect(one(diags, "spec.ports[2].port").pos).toMatchObject(at(text, "name: x"));
  });

  test("type enum", () => {
    const text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: Cluster}\n";
    expect(one(load(text).diagnostics, "spec.type").fix).toBe('did you mean "ClusterIP"?');
  });

  test("Service names are DNS-1035 labels", () => {
    const text = "apiVersion: v1\nkind: Service\nmetadata: {name: 1svc}\n";
    expect(one(load(text).diagnostics, "metadata.name").pos).toMatchObject(at(text, "1svc"));
  });
});

describe("Namespace", () => {
  test("is cluster-scoped and keeps its labels", () => {
    const r = load("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels: {team: a}\nspec: {finalizers: [kubernetes]}\n");
    expect(r.diagnostics).toEqual([]);
    const ns = r.resources[0] as NamespaceDoc;
    expect(ns.metadata).toEqual({ name: "team-a", namespace: "", labels: { team: "a" }, annotations: {} });
  });

  test("the name must be a DNS-1123 label and diagnostics name it without a namespace", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team.a}\n";
    const d = one(load(text).diagnostics, "metadata.name");
    expect(d.object).toBe("Namespace team.a");
    expect(d.pos).toMatchObject(at(text, "team.a"));
  });
});

describe("ReferenceGrant", () => {
  const rg = (spec: string, version = "v1beta1"): string =>
    `apiVersion: gateway.networking.k8s.io/${version}\nkind: ReferenceGrant\nmetadata: {name: g, namespace: backends}\nspec:\n${spec}`;

  test("a valid grant", () => {
    const r = load(
      rg(
        "  from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: routes}]\n  to: [{group: '', kind: Service}, {group: '', kind: Service, name: api}]\n",
        "v1",
      ),
    );
    expect(r.diagnostics).toEqual([]);
    expect((r.resources[0] as ReferenceGrantDoc).spec).toEqual({
      from: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", namespace: "routes" }],
      to: [
        { group: "", kind: "Service" },
        { group: "", kind: "Service", name: "api" },
      ],
    });
  });

  test("from and to need 1-16 entries with the required fields", () => {
    const text = rg(`  from:\n  - {kind: GRPCRoute}\n  to:\n${"  - {group: '', kind: Service}\n".repeat(17)}`);
    const diags = load(text).diagnostics;
    const group = one(diags, "spec.from[0].group");
    expect(group.message).toBe('missing required field "group"');
    expect(group.pos).toMatchObject(at(text, "{kind: GRPCRoute}"));
    expect(one(diags, "spec.from[0].namespace").pos.line).toBe(6);
    const to = one(diags, "spec.to");
    expect(to.message).toBe("has 17 items (at most 16)");
    expect(to.pos.line).toBe(7);
    const empty = rg("  from: []\n");
    const ed = load(empty).diagnostics;
    expect(one(ed, "spec.from").message).toBe("has 0 items (at least 1)");
    const to0 = one(ed, "spec.to");
    expect(to0.message).toBe('missing required field "to" (a list of at least 1 item)');
    expect(to0.pos.line).toBe(4);
  });

  test("v1alpha2 is deprecated", () => {
    const text = rg("  from: [{group: '', kind: Service, namespace: a}]\n  to: [{group: '', kind: Service}]\n", "v1alpha2");
    const r = load(text);
    const d = one(r.diagnostics, "apiVersion");
    expect(d.severity).toBe("warning");
    expect(d.pos.line).toBe(1);
    expect(r.resources).toHaveLength(1);
  });
});

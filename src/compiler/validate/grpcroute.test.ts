import { describe, expect, test } from "vitest";
import { formatDiagnostic } from "../diagnostics.ts";
import type { GRPCRouteDoc } from "../model.ts";
import { at, errors, load, one, route, yaml } from "./test-util.ts";

const many = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join("\n");

describe("valid GRPCRoute", () => {
  test("produces no diagnostics and applies the CRD defaults", () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata:
        name: foo-route
        creationTimestamp: "2024-05-01T12:00:00Z"
        labels: {app: foo}
      spec:
        parentRefs:
        - name: gw
          sectionName: https
        hostnames: ["api.example.com", "*.example.org"]
        rules:
        - name: login
          matches:
          - method: {service: foo.v1.Auth, method: Login}
            headers:
            - {name: x-version, value: v1}
          - method: {type: RegularExpression, service: 'foo\\..*'}
          filters:
          - type: RequestHeaderModifier
            requestHeaderModifier:
              set: [{name: x-a, value: "1"}]
              add: [{name: x-b, value: "2"}]
              remove: [x-c]
          - type: RequestMirror
            requestMirror:
              backendRef: {name: shadow, port: 8080}
              fraction: {numerator: 5}
          backendRefs:
          - name: auth
            port: 8080
          - name: auth-canary
            namespace: canary
            port: 8080
            weight: 0
        - {}
      status:
        parents: []
    `;
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.resources).toHaveLength(1);
    const doc = r.resources[0] as GRPCRouteDoc;
    expect(doc.metadata).toEqual({
      name: "foo-route",
      namespace: "default",
      creationTimestamp: "2024-05-01T12:00:00Z",
      labels: { app: "foo" },
      annotations: {},
    });
    expect(doc.spec.parentRefs).toEqual([
      { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "default", name: "gw", sectionName: "https" },
    ]);
    expect(doc.spec.hostnames).toEqual(["api.example.com", "*.example.org"]);
    const rule = doc.spec.rules[0];
    expect(rule?.name).toBe("login");
    expect(rule?.matches).toEqual([
      { method: { type: "Exact", service: "foo.v1.Auth", method: "Login" }, headers: [{ type: "Exact", name: "x-version", value: "v1" }] },
      { method: { type: "RegularExpression", service: "foo\\..*" }, headers: [] },
    ]);
    expect(rule?.filters).toEqual([
      {
        type: "RequestHeaderModifier",
        requestHeaderModifier: { set: [{ name: "x-a", value: "1" }], add: [{ name: "x-b", value: "2" }], remove: ["x-c"] },
      },
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: { group: "", kind: "Service", name: "shadow", namespace: "default", port: 8080 },
          fraction: { numerator: 5, denominator: 100 },
        },
      },
    ]);
    expect(rule?.backendRefs).toEqual([
      { group: "", kind: "Service", name: "auth", namespace: "default", port: 8080, weight: 1, filters: [] },
      { group: "", kind: "Service", name: "auth-canary", namespace: "canary", port: 8080, weight: 0, filters: [] },
    ]);
    expect(doc.spec.rules[1]).toEqual({ matches: [], filters: [], backendRefs: [] });
    const w = at(text, "weight: 0");
    expect(doc.locate(["spec", "rules", 0, "backendRefs", 1, "weight"])).toEqual({ file: "t.yaml", line: w.line, col: w.col + 8 });
  });

  test("empty spec is valid and the route namespace is the parentRef default", () => {
    const r = load(yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: {name: r, namespace: team}
      spec:
        parentRefs: [{name: gw}]
    `);
    expect(r.diagnostics).toEqual([]);
    expect((r.resources[0] as GRPCRouteDoc).spec.parentRefs[0]?.namespace).toBe("team");
  });

  test("the validation vectors the API server accepts", () => {
    const text = route(
      yaml`
      rules:
      - matches:
        - method: {method: Login}
        - method: {service: .foo.Test.Example}
        - method: {type: RegularExpression, service: ".*", method: ".*"}
        - method: {type: RegularExpression, service: ""}
    `.replace(/^/gm, "  "),
    );
    expect(load(text).diagnostics).toEqual([]);
  });

  test("2 rules x 48 matches (96) is within the route total", () => {
    const rules = many(2, () => `  - matches:\n${many(48, () => "    - method: {service: a.B}")}`);
    expect(load(route(`  rules:\n${rules}\n`)).diagnostics).toEqual([]);
  });
});

describe("the rendered diagnostic", () => {
  test("has file:line:col, object, path, message and fix", () => {
    const text = route(
      yaml`
      rules:
      - matches:
        - method:
            service: foo.Bar
            method: "Log-in"
    `.replace(/^/gm, "  "),
    );
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.method");
    expect(formatDiagnostic(d)).toBe(
      `t.yaml:10:17: error: GRPCRoute default/r spec.rules[0].matches[0].method.method: "Log-in" has characters a method name cannot have (must match ^[A-Za-z_][A-Za-z_0-9]*$) — use the method name exactly as in the .proto file, or type: RegularExpression`,
    );
  });
});

describe("hostnames", () => {
  test.each([
    ["Foo.example.com", "is not a valid hostname", "use lowercase: foo.example.com"],
    ["*", "is not a valid hostname", "omit hostnames"],
    ["foo.*.com", "is not a valid hostname", "DNS name"],
    ["10.0.0.1", "is an IP address", "DNS name"],
  ])("%s is rejected", (host, message, fix) => {
    const text = route(`  hostnames:\n  - ok.example.com\n  - "${host}"\n`);
    const d = one(load(text).diagnostics, "spec.hostnames[1]");
    expect(d.severity).toBe("error");
    expect(d.pos).toMatchObject(at(text, `"${host}"`));
    expect(d.message).toContain(message);
    expect(d.fix).toContain(fix);
  });

  test("at most 16, each at most 253 characters", () => {
    const long = `${`${"a".repeat(60)}.`.repeat(5)}com`;
    const text = route(`  hostnames:\n${many(17, (i) => `  - h${i}.example.com`)}\n  - ${long}\n`);
    const diags = load(text).diagnostics;
    const max = one(diags, "spec.hostnames");
    expect(max.message).toBe("has 18 items (at most 16)");
    expect(max.pos.line).toBe(6);
    const len = one(diags, "spec.hostnames[17]");
    expect(len.message).toBe("is 308 characters long (at most 253)");
    expect(len.pos.line).toBe(24);
  });

  test("a scalar where a list is expected names the type", () => {
    const text = route("  hostnames: api.example.com\n");
    const d = one(load(text).diagnostics, "spec.hostnames");
    expect(d.message).toBe('expected a list, got string "api.example.com"');
    expect(d.pos).toMatchObject(at(text, "api.example.com"));
  });
});

describe("parentRefs", () => {
  test("sectionName must be specified for two references to one Gateway", () => {
    const text = route("  parentRefs:\n  - name: gw\n  - name: gw\n    sectionName: https\n");
    const d = one(load(text).diagnostics, "spec.parentRefs[1]");
    expect(d.message).toMatch(/^sectionName must be specified when parentRefs includes 2 or more references to the same parent/);
    expect(d.pos.line).toBe(8);
  });

  test("sectionName must be unique", () => {
    const text = route("  parentRefs:\n  - {name: gw, sectionName: a}\n  - {name: gw, sectionName: b}\n  - {name: gw, sectionName: a}\n");
    const d = one(load(text).diagnostics, "spec.parentRefs[2]");
    expect(d.message).toMatch(/^sectionName must be unique when parentRefs includes 2 or more references to the same parent/);
    expect(d.pos.line).toBe(9);
  });

  test("a different namespace is a different parent", () => {
    const text = route("  parentRefs:\n  - {name: gw}\n  - {name: gw, namespace: other}\n");
    expect(load(text).diagnostics).toEqual([]);
  });

  test("field patterns, ranges and the required name", () => {
    const text = route(
      yaml`
      parentRefs:
      - name: gw
        namespace: Team_A
        sectionName: HTTPS
        port: 0
        kind: "1Gateway"
        group: Example.com
      - sectionName: a
    `.replace(/^/gm, "  "),
    );
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.parentRefs[0].namespace").pos).toMatchObject(at(text, "Team_A"));
    expect(one(diags, "spec.parentRefs[0].sectionName").pos).toMatchObject(at(text, "HTTPS"));
    expect(one(diags, "spec.parentRefs[0].port").message).toBe("0 is out of range (must be between 1 and 65535)");
    expect(one(diags, "spec.parentRefs[0].kind").pos).toMatchObject(at(text, '"1Gateway"'));
    expect(one(diags, "spec.parentRefs[0].group").pos).toMatchObject(at(text, "Example.com"));
    const name = one(diags, "spec.parentRefs[1].name");
    expect(name.message).toBe('missing required field "name"');
    expect(name.pos).toMatchObject(at(text, "sectionName: a"));
  });

  test("at most 32", () => {
    const text = route(`  parentRefs:\n${many(33, (i) => `  - {name: gw${i}}`)}\n`);
    const d = one(load(text).diagnostics, "spec.parentRefs");
    expect(d.message).toBe("has 33 items (at most 32)");
    expect(d.pos.line).toBe(6);
  });
});

describe("rules and matches", () => {
  test("at most 16 rules", () => {
    const text = route(`  rules:\n${many(17, () => "  - {}")}\n`);
    const d = one(load(text).diagnostics, "spec.rules");
    expect(d.message).toBe("has 17 items (at most 16)");
    expect(d.fix).toBe("use at most 16 rules; split the route into two GRPCRoutes");
    expect(d.pos.line).toBe(6);
  });

  test("7 rules x 20 matches exceed the 128 matches per route", () => {
    const rules = many(7, () => `  - matches:\n${many(20, () => "    - method: {service: a.B}")}`);
    const d = one(load(route(`  rules:\n${rules}\n`)).diagnostics, "spec.rules");
    expect(d.message).toBe(
      "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128 (this route has 140)",
    );
    expect(d.pos.line).toBe(6);
  });

  test("at most 64 matches per rule", () => {
    const text = route(`  rules:\n  - matches:\n${many(65, () => "    - method: {service: a.B}")}\n`);
    const d = one(load(text).diagnostics, "spec.rules[0].matches");
    expect(d.message).toBe("has 65 items (at most 64)");
    expect(d.pos.line).toBe(7);
  });

  test("rule names follow SectionName and are unique", () => {
    const text = route("  rules:\n  - name: Login\n  - name: a\n  - name: a\n");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rules[0].name").pos).toMatchObject(at(text, "Login"));
    const dup = one(diags, "spec.rules[2].name");
    expect(dup.message).toContain("already used by rules[1]");
    expect(dup.pos.line).toBe(9);
  });

  test("a scalar rule is a type error", () => {
    const text = route("  rules:\n  - login\n");
    const d = one(load(text).diagnostics, "spec.rules[0]");
    expect(d.message).toBe('expected a mapping (field: value), got string "login"');
    expect(d.pos).toMatchObject(at(text, "login"));
  });
});

describe("unknown fields", () => {
  test("did you mean, at the key", () => {
    const text = route("  hostname: [a.example.com]\n  rules:\n  - backendRef:\n    - {name: a, port: 1}\n");
    const diags = load(text).diagnostics;
    const h = one(diags, "spec.hostname");
    expect(h.message).toBe('unknown field "hostname"');
    expect(h.fix).toBe('did you mean "hostnames"?');
    expect(h.pos).toMatchObject(at(text, "hostname:"));
    const b = one(diags, "spec.rules[0].backendRef");
    expect(b.fix).toBe('did you mean "backendRefs"?');
    expect(b.pos).toMatchObject(at(text, "backendRef:"));
  });

  test("experimental-channel fields say so", () => {
    const text = route("  useDefaultGateways: All\n  rules:\n  - sessionPersistence: {}\n");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.useDefaultGateways").fix).toContain("experimental channel");
    expect(one(diags, "spec.rules[0].sessionPersistence").pos.line).toBe(8);
  });

  test("a far-off name lists the known fields", () => {
    const text = route("  foo: 1\n");
    expect(one(load(text).diagnostics, "spec.foo").fix).toBe("remove it; known fields here: parentRefs, hostnames, rules");
  });

  test("top level", () => {
    const text = route("  rules: []\nstats: {}\n");
    const d = one(load(text).diagnostics, "stats");
    expect(d.fix).toBe('did you mean "status"?');
    expect(d.pos.line).toBe(7);
  });
});

describe("collecting problems", () => {
  test("all errors of one object are reported and the object is left out", () => {
    const text = route("  hostnames: [A]\n  rules:\n  - matches:\n    - method: {}\n    backendRefs:\n    - name: x\n");
    const r = load(text);
    expect(errors(r.diagnostics).map((d) => d.path)).toEqual([
      "spec.hostnames[0]",
      "spec.rules[0].matches[0].method",
      "spec.rules[0].backendRefs[0].port",
    ]);
    expect(r.resources).toEqual([]);
  });

  test("spec is required", () => {
    const text = "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: r}\n";
    const d = one(load(text).diagnostics, "spec");
    expect(d.message).toBe('missing required field "spec"');
    expect(d.pos.line).toBe(1);
  });
});

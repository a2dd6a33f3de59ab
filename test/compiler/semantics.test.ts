import { describe, expect, it } from "vitest";
import { MAX_REGEX_INPUT } from "../../src/runtime/regex.ts";
import { BASE, compileYaml, route } from "./harness.ts";

describe("precedence across routes (the Gateway API GRPCRoute guide (https://gateway-api.sigs.k8s.io/api-types/grpcroute/))", () => {
  it("an exact hostname beats a wildcard, which beats no hostname, whatever the methods", () => {
    const c = compileYaml(
      BASE +
        route("r-any", "  rules: [{matches: [{method: {service: pkg.S, method: M}}], backendRefs: [{name: a, port: 80}]}]") +
        route("r-wild", '  hostnames: ["*.example.com"]\n  rules: [{backendRefs: [{name: b, port: 80}]}]') +
        route("r-exact", "  hostnames: [foo.example.com]\n  rules: [{backendRefs: [{name: c, port: 80}]}]"),
    );
    expect(c.outcome("foo.example.com", "/pkg.S/M")).toBe("c");
    expect(c.outcome("bar.example.com", "/pkg.S/M")).toBe("b");
    expect(c.outcome("other.test", "/pkg.S/M")).toBe("a");
    expect(c.outcome("other.test", "/pkg.S/N")).toBe("UNIMPLEMENTED");
  });

  it("falls back to a less specific hostname when the more specific routes do not match", () => {
    const c = compileYaml(
      BASE +
        route(
          "r-exact",
          "  hostnames: [foo.example.com]\n  rules: [{matches: [{method: {service: only.This}}], backendRefs: [{name: a, port: 80}]}]",
        ) +
        route("r-wild", '  hostnames: ["*.example.com"]\n  rules: [{backendRefs: [{name: b, port: 80}]}]'),
    );
    expect(c.outcome("foo.example.com", "/only.This/X")).toBe("a");
    expect(c.outcome("foo.example.com", "/other.Svc/X")).toBe("b");
  });

  it("more service characters, then method characters, then header matches win", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches: [{headers: [{name: x, value: "1"}, {name: y, value: "2"}]}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{method: {method: Get}}]
    backendRefs: [{name: b, port: 80}]
  - matches: [{method: {service: pkg.Svc}}]
    backendRefs: [{name: c, port: 80}]
  - matches: [{method: {service: pkg.Svc, method: Get}}]
    backendRefs: [{name: d, port: 80}]`,
        ),
    );
    expect(c.outcome("h", "/pkg.Svc/Get", { x: "1", y: "2" })).toBe("d");
    expect(c.outcome("h", "/pkg.Svc/Put", { x: "1", y: "2" })).toBe("c");
    expect(c.outcome("h", "/other.Svc/Get", { x: "1", y: "2" })).toBe("b");
    expect(c.outcome("h", "/other.Svc/Put", { x: "1", y: "2" })).toBe("a");
    expect(c.outcome("h", "/other.Svc/Put", { x: "1" })).toBe("UNIMPLEMENTED");
  });

  it("at equal precedence an Exact method beats a RegularExpression of the same length", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches: [{method: {type: RegularExpression, service: "pkg.Sv.", method: Get}}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{method: {service: pkg.Svc, method: Get}}]
    backendRefs: [{name: b, port: 80}]`,
        ),
    );
    expect(c.outcome("h", "/pkg.Svc/Get")).toBe("b");
    expect(c.outcome("h", "/pkg.Svx/Get")).toBe("a");
  });

  it("ties go to the oldest creationTimestamp, then namespace/name", () => {
    const rule = "  rules: [{matches: [{method: {service: pkg.S}}], backendRefs: [{name: NAME, port: 80}]}]";
    const c = compileYaml(
      BASE +
        route("a-young", rule.replace("NAME", "a"), ", creationTimestamp: '2026-02-01T00:00:00Z'") +
        route("z-old", rule.replace("NAME", "b"), ", creationTimestamp: '2025-01-01T00:00:00Z'"),
    );
    expect(c.outcome("h", "/pkg.S/M")).toBe("b");
    const d = compileYaml(BASE + route("b-route", rule.replace("NAME", "b")) + route("a-route", rule.replace("NAME", "a")));
    expect(d.outcome("h", "/pkg.S/M")).toBe("a");
  });
});

describe("match semantics (the Gateway API GRPCRoute guide (https://gateway-api.sigs.k8s.io/api-types/grpcroute/))", () => {
  it("regexes are RE2 and match the whole service or method", () => {
    const c = compileYaml(
      BASE +
        route("r", `  rules: [{matches: [{method: {type: RegularExpression, method: "Get|List"}}], backendRefs: [{name: a, port: 80}]}]`),
    );
    expect(c.outcome("h", "/x.Y/Get")).toBe("a");
    expect(c.outcome("h", "/x.Y/List")).toBe("a");
    expect(c.outcome("h", "/x.Y/GetAll")).toBe("UNIMPLEMENTED");
  });

  it("header names are case-insensitive, values case-sensitive; header regexes match whole values", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches: [{headers: [{name: X-Tenant, value: Acme}]}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{headers: [{type: RegularExpression, name: x-version, value: "v[0-9]+"}]}]
    backendRefs: [{name: b, port: 80}]`,
        ),
    );
    expect(c.outcome("h", "/x.Y/Z", { "x-tenant": "Acme" })).toBe("a");
    expect(c.outcome("h", "/x.Y/Z", { "x-tenant": "acme" })).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/x.Y/Z", { "x-version": "v12" })).toBe("b");
    expect(c.outcome("h", "/x.Y/Z", { "x-version": "v12-beta" })).toBe("UNIMPLEMENTED");
  });

  it("a header value longer than MAX_REGEX_INPUT does not match a RegularExpression header match", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches: [{headers: [{type: RegularExpression, name: x-blob, value: "a+"}]}]
    backendRefs: [{name: a, port: 80}]
  - backendRefs: [{name: b, port: 80}]`,
        ),
    );
    expect(c.outcome("h", "/x.Y/Z", { "x-blob": "a".repeat(MAX_REGEX_INPUT) })).toBe("a");
    // The call goes where it would without the header.
    expect(c.outcome("h", "/x.Y/Z", { "x-blob": "a".repeat(MAX_REGEX_INPUT + 1) })).toBe("b");
  });

  it("a leading dot in an Exact service is the fully-qualified form of the same name", () => {
    const c = compileYaml(BASE + route("r", `  rules: [{matches: [{method: {service: .pkg.Svc}}], backendRefs: [{name: a, port: 80}]}]`));
    expect(c.outcome("h", "/pkg.Svc/Any")).toBe("a");
  });

  it("matches OR, headers within a match AND", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches:
    - {method: {service: a.A}, headers: [{name: k, value: v}]}
    - {method: {service: b.B}}
    backendRefs: [{name: a, port: 80}]`,
        ),
    );
    expect(c.outcome("h", "/a.A/M", { k: "v" })).toBe("a");
    expect(c.outcome("h", "/a.A/M")).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/b.B/M")).toBe("a");
  });
});

describe("backends (the Gateway API GRPCRoute guide (https://gateway-api.sigs.k8s.io/api-types/grpcroute/))", () => {
  it("a rule without backendRefs answers UNIMPLEMENTED", () => {
    const c = compileYaml(BASE + route("r", "  rules: [{matches: [{method: {service: a.A}}]}]"));
    expect(c.outcome("h", "/a.A/M")).toBe("UNIMPLEMENTED");
  });

  it("all weights zero answers UNAVAILABLE; weight 0 is never picked", () => {
    const c = compileYaml(
      BASE +
        route("zero", "  rules: [{matches: [{method: {service: z.Z}}], backendRefs: [{name: a, port: 80, weight: 0}]}]") +
        route(
          "mixed",
          "  rules: [{matches: [{method: {service: m.M}}], backendRefs: [{name: a, port: 80, weight: 0}, {name: b, port: 80, weight: 3}]}]",
        ),
    );
    expect(c.outcome("h", "/z.Z/M")).toBe("UNAVAILABLE");
    for (const r of [0, 0.2, 0.5, 0.99]) expect(c.outcome("h", "/m.M/M", {}, r)).toBe("b");
    expect(c.lines.some((l) => l.includes("weight 0") && l.includes("warning"))).toBe(true);
  });

  it("a backend Service that is not defined keeps its share, with no origin, and ResolvedRefs=False", () => {
    const c = compileYaml(BASE + route("r", "  rules: [{backendRefs: [{name: a, port: 80}, {name: missing, port: 80}]}]"));
    const d = c.route("h", "/x.Y/Z", {}, 0.9);
    expect(d.kind === "forward" && d.backend.name === "missing" && d.backend.origin === null && d.backend.invalid).toBe("BackendNotFound");
    const ok = c.route("h", "/x.Y/Z", {}, 0.1);
    expect(ok.kind === "forward" && ok.backend.origin?.url).toBe("http://a.origin.test");
    expect(c.statuses[0]!.parents[0]!.conditions[1]).toMatchObject({ type: "ResolvedRefs", status: "False", reason: "BackendNotFound" });
    expect(c.all.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("a weight-0 backendRef to a Service that is not defined is still BackendNotFound", () => {
    const c = compileYaml(BASE + route("r", "  rules: [{backendRefs: [{name: a, port: 80}, {name: missing, port: 80, weight: 0}]}]"));
    expect(c.statuses[0]!.parents[0]!.conditions[1]).toMatchObject({
      type: "ResolvedRefs",
      status: "False",
      reason: "BackendNotFound",
      message: "backend default/missing: BackendNotFound",
    });
    for (const r of [0, 0.5, 0.99]) expect(c.outcome("h", "/x.Y/Z", {}, r)).toBe("a");
    expect(c.lines.filter((l) => l.includes("missing"))).toEqual([
      expect.stringContaining("warning: GRPCRoute default/r spec.rules[0].backendRefs[1].weight: backend missing has weight 0"),
    ]);
  });

  it("a ClusterIP Service without an origin is BackendNotFound, with a message that says what is missing", () => {
    const cluster = `---
apiVersion: v1
kind: Service
metadata: {name: inside}
spec: {type: ClusterIP, ports: [{port: 80, appProtocol: connectrpc.com/connect}]}
`;
    const c = compileYaml(BASE + cluster + route("r", "  rules: [{backendRefs: [{name: inside, port: 80}]}]"));
    expect(c.statuses[0]!.parents[0]!.conditions[1]).toEqual({
      type: "ResolvedRefs",
      status: "False",
      reason: "BackendNotFound",
      message:
        "backend default/inside: Service has no origin: add the grpcroute-edge.dev/origin annotation, type: ExternalName, or an ORIGINS entry",
    });
    const d = c.route("h", "/x.Y/Z");
    expect(d.kind === "forward" && d.backend.invalid).toBe("BackendNotFound");
    expect(c.all.filter((x) => x.severity === "error")).toEqual([]);
  });

  it("a cross-namespace backend needs a ReferenceGrant", () => {
    const other = `---
apiVersion: v1
kind: Service
metadata: {name: far, namespace: other}
spec: {type: ExternalName, externalName: far.test}
`;
    const grant = `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: default}]
  to: [{group: "", kind: Service}]
`;
    const r = route("r", "  rules: [{backendRefs: [{name: far, namespace: other, port: 443}]}]");
    const denied = compileYaml(BASE + other + r).route("h", "/x.Y/Z");
    expect(denied.kind === "forward" && denied.backend.invalid).toBe("RefNotPermitted");
    const allowed = compileYaml(BASE + other + grant + r).route("h", "/x.Y/Z");
    expect(allowed.kind === "forward" && allowed.backend.origin?.url).toBe("https://far.test");
  });
});

describe("attachment and status", () => {
  it("route hostnames must intersect the listener's: NoMatchingListenerHostname", () => {
    const gw = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: web, port: 443, protocol: HTTPS, hostname: "*.example.com"}]
`;
    const c = compileYaml(gw + route("r", "  hostnames: [foo.example.net]\n  rules: [{}]"));
    expect(c.statuses[0]!.parents[0]!.conditions[0]).toMatchObject({ status: "False", reason: "NoMatchingListenerHostname" });
    expect(c.lines.find((l) => l.includes("NoMatchingListenerHostname") || l.includes("intersects"))).toMatch(
      /^test\.yaml:\d+:\d+: warning: GRPCRoute default\/r spec\.parentRefs\[0\]/,
    );
    expect(c.all.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("listener hostnames narrow the route's: only the intersection is served", () => {
    const gw = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: web, port: 443, protocol: HTTPS, hostname: "*.example.com"}]
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: ExternalName, externalName: a.test}
`;
    const c = compileYaml(
      gw + route("r", "  hostnames: [test.example.com, test.example.net]\n  rules: [{backendRefs: [{name: a, port: 443}]}]"),
    );
    expect(c.outcome("test.example.com", "/x.Y/Z")).toBe("a");
    expect(c.outcome("test.example.net", "/x.Y/Z")).toBe("UNIMPLEMENTED");
    expect(c.outcome("other.example.com", "/x.Y/Z")).toBe("UNIMPLEMENTED");
  });

  it("allowedRoutes from: Same rejects routes of other namespaces (NotAllowedByListeners)", () => {
    const c = compileYaml(
      BASE +
        `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: r, namespace: team}
spec:
  parentRefs: [{name: gw, namespace: default}]
  rules: [{}]
`,
    );
    expect(c.statuses[0]!.parents[0]!.conditions[0]).toMatchObject({ status: "False", reason: "NotAllowedByListeners" });
  });

  it("a parentRef to a Gateway that is not defined is a warning at its line, with NoMatchingParent", () => {
    const text = BASE + route("r", "  rules: [{}]").replace("{name: gw}", "{name: nope}");
    const c = compileYaml(text);
    const line = text.split("\n").findIndex((l) => l.includes("{name: nope}")) + 1;
    expect(c.lines.find((l) => l.includes("not defined"))).toMatch(
      new RegExp(
        `^test\\.yaml:${line}:\\d+: warning: GRPCRoute default/r spec\\.parentRefs\\[0\\]: parent Gateway default/nope is not defined`,
      ),
    );
    expect(c.statuses[0]!.parents[0]!.conditions[0]).toMatchObject({ status: "False", reason: "NoMatchingParent" });
    expect(c.all.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("one invalid rule fails the build rather than being dropped, so PartiallyInvalid never appears", () => {
    const c = compileYaml(
      BASE +
        route(
          "r",
          `  rules:
  - matches: [{method: {service: pkg.Good}}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{method: {service: pkg.Bad, method: Log-in}}]
    backendRefs: [{name: b, port: 80}]`,
        ),
    );
    expect(c.all.filter((d) => d.severity === "error").map((d) => d.path)).toEqual(["spec.rules[1].matches[0].method.method"]);
    // The whole route is left out with the error: none of its rules reaches the table.
    expect(c.table.routes).toEqual([]);
    expect(c.statuses).toEqual([]);
  });

  it("a route no parent accepts is left out; every other route keeps working", () => {
    const team = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: denied, namespace: team}
spec:
  parentRefs: [{name: gw, namespace: default}]
  rules: [{matches: [{method: {service: pkg.Denied}}], backendRefs: [{name: a, namespace: default, port: 80}]}]
`;
    const c = compileYaml(
      BASE +
        team +
        route("no-listener", "  rules: [{matches: [{method: {service: pkg.Gone}}], backendRefs: [{name: b, port: 80}]}]").replace(
          "{name: gw}",
          "{name: gw, sectionName: nope}",
        ) +
        route("no-gateway", "  rules: [{matches: [{method: {service: pkg.Nowhere}}], backendRefs: [{name: c, port: 80}]}]").replace(
          "{name: gw}",
          "{name: missing}",
        ) +
        route("ok", "  rules: [{matches: [{method: {service: pkg.Ok}}], backendRefs: [{name: d, port: 80}]}]"),
    );
    expect(c.all.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.outcome("h", "/pkg.Ok/M")).toBe("d");
    expect(c.outcome("h", "/pkg.Denied/M")).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/pkg.Gone/M")).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/pkg.Nowhere/M")).toBe("UNIMPLEMENTED");
    const accepted = Object.fromEntries(c.statuses.map((s) => [s.route, s.parents[0]!.conditions[0]!.reason]));
    expect(accepted).toEqual({
      "default/no-gateway": "NoMatchingParent",
      "default/no-listener": "NoMatchingParent",
      "default/ok": "Accepted",
      "team/denied": "NotAllowedByListeners",
    });
    expect(c.unaccepted.map((d) => d.object).sort()).toEqual([
      "GRPCRoute default/no-gateway",
      "GRPCRoute default/no-listener",
      "GRPCRoute team/denied",
    ]);
  });

  it("a parent that does not accept the route leaves the route's other parents serving it", () => {
    const c = compileYaml(
      BASE +
        route("r", "  rules: [{backendRefs: [{name: a, port: 80}]}]").replace(
          "parentRefs: [{name: gw}]",
          "parentRefs: [{name: gw}, {name: missing}]",
        ),
    );
    expect(c.outcome("h", "/x.Y/Z")).toBe("a");
    expect(c.statuses[0]!.parents.map((p) => p.conditions[0]!.reason)).toEqual(["Accepted", "NoMatchingParent"]);
  });
});

describe("Service parents (GAMMA)", () => {
  const svc = (name: string) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {type: ExternalName, externalName: ${name}.test, ports: [{port: 80, appProtocol: http}]}
`;
  const meshRoute = (name: string, parent: string, spec: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{group: "", kind: Service, name: ${parent}, port: 80}]
${spec}
`;

  it("traffic sent to a Service follows its routes; what they do not match goes to the Service itself", () => {
    const c = compileYaml(
      BASE +
        svc("api") +
        svc("api-v2") +
        route("edge", "  rules: [{backendRefs: [{name: api, port: 80}]}]") +
        meshRoute("api-split", "api", "  rules: [{matches: [{method: {service: new.Svc}}], backendRefs: [{name: api-v2, port: 80}]}]"),
    );
    expect(c.outcome("h", "/new.Svc/M")).toBe("api-v2");
    expect(c.outcome("h", "/old.Svc/M")).toBe("api");
  });

  it("a cycle of Service-parented routes is an error", () => {
    const c = compileYaml(
      BASE +
        svc("p") +
        svc("q") +
        meshRoute("p-to-q", "p", "  rules: [{backendRefs: [{name: q, port: 80}]}]") +
        meshRoute("q-to-p", "q", "  rules: [{backendRefs: [{name: p, port: 80}]}]"),
    );
    expect(c.lines.filter((l) => l.includes("cycle")).length).toBeGreaterThan(0);
    expect(c.all.some((d) => d.severity === "error" && d.message.includes("cycle"))).toBe(true);
  });
});

describe("warnings no gateway gives", () => {
  it("reports a match that a higher-precedence one always wins, and duplicates", () => {
    const text =
      BASE +
      route(
        "r",
        `  rules:
  - matches: [{method: {service: pkg.S}}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{method: {service: pkg.S}}]
    backendRefs: [{name: b, port: 80}]
  - matches: [{method: {service: pkg.S, method: M}}]
    backendRefs: [{name: c, port: 80}]
  - matches: [{method: {method: M}, headers: [{name: k, value: v}]}]
    backendRefs: [{name: d, port: 80}]`,
      ) +
      route("catchall", "  rules: [{backendRefs: [{name: e, port: 80}]}]") +
      route("shadowed", `  rules: [{matches: [{headers: [{name: k, value: v}]}], backendRefs: [{name: e, port: 80}]}]`, "");
    const c = compileYaml(text);
    const dup = c.lines.find((l) => l.includes("duplicate match"));
    expect(dup).toMatch(/GRPCRoute default\/r spec\.rules\[1\]\.matches\[0\]: duplicate match: GRPCRoute default\/r spec\.rules\[0\]/);
    // The exact method rule is more specific, the header-only catch-all is not shadowed
    // (catchall has fewer header matches, so it loses to it).
    expect(c.lines.filter((l) => l.includes("can never match"))).toEqual([]);
  });

  it("reports a rule that a catch-all of an older route always beats", () => {
    const c = compileYaml(
      BASE +
        route("first", "  rules: [{backendRefs: [{name: a, port: 80}]}]", ", creationTimestamp: '2025-01-01T00:00:00Z'") +
        route("second", "  rules: [{backendRefs: [{name: b, port: 80}]}]", ", creationTimestamp: '2026-01-01T00:00:00Z'"),
    );
    expect(c.lines.find((l) => l.includes("GRPCRoute default/second"))).toMatch(
      /warning: .*duplicate match: GRPCRoute default\/first spec\.rules\[0\]/,
    );
  });
});

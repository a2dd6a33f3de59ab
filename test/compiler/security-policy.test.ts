/**
 * SecurityPolicy attachment as Envoy Gateway resolves it, compiled from manifests: which
 * policy each rule gets (rule > route > listener > Gateway, whole), conflicts by age then
 * name, statuses per target, references (Secrets, ConfigMaps, ReferenceGrants) and the
 * `check` output that tells users which Worker secrets to put.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, loadSources, type CompileResult, type Diagnostic } from "../../src/compiler/index.ts";
import type { SecurityRow } from "../../src/table/types.ts";

const root = join(import.meta.dirname, "../..");

const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec:
  gatewayClassName: edge
  listeners:
  - {name: https, port: 443, protocol: HTTPS, hostname: grpc.example.com}
  - {name: partners, port: 443, protocol: HTTPS, hostname: partners.example.net}
  - {name: open, port: 443, protocol: HTTPS, hostname: open.example.com}`;

const service = `apiVersion: v1
kind: Service
metadata: {name: yages, annotations: {grpcroute-edge.dev/origin: "https://yages.example.net"}}
spec: {ports: [{port: 9000}]}`;

const route = (
  name: string,
  host: string,
  rules = "  - name: ping\n    backendRefs: [{name: yages, port: 9000}]",
) => `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: eg}]
  hostnames: [${host}]
  rules:
${rules}`;

const policy = (name: string, target: string, body: string, meta = "") => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: ${name}${meta}}
spec:
  targetRefs: [${target}]
${body}`;

const toRoute = (name: string, section?: string) =>
  `{group: gateway.networking.k8s.io, kind: GRPCRoute, name: ${name}${section === undefined ? "" : `, sectionName: ${section}`}}`;
const toGateway = (section?: string) =>
  `{group: gateway.networking.k8s.io, kind: Gateway, name: eg${section === undefined ? "" : `, sectionName: ${section}`}}`;
const basic = "  basicAuth: {users: {name: basic-auth}}";
const allow = "  authorization: {defaultAction: Allow}";

function build(...docs: string[]): { r: CompileResult; all: Diagnostic[]; text: string } {
  const text = docs.join("\n---\n");
  const loaded = loadSources([{ file: "p.yaml", text }]);
  const r = compile(loaded.resources);
  return { r, all: [...loaded.diagnostics, ...r.diagnostics], text };
}

const errors = (all: Diagnostic[]) => all.filter((d) => d.severity === "error");

/** The policy row of the rule `index` of route `name`, or undefined. */
function rowOf(r: CompileResult, name: string, index = 0): SecurityRow | undefined {
  const routeId = r.table.routes.findIndex((x) => x.name === name);
  const rule = r.table.rules.find((x) => x.route === routeId && x.index === index)!;
  return rule.security === undefined ? undefined : r.table.security![rule.security];
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;

describe("which policy a rule gets", () => {
  it("a route policy replaces the Gateway's whole (Envoy Gateway's example: Basic on the Gateway, Allow on one route)", () => {
    const { r, all } = build(
      gateway,
      service,
      route("yages", "grpc.example.com"),
      route("open", "open.example.com"),
      policy("gw-basic", toGateway(), basic),
      policy("open-route", toRoute("open"), allow),
    );
    expect(errors(all)).toEqual([]);
    expect(rowOf(r, "yages")?.policy).toBe("default/gw-basic");
    expect(rowOf(r, "open")).toEqual({ policy: "default/open-route", authorization: { defaultAllow: true, rules: [] } });
    const gw = r.policies.find((p) => p.policy === "SecurityPolicy default/gw-basic")!;
    expect(gw.ancestors).toEqual([
      {
        ancestor: "Gateway default/eg",
        conditions: [
          { type: "Accepted", status: "True", reason: "Accepted", message: "Policy has been accepted." },
          {
            type: "Overridden",
            status: "True",
            reason: "Overridden",
            message: "This policy is being overridden by other SecurityPolicys for these route rules: [default/open/ping]",
          },
        ],
      },
    ]);
    expect(r.securityOf.size).toBe(2);
  });

  it("rule > route > listener > Gateway", () => {
    const rules = "  - name: a\n    backendRefs: [{name: yages, port: 9000}]\n  - name: b\n    backendRefs: [{name: yages, port: 9000}]";
    const { r, all } = build(
      gateway,
      service,
      route("one", "grpc.example.com", rules),
      route("two", "grpc.example.com"),
      route("three", "partners.example.net"),
      route("four", "open.example.com"),
      policy("on-rule", toRoute("one", "a"), allow),
      policy("on-route", toRoute("one"), allow),
      policy("on-listener", toGateway("partners"), allow),
      policy("on-gateway", toGateway(), allow),
    );
    expect(errors(all)).toEqual([]);
    expect(rowOf(r, "one", 0)?.policy).toBe("default/on-rule");
    expect(rowOf(r, "one", 1)?.policy).toBe("default/on-route");
    expect(rowOf(r, "three")?.policy).toBe("default/on-listener");
    expect(rowOf(r, "two")?.policy).toBe("default/on-gateway");
    expect(rowOf(r, "four")?.policy).toBe("default/on-gateway");
    expect(r.securityOf.get(r.table.rules.findIndex((x) => r.table.routes[x.route]!.name === "one" && x.index === 0))).toEqual({
      policy: "SecurityPolicy default/on-rule",
      via: "targets rule a of GRPCRoute default/one",
    });
  });

  it("two policies on one target: the older holds it, the newer is Conflicted; without timestamps the lower name", () => {
    const { r } = build(
      gateway,
      service,
      route("yages", "grpc.example.com"),
      policy("b-old", toRoute("yages"), allow, ", creationTimestamp: 2024-01-01T00:00:00Z"),
      policy("a-new", toRoute("yages"), allow, ", creationTimestamp: 2025-01-01T00:00:00Z"),
      policy("c-none", toRoute("yages"), allow),
    );
    expect(rowOf(r, "yages")?.policy).toBe("default/b-old");
    const conflicted = (name: string) => r.policies.find((p) => p.policy === `SecurityPolicy default/${name}`)!.ancestors[0]!.conditions[0];
    expect(conflicted("a-new")).toEqual({
      type: "Accepted",
      status: "False",
      reason: "Conflicted",
      message: "Unable to target GRPCRoute yages, another SecurityPolicy has already attached to it",
    });
    expect(conflicted("c-none")?.reason).toBe("Conflicted");
    expect(conflicted("b-old")?.reason).toBe("Accepted");
    const named = build(
      gateway,
      service,
      route("yages", "grpc.example.com"),
      policy("z", toRoute("yages"), allow),
      policy("y", toRoute("yages"), allow),
    );
    expect(rowOf(named.r, "yages")?.policy).toBe("default/y");
  });
});

describe("targets that name nothing", () => {
  it("a sectionName that names no rule is TargetNotFound, a warning, and attaches nowhere", () => {
    const { r, all, text } = build(gateway, service, route("yages", "grpc.example.com"), policy("p", toRoute("yages", "nope"), allow));
    expect(errors(all)).toEqual([]);
    const w = all.find((d) => d.object === "SecurityPolicy default/p")!;
    expect([w.severity, w.pos.line]).toEqual(["warning", lineOf(text, "sectionName: nope")]);
    expect(r.policies[0]!.ancestors[0]).toEqual({
      ancestor: "GRPCRoute default/yages",
      sectionName: "nope",
      conditions: [
        { type: "Accepted", status: "False", reason: "TargetNotFound", message: "No section name nope found for GRPCRoute default/yages" },
      ],
    });
    expect(rowOf(r, "yages")).toBeUndefined();
  });

  it("a target that does not exist is an error at its line", () => {
    const { all, text } = build(gateway, service, route("yages", "grpc.example.com"), policy("p", toRoute("missing"), allow));
    const e = errors(all);
    expect(e).toHaveLength(1);
    expect(e[0]!.message).toContain("target GRPCRoute default/missing is not defined");
    expect(e[0]!.pos.line).toBe(lineOf(text, "name: missing"));
  });

  it("listeners that would give one rule different policies are an error", () => {
    const both = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: both}
spec:
  parentRefs: [{name: eg}]
  rules: [{backendRefs: [{name: yages, port: 9000}]}]`;
    const { all } = build(gateway, service, both, policy("l1", toGateway("https"), allow), policy("l2", toGateway("partners"), basic));
    expect(errors(all).map((d) => d.message)).toEqual([expect.stringContaining("is served by listeners with different SecurityPolicys")]);
  });
});

describe("references", () => {
  it("Secrets become Worker secret names; a cross-namespace one needs a ReferenceGrant", () => {
    const cross = policy("p", toRoute("yages"), "  basicAuth: {users: {name: htpasswd, namespace: vault}}");
    const { r, all, text } = build(gateway, service, route("yages", "grpc.example.com"), cross);
    expect(rowOf(r, "yages")?.basic).toEqual({ secret: "EG_SECRET_VAULT_HTPASSWD" });
    const e = errors(all);
    expect(e.map((d) => d.message)).toEqual([expect.stringContaining("no ReferenceGrant there allows SecurityPolicies from default")]);
    expect(e[0]!.pos.line).toBe(lineOf(text, "basicAuth"));
    const grant = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: to-secrets, namespace: vault}
spec:
  from: [{group: gateway.envoyproxy.io, kind: SecurityPolicy, namespace: default}]
  to: [{group: "", kind: Secret}]`;
    expect(errors(build(gateway, service, route("yages", "grpc.example.com"), cross, grant).all)).toEqual([]);
  });

  it("a Secret with data in the inputs is an error at its line", () => {
    const secret = `apiVersion: v1
kind: Secret
metadata: {name: basic-auth}
stringData:
  .htpasswd: "foo:{SHA}Ys23Ag/5IOWqZCw9QGaVDdHwH00="`;
    const { all, text } = build(gateway, service, route("yages", "grpc.example.com"), policy("p", toRoute("yages"), basic), secret);
    const e = errors(all);
    expect(e).toHaveLength(1);
    expect(e[0]!.pos.line).toBe(lineOf(text, "stringData"));
    expect(e[0]!.fix).toContain("wrangler secret put");
  });

  it("a local JWKS from a ConfigMap is inlined with public members only", () => {
    const jwk = {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
      kid: "k1",
    };
    const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: jwks}
data:
  jwks: '${JSON.stringify({ keys: [jwk] })}'`;
    const body =
      "  jwt:\n    providers:\n    - name: example\n      localJWKS: {type: ValueRef, valueRef: {group: '', kind: ConfigMap, name: jwks}}";
    const { r, all } = build(gateway, service, route("yages", "grpc.example.com"), policy("p", toRoute("yages"), body), cm);
    expect(errors(all)).toEqual([]);
    expect(rowOf(r, "yages")?.jwt?.providers[0]?.jwks).toEqual({ keys: [jwk] });
  });
});

describe("check", () => {
  function cliCheck(docs: string[], format: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), "sp-"));
    writeFileSync(join(dir, "all.yaml"), docs.join("\n---\n"));
    const r = spawnSync(process.execPath, [join(root, "bin/grpcroute-edge.js"), "check", "-f", dir, ...format], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    return { code: r.status, out: r.stdout };
  }
  const docs = [gateway, service, route("yages", "grpc.example.com"), policy("gw-basic", toGateway(), basic)];

  it("prints each policy's conditions per target and the secrets to put", () => {
    const r = cliCheck(docs);
    expect(r.code).toBe(0);
    expect(r.out).toContain("SecurityPolicy default/gw-basic\n  Gateway default/eg: Accepted=True (Accepted)\n");
    expect(r.out).toContain(
      "secret EG_SECRET_DEFAULT_BASIC_AUTH (Secret default/basic-auth, basicAuth of SecurityPolicy default/gw-basic): wrangler secret put EG_SECRET_DEFAULT_BASIC_AUTH",
    );
  });

  it("--format json adds policies and keeps every other key", () => {
    const r = cliCheck(docs, ["--format", "json"]);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["valid", "errors", "warnings", "diagnostics", "statuses", "policies"]);
    expect(json.policies).toEqual([
      {
        policy: "SecurityPolicy default/gw-basic",
        ancestors: [
          {
            ancestor: "Gateway default/eg",
            conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "Policy has been accepted." }],
          },
        ],
      },
    ]);
  });

  it("the shipped examples compile against routes/", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, "bin/grpcroute-edge.js"),
        "check",
        "-f",
        "routes/",
        "-f",
        "examples/security/cloudflare-access.yaml",
        "-f",
        "examples/security/api-key.yaml",
      ],
      { cwd: root, encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stdout).toMatch(/0 errors/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("SecurityPolicy default/foo-cloudflare-access\n  GRPCRoute default/foo-route: Accepted=True (Accepted)");
    expect(r.stdout).toContain("wrangler secret put EG_SECRET_DEFAULT_BAR_API_KEYS");
  });
});

/**
 * `explain` with a SecurityPolicy on the winning rule. The policy is put into the compiled
 * table by hand (the table is the contract the worker enforces), so these tests do not
 * depend on the SecurityPolicy manifest reader: `compilePaths` is wrapped to add it, and
 * `main` runs in this process with its output captured.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SecurityRow } from "../../src/table/types.ts";
import type { PipelineResult } from "../../src/cli/pipeline.ts";

const root = join(import.meta.dirname, "../..");
const guarded = vi.hoisted(() => ({ row: undefined as SecurityRow | undefined }));

/** Puts `row` on foo-route's rule, as the compiler would for a policy targeting that rule. */
function attach(r: PipelineResult, row: SecurityRow): void {
  const id = r.table.rules.findIndex((rule) => r.table.routes[rule.route]!.name === "foo-route");
  r.table.security = [row];
  r.table.rules[id]!.security = 0;
  r.securityOf.set(id, { policy: `SecurityPolicy ${row.policy}`, via: "targets GRPCRoute default/foo-route" });
}

vi.mock("../../src/cli/pipeline.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/cli/pipeline.ts")>();
  return {
    ...real,
    compilePaths: async (paths: readonly string[]) => {
      const r = await real.compilePaths(paths);
      if (guarded.row !== undefined) attach(r, guarded.row);
      return r;
    },
  };
});

const { main } = await import("../../src/cli/main.ts");

let out = "";
let err = "";
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((c) => ((err += String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  guarded.row = undefined;
});

const login = ["explain", "-f", join(root, "routes"), "--host", "foo.example.com", "--path", "/com.example.User/Login"];

async function explain(row: SecurityRow | undefined, ...more: string[]) {
  guarded.row = row;
  out = "";
  err = "";
  const code = await main([...login, ...more]);
  return { code, out, err };
}

async function decision(row: SecurityRow, ...more: string[]) {
  const r = await explain(row, "--json", ...more);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { decision?: unknown }).decision;
}

const provider = {
  name: "issuer",
  jwks: { keys: [] },
  claimToHeaders: [{ header: "x-jwt-sub", claim: "sub" }],
  sources: [{ from: "header" as const, name: "authorization", prefix: "Bearer " }],
};

const jwtAdmins: SecurityRow = {
  policy: "default/jwt",
  jwt: { optional: false, failOpen: false, providers: [provider] },
  authorization: {
    defaultAllow: false,
    rules: [
      {
        name: "admins",
        allow: true,
        jwt: { provider: "issuer", scopes: ["read"], claims: [{ name: "role", array: false, values: ["admin"] }] },
      },
    ],
  },
};

describe("explain names the winning rule's SecurityPolicy", () => {
  it("prints a policy: line and a decision: line right after winner:, the rest as before", async () => {
    const plain = await explain(undefined);
    const r = await explain(jwtAdmins);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    const winner = lines.findIndex((l) => l.startsWith("winner:"));
    expect(lines.slice(winner + 1, winner + 3)).toEqual([
      "policy:   SecurityPolicy default/jwt (targets GRPCRoute default/foo-route)",
      "decision: deny (UNAUTHENTICATED: no JWT)",
    ]);
    expect(lines.filter((_, i) => i !== winner + 1 && i !== winner + 2).join("\n")).toBe(plain.out.trimEnd());
  });

  it("adds policy and decision keys to --json after the contract's keys, and nothing without a policy", async () => {
    const plain = JSON.parse((await explain(undefined, "--json")).out) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["status", "route", "rule", "backends"]);
    const j = JSON.parse((await explain(jwtAdmins, "--json")).out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["status", "route", "rule", "backends", "policy", "decision"]);
    expect(j.policy).toEqual({ name: "SecurityPolicy default/jwt", via: "targets GRPCRoute default/foo-route" });
    expect(j.decision).toEqual({ allow: false, code: "UNAUTHENTICATED", reason: "no JWT" });
    const { policy: _p, decision: _d, ...rest } = j;
    expect(rest).toEqual(plain);
  });

  it("gives no decision for a call the edge answers while routing, before any policy stage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gre-explain-"));
    writeFileSync(
      join(dir, "foo-route.yaml"),
      `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: foo-route}
spec:
  parentRefs: [{name: prod}]
  hostnames: [foo.example.com]
  rules:
    - matches: [{method: {service: com.example.User, method: Login}}]
`,
    );
    guarded.row = jwtAdmins;
    const code = await main(["explain", "-f", join(root, "routes", "gateway.yaml"), "-f", dir, ...login.slice(3), "--json"]);
    expect(code, err).toBe(0);
    const j = JSON.parse(out) as Record<string, unknown>;
    expect(j.status).toBe("UNIMPLEMENTED");
    expect(j.policy).toEqual({ name: "SecurityPolicy default/jwt", via: "targets GRPCRoute default/foo-route" });
    expect(j).not.toHaveProperty("decision");
  });

  it("answers stdin --json lines with the policy of each request's rule and the dry run's decision", async () => {
    const input = [
      { host: "foo.example.com", path: "/com.example.User/Login" },
      { host: "bar.example.com", path: "/any.Svc/Any" },
    ];
    vi.spyOn(process, "stdin", "get").mockReturnValue(
      Readable.from(input.map((l) => JSON.stringify(l)).join("\n")) as typeof process.stdin,
    );
    guarded.row = jwtAdmins;
    const code = await main(["explain", "-f", join(root, "routes"), "--json", "--jwt-claims", '{"role":"admin","scope":"read"}']);
    expect(code, err).toBe(0);
    const [secured, open] = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(secured!.policy).toEqual({ name: "SecurityPolicy default/jwt", via: "targets GRPCRoute default/foo-route" });
    expect(secured!.decision).toEqual({ allow: true, code: "OK", rule: "admins", reason: "authorization rule admins" });
    expect(Object.keys(open!)).toEqual(["status", "route", "rule", "backends"]);
  });
});

describe("explain's dry-run flags", () => {
  it("--jwt-claims: no claims is UNAUTHENTICATED, the right ones allow, the wrong ones fall to the default", async () => {
    expect(await decision(jwtAdmins)).toEqual({ allow: false, code: "UNAUTHENTICATED", reason: "no JWT" });
    expect(await decision(jwtAdmins, "--jwt-claims", '{"sub":"alice","role":"admin","scope":"read write"}')).toEqual({
      allow: true,
      code: "OK",
      rule: "admins",
      reason: "authorization rule admins",
    });
    expect(await decision(jwtAdmins, "--jwt-claims", '{"sub":"alice","role":"admin","scope":"write"}')).toEqual({
      allow: false,
      code: "PERMISSION_DENIED",
      reason: "default action Deny",
    });
    const text = await explain(jwtAdmins, "--jwt-claims", '{"role":"user","scope":"read"}');
    expect(text.out).toContain("\ndecision: deny (PERMISSION_DENIED: default action Deny)\n");
  });

  it("--jwt-claims sets claimToHeaders headers, and a client cannot send them itself", async () => {
    const bySub: SecurityRow = {
      policy: "default/by-sub",
      jwt: { optional: true, failOpen: false, providers: [provider] },
      authorization: { defaultAllow: false, rules: [{ name: "root", allow: true, headers: [{ name: "x-jwt-sub", values: ["root"] }] }] },
    };
    expect(await decision(bySub, "--jwt-claims", '{"sub":"root"}')).toMatchObject({ allow: true, rule: "root" });
    expect(await decision(bySub, "-H", "x-jwt-sub: root")).toMatchObject({ allow: false, reason: "default action Deny" });
    expect(await decision(bySub, "-H", "x-jwt-sub: root", "--jwt-claims", '{"sub":"alice"}')).toMatchObject({ allow: false });
  });

  it("--client-ip and a cf-connecting-ip header feed clientCIDRs", async () => {
    const cidr: SecurityRow = {
      policy: "default/cidr",
      authorization: { defaultAllow: false, rules: [{ name: "office", allow: true, cidrs: ["203.0.113.0/24", "2001:db8::/32"] }] },
    };
    expect(await decision(cidr)).toMatchObject({ allow: false, code: "PERMISSION_DENIED", reason: "default action Deny" });
    expect(await decision(cidr, "--client-ip", "203.0.113.7")).toMatchObject({ allow: true, rule: "office" });
    expect(await decision(cidr, "--client-ip", "2001:db8::5")).toMatchObject({ allow: true, rule: "office" });
    expect(await decision(cidr, "--client-ip", "198.51.100.1")).toMatchObject({ allow: false });
    expect(await decision(cidr, "-H", "cf-connecting-ip: 203.0.113.9")).toMatchObject({ allow: true });
    expect(await decision(cidr, "-H", "cf-connecting-ip: 203.0.113.9", "--client-ip", "198.51.100.1")).toMatchObject({ allow: false });
  });

  it("--country is request.cf.country for geo rules, in their order", async () => {
    const geo: SecurityRow = {
      policy: "default/geo",
      authorization: {
        defaultAllow: false,
        rules: [
          { name: "not-us", allow: false, geo: [{ country: "US" }] },
          { name: "europe", allow: true, geo: [{ country: "CH" }, { country: "DE" }] },
        ],
      },
    };
    expect(await decision(geo, "--country", "ch")).toMatchObject({ allow: true, rule: "europe" });
    expect(await decision(geo, "--country", "US")).toEqual({
      allow: false,
      code: "PERMISSION_DENIED",
      rule: "not-us",
      reason: "authorization rule not-us",
    });
    expect(await decision(geo)).toMatchObject({ allow: false, reason: "default action Deny" });
  });

  it("--api-key-client stands for a valid key: its client id reaches header rules through forwardClientIDHeader", async () => {
    const keyed: SecurityRow = {
      policy: "default/keys",
      apiKey: {
        secrets: ["EG_SECRET_DEFAULT_API_KEYS"],
        sources: [{ from: "header", name: "x-api-key" }],
        forwardClientIdHeader: "x-client-id",
        sanitize: true,
      },
      authorization: {
        defaultAllow: false,
        rules: [{ name: "client-a-only", allow: true, headers: [{ name: "x-client-id", values: ["client-a"] }] }],
      },
    };
    expect(await decision(keyed)).toEqual({ allow: false, code: "UNAUTHENTICATED", reason: "no API key" });
    expect(await decision(keyed, "--api-key-client", "client-a")).toMatchObject({ allow: true, rule: "client-a-only" });
    expect(await decision(keyed, "--api-key-client", "client-b")).toMatchObject({ allow: false, code: "PERMISSION_DENIED" });
    expect(await decision(keyed, "--api-key-client", "client-b", "-H", "x-client-id: client-a")).toMatchObject({ allow: false });
  });

  it("-H headers count for header principals", async () => {
    const tenant: SecurityRow = {
      policy: "default/tenant",
      authorization: { defaultAllow: true, rules: [{ name: "no-red", allow: false, headers: [{ name: "x-tenant", values: ["red"] }] }] },
    };
    expect(await decision(tenant, "-H", "x-tenant: blue")).toEqual({ allow: true, code: "OK", reason: "default action Allow" });
    expect(await decision(tenant, "-H", "X-Tenant: red")).toMatchObject({ allow: false, rule: "no-red" });
  });

  it("a policy with Basic auth is UNAUTHENTICATED whatever the flags; one without authorization allows once authenticated", async () => {
    const basic: SecurityRow = { policy: "default/basic", basic: { secret: "EG_SECRET_DEFAULT_HTPASSWD" } };
    expect(await decision(basic, "--jwt-claims", "{}", "--api-key-client", "a")).toEqual({
      allow: false,
      code: "UNAUTHENTICATED",
      reason: "no Basic credentials",
    });
    const jwtOnly: SecurityRow = { policy: "default/jwt-only", jwt: { optional: false, failOpen: false, providers: [provider] } };
    expect(await decision(jwtOnly, "--jwt-claims", "{}")).toMatchObject({ allow: true, code: "OK" });
    expect(await decision(jwtOnly)).toMatchObject({ allow: false, code: "UNAUTHENTICATED" });
  });

  it("refuses bad flag values with exit 2 and a message naming the flag", async () => {
    for (const [flag, value] of [
      ["--jwt-claims", "{sub: alice}"],
      ["--jwt-claims", "[1]"],
      ["--client-ip", "203.0.113.300"],
      ["--client-ip", "10.0.0.0/8"],
      ["--country", "USA"],
      ["--api-key-client", ""],
    ] as const) {
      const r = await explain(jwtAdmins, flag, value!);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.err).toContain(`grpcroute-edge: ${flag}`);
    }
  });
});

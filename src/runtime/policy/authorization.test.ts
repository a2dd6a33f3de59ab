import { describe, expect, it } from "vitest";
import type { AuthorizationRow } from "../../table/types.ts";
import { compileRegexes, MAX_REGEX_INPUT } from "../regex.ts";
import { authorize, type AuthorizationInput } from "./authorization.ts";

const input = (over: Partial<AuthorizationInput> = {}): AuthorizationInput => ({
  method: "POST",
  path: "/pkg.Svc/Get",
  header: () => null,
  geo: {},
  jwt: new Map(),
  ...over,
});

describe("authorize", () => {
  it("takes the first rule whose conditions all hold, else the default", () => {
    const row: AuthorizationRow = {
      defaultAllow: false,
      rules: [
        { name: "deny-bad", allow: false, cidrs: ["10.0.0.0/8"] },
        { name: "allow-office", allow: true, cidrs: ["10.0.0.0/8", "192.168.0.0/16"] },
      ],
    };
    expect(authorize(row, input({ clientIp: "10.1.1.1" }), [])).toEqual({ allow: false, rule: "deny-bad" });
    expect(authorize(row, input({ clientIp: "192.168.3.4" }), [])).toEqual({ allow: true, rule: "allow-office" });
    expect(authorize(row, input({ clientIp: "8.8.8.8" }), [])).toEqual({ allow: false });
    expect(authorize(row, input(), [])).toEqual({ allow: false });
    expect(authorize({ ...row, defaultAllow: true }, input({ clientIp: "8.8.8.8" }), [])).toEqual({ allow: true });
  });

  it("matches JWT claims by type, scopes from scope or scp, only for the named provider", () => {
    const row: AuthorizationRow = {
      defaultAllow: false,
      rules: [
        {
          name: "admins",
          allow: true,
          jwt: {
            provider: "p",
            claims: [
              { name: "user.role", array: false, values: ["admin"] },
              { name: "groups", array: true, values: ["ops"] },
            ],
            scopes: ["read"],
          },
        },
      ],
    };
    const claims = { user: { role: "admin" }, groups: ["dev", "ops"], scope: "read write" };
    expect(authorize(row, input({ jwt: new Map([["p", claims]]) }), []).allow).toBe(true);
    expect(authorize(row, input({ jwt: new Map([["other", claims]]) }), []).allow).toBe(false);
    expect(authorize(row, input({ jwt: new Map([["p", { ...claims, scope: undefined, scp: ["read"] }]]) }), []).allow).toBe(true);
    expect(authorize(row, input({ jwt: new Map([["p", { ...claims, scope: "write" }]]) }), []).allow).toBe(false);
    // A string claim never matches StringArray, nor an array claim String.
    expect(authorize(row, input({ jwt: new Map([["p", { ...claims, groups: "ops" }]]) }), []).allow).toBe(false);
    expect(authorize(row, input({ jwt: new Map([["p", { ...claims, user: { role: ["admin"] } }]]) }), []).allow).toBe(false);
  });

  it("matches headers exactly, geo case-insensitively, methods and Envoy's path forms", () => {
    const regexes = compileRegexes(["/pkg\\.Svc/(Get|List)"]);
    const row: AuthorizationRow = {
      defaultAllow: false,
      rules: [
        { name: "h", allow: true, headers: [{ name: "x-team", values: ["a", "b"] }] },
        { name: "geo", allow: true, geo: [{ country: "CH", city: "zürich" }, { asn: 13335 }] },
        { name: "prefix", allow: true, methods: ["GET"], path: { type: "PathPrefix", value: "/pkg.Admin/", invert: false } },
        { name: "regex", allow: true, path: { type: "RegularExpression", regexId: 0, invert: true } },
      ],
    };
    const header = (v: string | null) => (n: string) => (n === "x-team" ? v : null);
    expect(authorize(row, input({ header: header("a"), path: "/pkg.Svc/Get" }), regexes).rule).toBe("h");
    expect(authorize(row, input({ header: header("A"), path: "/pkg.Svc/Get" }), regexes).allow).toBe(false);
    expect(authorize(row, input({ geo: { country: "ch", city: "Zürich" }, path: "/pkg.Svc/Get" }), regexes).rule).toBe("geo");
    expect(authorize(row, input({ geo: { country: "CH", city: "Bern" }, path: "/pkg.Svc/Get" }), regexes).allow).toBe(false);
    expect(authorize(row, input({ geo: { asn: 13335 }, path: "/pkg.Svc/Get" }), regexes).rule).toBe("geo");
    expect(authorize(row, input({ method: "GET", path: "/pkg.Admin/Drop?x=1" }), regexes).rule).toBe("prefix");
    expect(authorize(row, input({ method: "POST", path: "/pkg.Admin/Drop" }), regexes).rule).toBe("regex");
    expect(authorize(row, input({ method: "GET", path: "/pkg.Administer/Drop" }), regexes).rule).toBe("regex");
    expect(authorize(row, input({ path: "/pkg.Svc/List" }), regexes).allow).toBe(false);
  });
});

describe("a path too long for its regex", () => {
  const regexes = compileRegexes(["/admin/.*"]);
  const long = `/admin/x?${"p".repeat(MAX_REGEX_INPUT)}`;

  it("is denied at a deny rule rather than slipping past it", () => {
    const row: AuthorizationRow = {
      defaultAllow: true,
      rules: [{ name: "no-admin", allow: false, path: { type: "RegularExpression", regexId: 0, invert: false } }],
    };
    expect(authorize(row, input({ path: "/admin/x" }), regexes)).toEqual({ allow: false, rule: "no-admin" });
    expect(authorize(row, input({ path: long }), regexes)).toEqual({ allow: false, rule: "no-admin" });
  });

  it("is denied at an inverted allow rule rather than passing it", () => {
    const row: AuthorizationRow = {
      defaultAllow: false,
      rules: [{ name: "not-admin", allow: true, path: { type: "RegularExpression", regexId: 0, invert: true } }],
    };
    expect(authorize(row, input({ path: "/pkg.Svc/Get" }), regexes)).toEqual({ allow: true, rule: "not-admin" });
    expect(authorize(row, input({ path: long }), regexes)).toEqual({ allow: false, rule: "not-admin" });
  });
});

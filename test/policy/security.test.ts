/**
 * Envoy Gateway SecurityPolicies enforced by the worker in workerd: a real token issuer with
 * a JWKS server (RS256 and ES256 keys), real connect-node / connect-web clients, the origin
 * recording what reached it. Each denial is checked for its code in the caller's protocol,
 * its challenge, and for never reaching the origin.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoClient, via, type ClientKind } from "../worker/setup.ts";
import { startTokenIssuer, type TokenIssuer } from "../../demo/token-issuer.ts";
import { unsignedToken } from "./unsigned-token.ts";

const audience = "grpc.example.com";
const apiKey = "key-a-0123456789";
const password = "wonderland";
const htpasswd = `alice:{SHA}${createHash("sha1").update(password).digest("base64")}\n`;

/** A rule per policy, selected by `x-route: <name>`; each SecurityPolicy targets its rule by name. */
function manifests(issuer: TokenIssuer, origin: string): string {
  const names = ["jwt", "optional", "where", "scoped", "api-key", "basic", "cidr", "geo", "open"];
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: secured}
spec:
  parentRefs: [{name: edge}]
  rules:
${names.map((n) => `  - name: ${n}\n    matches: [{method: {service: ${demoService}}, headers: [{name: x-route, value: ${n}}]}]\n    backendRefs: [{name: alpha, port: 80}]`).join("\n")}`;
  const provider = (extra = "") => `
      - name: issuer
        issuer: ${issuer.url}
        audiences: [${audience}]
        remoteJWKS: {uri: ${issuer.jwksUri}, cacheDuration: 300s, failedRefetchDuration: 1s}
        claimToHeaders: [{header: x-jwt-sub, claim: sub}]${extra}`;
  const policy = (name: string, spec: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: secured, sectionName: ${name}}]
${spec}`;
  return [
    edgeGateway(),
    originService("alpha", origin),
    route,
    policy("jwt", `  jwt:\n    providers:${provider()}`),
    policy("optional", `  jwt:\n    optional: true\n    providers:${provider()}`),
    policy(
      "where",
      `  jwt:\n    providers:${provider(`
        extractFrom:
          headers: [{name: x-auth, valuePrefix: "Token "}]
          cookies: [session]
          params: [token]`)}`,
    ),
    policy(
      "scoped",
      `  jwt:\n    providers:${provider()}
  authorization:
    defaultAction: Deny
    rules:
    - action: Allow
      principal:
        jwt: {provider: issuer, scopes: [read], claims: [{name: role, values: [admin]}]}`,
    ),
    policy(
      "api-key",
      `  apiKeyAuth:
    credentialRefs: [{name: api-keys}]
    extractFrom: [{headers: [x-api-key]}]
    forwardClientIDHeader: x-client-id
    sanitize: true`,
    ),
    policy("basic", `  basicAuth:\n    users: {name: htpasswd}\n    forwardUsernameHeader: x-user`),
    policy(
      "cidr",
      `  authorization:\n    defaultAction: Deny\n    rules: [{action: Allow, principal: {clientCIDRs: [203.0.113.0/24, "2001:db8::/32"]}}]`,
    ),
    policy(
      "geo",
      `  authorization:
    defaultAction: Deny
    rules:
    - {action: Deny, principal: {clientIPGeoLocations: [{country: US, city: Austin}]}}
    - {action: Allow, principal: {clientIPGeoLocations: [{country: CH}, {country: US}]}}`,
    ),
  ].join("\n---\n");
}

let issuer: TokenIssuer;
let alpha: RunningOrigin;
let worker: RunningWorker;
let swiss: RunningWorker;
const secrets = {
  ALLOWED_ORIGINS: "https://app.example.com",
  EG_SECRET_DEFAULT_API_KEYS: JSON.stringify({ "client-a": apiKey }),
  EG_SECRET_DEFAULT_HTPASSWD: JSON.stringify({ ".htpasswd": htpasswd }),
};

beforeAll(async () => {
  [issuer, alpha] = await Promise.all([startTokenIssuer(), startOrigin("alpha")]);
  const loaded = loadSources([{ file: "security.yaml", text: manifests(issuer, alpha.url) }]);
  const result = compile(loaded.resources);
  const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
  expect(errors).toEqual([]);
  // Miniflare's placeholder request.cf says Austin, US; the second worker is in Zürich.
  [worker, swiss] = await Promise.all([
    startWorker(result.table, { vars: secrets }),
    startWorker(result.table, { vars: secrets, cf: { country: "CH", city: "Zürich", regionCode: "ZH", asn: 3303 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([worker?.dispose(), swiss?.dispose()]);
  await Promise.all([issuer?.close(), alpha?.close()]);
});

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("call succeeded, expected an error");
}

/** The origin's call count across a block: a denied call must not add one. */
async function reachesOrigin(f: () => Promise<unknown>): Promise<number> {
  const before = alpha.calls.length;
  await f().catch(() => undefined);
  return alpha.calls.length - before;
}

const kinds: ClientKind[] = ["grpc-web (node)", "connect (node)", "grpc-web (web)", "connect (web)"];

describe.each(kinds)("JWT through %s", (kind) => {
  const client = () => demoClient(worker.url, kind);
  const bearer = (route: string, token: string, more: Record<string, string> = {}) =>
    via(route, { authorization: `Bearer ${token}`, ...more });

  test("a valid RS256 or ES256 token passes, its claim reaches the origin, a spoofed claim header does not", async () => {
    for (const alg of ["RS256", "ES256"] as const) {
      const token = await issuer.sign({ sub: `user-${alg}`, aud: audience }, { alg });
      const r = await client().echo({ message: "hi" }, bearer("jwt", token, { "x-jwt-sub": "admin" }));
      expect(r.backend).toBe("alpha");
      expect(r.headers["x-jwt-sub"]).toBe(`user-${alg}`);
      // The token itself is forwarded unchanged.
      expect(r.headers.authorization).toBe(`Bearer ${token}`);
    }
  });

  test("no token is UNAUTHENTICATED with a Bearer challenge, and reaches no origin", async () => {
    const n = await reachesOrigin(async () => {
      const e = await failure(client().echo({ message: "hi" }, via("jwt")));
      expect(e.code).toBe(Code.Unauthenticated);
      expect(e.rawMessage).toBe("Jwt is missing");
    });
    expect(n).toBe(0);
  });

  test.each([
    ["expired", { exp: Math.floor(Date.now() / 1000) - 3600 }, "Jwt is expired"],
    ["not yet valid", { nbf: Math.floor(Date.now() / 1000) + 3600 }, "Jwt not yet valid"],
    ["from another issuer", { iss: "https://evil.example" }, "Jwt issuer is not configured"],
  ])("a token %s is UNAUTHENTICATED", async (_what, claims, message) => {
    const token = await issuer.sign({ sub: "u", aud: audience, ...claims });
    const e = await failure(client().echo({ message: "hi" }, bearer("jwt", token)));
    expect([e.code, e.rawMessage]).toEqual([Code.Unauthenticated, message]);
  });

  test("a wrong audience is PERMISSION_DENIED (as Envoy), and an unsigned alg:none token UNAUTHENTICATED", async () => {
    const wrongAud = await issuer.sign({ sub: "u", aud: "other.example.com" });
    expect((await failure(client().echo({ message: "hi" }, bearer("jwt", wrongAud)))).code).toBe(Code.PermissionDenied);
    const none = unsignedToken({ iss: issuer.url, sub: "u", aud: audience, exp: Math.floor(Date.now() / 1000) + 600 });
    expect((await failure(client().echo({ message: "hi" }, bearer("jwt", none)))).code).toBe(Code.Unauthenticated);
    // A valid token's payload with a signature from another key fails too.
    const good = await issuer.sign({ sub: "u", aud: audience });
    const other = await issuer.sign({ sub: "mallory", aud: audience }, { alg: "ES256" });
    const forged = `${good.split(".").slice(0, 2).join(".")}.${other.split(".")[2]}`;
    expect((await failure(client().echo({ message: "hi" }, bearer("jwt", forged)))).code).toBe(Code.Unauthenticated);
  });

  test("optional: no token passes, a bad token does not", async () => {
    expect((await client().echo({ message: "hi" }, via("optional"))).backend).toBe("alpha");
    const expired = await issuer.sign({ sub: "u", aud: audience, exp: 1 });
    expect((await failure(client().echo({ message: "hi" }, bearer("optional", expired)))).code).toBe(Code.Unauthenticated);
  });

  test("extractFrom: a header with a prefix, a cookie", async () => {
    const token = await issuer.sign({ sub: "where", aud: audience });
    expect((await client().echo({ message: "hi" }, via("where", { "x-auth": `Token ${token}` }))).headers["x-jwt-sub"]).toBe("where");
    expect((await client().echo({ message: "hi" }, via("where", { cookie: `a=b; session=${token}` }))).headers["x-jwt-sub"]).toBe("where");
    // The Authorization header is not a source of this provider.
    expect((await failure(client().echo({ message: "hi" }, bearer("where", token)))).code).toBe(Code.Unauthenticated);
  });

  test("authorization on scopes and claims: allowed, then PERMISSION_DENIED without the scope", async () => {
    const admin = await issuer.sign({ sub: "a", aud: audience, scope: "read write", role: "admin" });
    expect((await client().echo({ message: "hi" }, bearer("scoped", admin))).backend).toBe("alpha");
    const writer = await issuer.sign({ sub: "w", aud: audience, scope: "write", role: "admin" });
    const n = await reachesOrigin(async () => {
      const e = await failure(client().echo({ message: "hi" }, bearer("scoped", writer)));
      expect([e.code, e.rawMessage]).toEqual([Code.PermissionDenied, "RBAC: access denied"]);
    });
    expect(n).toBe(0);
  });
});

describe("the challenge and the error on the wire", () => {
  const echo = (route: string, headers: Record<string, string>, contentType: string, body: BodyInit) =>
    fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": contentType, "x-route": route, ...headers },
      body,
    });

  test("gRPC-web: HTTP 200 trailers-only grpc-status 16 with www-authenticate; Connect: 401 JSON", async () => {
    const web = await echo("jwt", { origin: "https://app.example.com" }, "application/grpc-web+proto", new Uint8Array(5));
    expect(web.status).toBe(200);
    expect(web.headers.get("grpc-status")).toBe("16");
    expect(web.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/grpcroute\.demo\.v1\.DemoService\/Echo"$/,
    );
    const connect = await echo("jwt", {}, "application/json", "{}");
    expect(connect.status).toBe(401);
    expect(await connect.json()).toEqual({ code: "unauthenticated", message: "Jwt is missing" });
    expect(connect.headers.get("www-authenticate")).toContain("Bearer realm=");
    const expired = await issuer.sign({ sub: "u", aud: audience, exp: 1 });
    const bad = await echo("jwt", { authorization: `Bearer ${expired}` }, "application/json", "{}");
    expect(bad.headers.get("www-authenticate")).toMatch(/, error="invalid_token"$/);
    // Messages never echo the token.
    expect(JSON.stringify(await bad.json())).not.toContain(expired.split(".")[1]);
  });

  test("a token in a query parameter", async () => {
    const token = await issuer.sign({ sub: "param", aud: audience });
    const r = await fetch(`${worker.url}/${demoService}/Echo?token=${token}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "where" },
      body: "{}",
    });
    expect(r.status).toBe(200);
    expect((await r.json()).headers["x-jwt-sub"]).toBe("param");
  });

  test("a CORS preflight is never authenticated, and a denial carries CORS headers exposing www-authenticate", async () => {
    const origin = "https://app.example.com";
    const pre = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, x-route" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const denied = await echo("jwt", { origin }, "application/grpc-web+proto", new Uint8Array(5));
    expect(denied.headers.get("grpc-status")).toBe("16");
    expect(denied.headers.get("access-control-allow-origin")).toBe(origin);
    expect(denied.headers.get("access-control-expose-headers")?.split(", ")).toEqual(
      expect.arrayContaining(["www-authenticate", "grpc-status"]),
    );
  });

  test("a Connect stream is refused with an end-stream error carrying the code", async () => {
    const r = await fetch(`${worker.url}/${demoService}/Count`, {
      method: "POST",
      headers: { "content-type": "application/connect+json", "x-route": "jwt" },
      body: new Uint8Array([0, 0, 0, 0, 2, 0x7b, 0x7d]),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect(bytes[0]).toBe(2);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(5)))).toEqual({
      error: { code: "unauthenticated", message: "Jwt is missing" },
      metadata: { "www-authenticate": [expect.stringMatching(/^Bearer realm="/)] },
    });
  });
});

describe("API keys and Basic auth from Worker secrets", () => {
  const client = () => demoClient(worker.url, "connect (node)");

  test("a known API key passes: the client id is asserted, the key removed; a spoofed client id is replaced", async () => {
    const r = await client().echo({ message: "hi" }, via("api-key", { "x-api-key": apiKey, "x-client-id": "root" }));
    expect(r.headers["x-client-id"]).toBe("client-a");
    expect(r.headers["x-api-key"]).toBeUndefined();
  });

  test("a missing or unknown API key is UNAUTHENTICATED and reaches no origin", async () => {
    const n = await reachesOrigin(async () => {
      for (const headers of [{}, { "x-api-key": "key-b" }] as Record<string, string>[]) {
        const e = await failure(client().echo({ message: "hi" }, via("api-key", headers)));
        expect([e.code, e.rawMessage]).toEqual([Code.Unauthenticated, "Client authentication failed."]);
      }
    });
    expect(n).toBe(0);
  });

  test("Basic: the right password passes with the user asserted; a wrong one is UNAUTHENTICATED with a Basic challenge", async () => {
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    const r = await client().echo({ message: "hi" }, via("basic", { authorization: basic("alice", password), "x-user": "root" }));
    expect(r.headers["x-user"]).toBe("alice");
    const res = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "basic", authorization: basic("alice", "guess") },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="/);
    expect((await res.json()).message).toBe("User authentication failed. Invalid username/password combination.");
  });

  test("a missing secret fails closed with INTERNAL, naming the secret", async () => {
    const loaded = loadSources([{ file: "security.yaml", text: manifests(issuer, alpha.url) }]);
    const bare = await startWorker(compile(loaded.resources).table);
    try {
      const e = await failure(demoClient(bare.url, "connect (node)").echo({ message: "hi" }, via("api-key", { "x-api-key": apiKey })));
      expect(e.code).toBe(Code.Internal);
      expect(e.rawMessage).toContain("EG_SECRET_DEFAULT_API_KEYS");
    } finally {
      await bare.dispose();
    }
  });
});

describe("client address and location", () => {
  const client = (w: RunningWorker) => demoClient(w.url, "connect (node)");

  test("clientCIDRs match cf-connecting-ip, by family", async () => {
    expect((await client(worker).echo({ message: "hi" }, via("cidr", { "cf-connecting-ip": "203.0.113.7" }))).backend).toBe("alpha");
    expect((await client(worker).echo({ message: "hi" }, via("cidr", { "cf-connecting-ip": "2001:db8::5" }))).backend).toBe("alpha");
    for (const ip of ["198.51.100.1", "::ffff:203.0.113.7"]) {
      const e = await failure(client(worker).echo({ message: "hi" }, via("cidr", { "cf-connecting-ip": ip })));
      expect(e.code).toBe(Code.PermissionDenied);
    }
  });

  test("geo rules read request.cf, first match wins", async () => {
    // Austin, US is denied by the first rule before the second could allow the country.
    expect((await failure(client(worker).echo({ message: "hi" }, via("geo")))).code).toBe(Code.PermissionDenied);
    expect((await client(swiss).echo({ message: "hi" }, via("geo"))).backend).toBe("alpha");
  });

  test("a rule without a policy is untouched", async () => {
    expect((await client(worker).echo({ message: "hi" }, via("open"))).backend).toBe("alpha");
  });
});

/**
 * BackendTrafficPolicy at the edge, in workerd with Miniflare's own rate-limiting binding
 * and Durable Objects (no stand-ins): Global limits exact under concurrency, per distinct
 * header, per client address and per verified JWT subject, shared or per rule, with the
 * x-ratelimit-* headers; shadow mode; Local limits on the binding; failing open without a
 * limiter; and retry / timeout from a policy against a real origin.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { startTokenIssuer, type TokenIssuer } from "../../demo/token-issuer.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { startOrigin, startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoClient, via } from "../worker/setup.ts";

const rules = [
  "exact",
  "per-second",
  "per-user",
  "per-ip",
  "per-sub",
  "shared-a",
  "shared-b",
  "own-a",
  "own-b",
  "shadow",
  "local",
  "retry",
  "slow",
];

function manifests(alpha: string, flaky: string, issuer: TokenIssuer): string {
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: limited}
spec:
  parentRefs: [{name: edge}]
  rules:
${rules
  .map(
    (n) =>
      `  - name: ${n}\n    matches: [{method: {service: ${demoService}}, headers: [{name: x-route, value: ${n}}]}]\n    backendRefs: [{name: ${n === "retry" ? "flaky" : "alpha"}, port: 80}]`,
  )
  .join("\n")}`;
  const btp = (name: string, sections: string[], spec: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [${sections.map((s) => `{group: gateway.networking.k8s.io, kind: GRPCRoute, name: limited, sectionName: ${s}}`).join(", ")}]
${spec}`;
  const global = (rule: string) => `  rateLimit:\n    global:\n      rules:\n${rule}`;
  return [
    edgeGateway(),
    originService("alpha", alpha),
    originService("flaky", flaky),
    route,
    btp("exact", ["exact"], global("      - limit: {requests: 50, unit: Hour}")),
    btp("per-second", ["per-second"], global("      - limit: {requests: 2, unit: Second}")),
    btp(
      "per-user",
      ["per-user"],
      global("      - clientSelectors: [{headers: [{name: x-user-id, type: Distinct}]}]\n        limit: {requests: 3, unit: Hour}"),
    ),
    btp(
      "per-ip",
      ["per-ip"],
      global("      - clientSelectors: [{sourceCIDR: {type: Distinct, value: 0.0.0.0/0}}]\n        limit: {requests: 2, unit: Hour}"),
    ),
    btp(
      "per-sub",
      ["per-sub"],
      global("      - clientSelectors: [{headers: [{name: x-sub, type: Distinct}]}]\n        limit: {requests: 2, unit: Hour}"),
    ),
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: per-sub}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: limited, sectionName: per-sub}]
  jwt:
    providers:
    - name: issuer
      issuer: ${issuer.url}
      remoteJWKS: {uri: ${issuer.jwksUri}}
      claimToHeaders: [{header: x-sub, claim: sub}]`,
    btp("shared", ["shared-a", "shared-b"], global("      - limit: {requests: 4, unit: Hour}\n        shared: true")),
    btp("own", ["own-a", "own-b"], global("      - limit: {requests: 2, unit: Hour}")),
    btp("shadow", ["shadow"], global("      - limit: {requests: 1, unit: Hour}\n        shadowMode: true")),
    btp(
      "local",
      ["local"],
      "  rateLimit:\n    local:\n      rules:\n      - clientSelectors: [{headers: [{name: x-user-id, type: Distinct}]}]\n        limit: {requests: 2, unit: Minute}",
    ),
    btp(
      "retry",
      ["retry"],
      "  retry:\n    numRetries: 2\n    retryOn: {triggers: [unavailable]}\n    perRetry: {backOff: {baseInterval: 10ms, maxInterval: 20ms}}",
    ),
    btp("slow", ["slow"], "  timeout:\n    http: {requestTimeout: 300ms}"),
  ].join("\n---\n");
}

let alpha: RunningOrigin;
let flaky: RunningOrigin;
let issuer: TokenIssuer;
let table: RouteTable;
let worker: RunningWorker;
/** Calls the flaky origin saw: the first of each call id gets UNAVAILABLE. */
const flakySeen = new Map<string, number>();

beforeAll(async () => {
  [alpha, issuer] = await Promise.all([startOrigin("alpha"), startTokenIssuer()]);
  flaky = await startRawOrigin("flaky", (req, res) => {
    req.resume();
    const id = String(req.headers["x-call-id"]);
    const n = (flakySeen.get(id) ?? 0) + 1;
    flakySeen.set(id, n);
    if (n === 1)
      res.writeHead(200, { "content-type": "application/grpc-web+proto", "grpc-status": "14", "grpc-message": "warming up" }).end();
    else {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      // An empty EchoResponse, then an OK trailer.
      res.end(Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from([0x80, 0, 0, 0, 15]), Buffer.from("grpc-status: 0\r\n")]));
    }
  });
  const loaded = loadSources([{ file: "limits.yaml", text: manifests(alpha.url, flaky.url, issuer) }]);
  const result = compile(loaded.resources);
  expect([...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error")).toEqual([]);
  table = result.table;
  worker = await startWorker(table);
});
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([alpha?.close(), flaky?.close(), issuer?.close()]);
});

const client = (w: RunningWorker = worker) => demoClient(w.url, "connect (node)");
async function outcome(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return ConnectError.from(e).code;
  }
}
const echo = (route: string, headers: Record<string, string> = {}, w?: RunningWorker) =>
  outcome(client(w).echo({ message: "hi" }, via(route, headers)));
const count = (list: (Code | "ok")[], what: Code | "ok") => list.filter((x) => x === what).length;

describe("Global limits in a Durable Object", () => {
  test("200 concurrent calls against a limit of 50: exactly 50 pass, the rest are RESOURCE_EXHAUSTED and reach no origin", async () => {
    const before = alpha.calls.length;
    const results = await Promise.all(Array.from({ length: 200 }, () => echo("exact")));
    expect(count(results, "ok")).toBe(50);
    expect(count(results, Code.ResourceExhausted)).toBe(150);
    expect(alpha.calls.length - before).toBe(50);
  });

  test("windows are aligned to the unit: a per-Second limit starts afresh at the next second", async () => {
    // Start just after a second begins, so three quick calls share one window.
    while (Date.now() % 1000 > 300) await new Promise((r) => setTimeout(r, 20));
    const first = [await echo("per-second"), await echo("per-second"), await echo("per-second")];
    expect(first).toEqual(["ok", "ok", Code.ResourceExhausted]);
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    expect(await echo("per-second")).toBe("ok");
  });

  test("one counter per distinct header value, with the x-ratelimit headers (limit, remaining, reset)", async () => {
    const r = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "per-user", "x-user-id": "ann" },
      body: "{}",
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ratelimit-limit")).toBe("3, 3;w=3600");
    expect(r.headers.get("x-ratelimit-remaining")).toBe("2");
    expect(Number(r.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);
    expect(Number(r.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(3600);
    expect([await echo("per-user", { "x-user-id": "ann" }), await echo("per-user", { "x-user-id": "ann" })]).toEqual(["ok", "ok"]);
    const over = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "per-user", "x-user-id": "ann" },
      body: "{}",
    });
    expect(over.status).toBe(429);
    expect((await over.json()).code).toBe("resource_exhausted");
    expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await echo("per-user", { "x-user-id": "bob" })).toBe("ok");
    // A call without the header is not counted by a Distinct rule.
    for (let i = 0; i < 5; i++) expect(await echo("per-user")).toBe("ok");
  });

  test("gRPC-web gets grpc-status 8 trailers-only", async () => {
    for (let i = 0; i < 3; i++) await echo("per-user", { "x-user-id": "carl" });
    const r = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-route": "per-user", "x-user-id": "carl" },
      body: new Uint8Array(5),
    });
    expect([r.status, r.headers.get("grpc-status")]).toEqual([200, "8"]);
  });

  test("per client address (cf-connecting-ip)", async () => {
    const ip = (a: string) => ({ "cf-connecting-ip": a });
    expect([
      await echo("per-ip", ip("203.0.113.1")),
      await echo("per-ip", ip("203.0.113.1")),
      await echo("per-ip", ip("203.0.113.1")),
    ]).toEqual(["ok", "ok", Code.ResourceExhausted]);
    expect(await echo("per-ip", ip("203.0.113.2"))).toBe("ok");
  });

  test("per verified JWT subject: the counter keys on what the SecurityPolicy asserted, never on a client-sent header", async () => {
    const token = await issuer.sign({ sub: "dora" });
    const call = (spoof: string) => echo("per-sub", { authorization: `Bearer ${token}`, "x-sub": spoof });
    // A different x-sub on each call cannot buy a new counter: the edge replaces it with the token's.
    expect([await call("a"), await call("b"), await call("c")]).toEqual(["ok", "ok", Code.ResourceExhausted]);
    expect(await echo("per-sub", { authorization: `Bearer ${await issuer.sign({ sub: "eve" })}` })).toBe("ok");
  });

  test("shared counts across every rule the policy targets; without it each rule has its own", async () => {
    const shared = [];
    for (const r of ["shared-a", "shared-b", "shared-a", "shared-b", "shared-a"]) shared.push(await echo(r));
    expect(shared).toEqual(["ok", "ok", "ok", "ok", Code.ResourceExhausted]);
    const own = [];
    for (const r of ["own-a", "own-a", "own-b", "own-b", "own-a"]) own.push(await echo(r));
    expect(own).toEqual(["ok", "ok", "ok", "ok", Code.ResourceExhausted]);
  });

  test("shadowMode counts but never limits", async () => {
    expect([await echo("shadow"), await echo("shadow"), await echo("shadow")]).toEqual(["ok", "ok", "ok"]);
  });

  test("without the Durable Object bound, calls go on (fail open)", async () => {
    const unbound: RouteTable = structuredClone(table);
    delete unbound.bindings!.globalLimiter;
    const w = await startWorker(unbound);
    try {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await echo("per-ip", { "cf-connecting-ip": "198.51.100.9" }, w));
      expect(results).toEqual(["ok", "ok", "ok"]);
    } finally {
      await w.dispose();
    }
  });
});

describe("Local limits on the rate-limiting binding", () => {
  test("per distinct header, per minute", async () => {
    const user = (u: string) => echo("local", { "x-user-id": u });
    expect([await user("fay"), await user("fay"), await user("fay")]).toEqual(["ok", "ok", Code.ResourceExhausted]);
    expect(await user("gus")).toBe("ok");
  });
});

describe("retry and timeout from a policy", () => {
  test("an origin that answers UNAVAILABLE once is retried, and the call succeeds", async () => {
    const grpcWeb = demoClient(worker.url, "grpc-web (node)");
    await grpcWeb.echo({ message: "hi" }, via("retry", { "x-call-id": "one" }));
    expect(flakySeen.get("one")).toBe(2);
  });

  test("requestTimeout ends a slow call with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    expect(await outcome(client().echo({ message: "hi", delayMs: 3000 }, via("slow")))).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

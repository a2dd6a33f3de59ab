/**
 * The worker's JWKS cache against a real JWKS server: one fetch per cacheDuration however
 * many calls (cold concurrent calls share it), a refetch for an unknown kid at most once per
 * failedRefetchDuration (key rotation), stale keys served when a refetch fails, and
 * UNAVAILABLE when there are no keys at all. Counts are the JWKS server's own.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoClient, via } from "../worker/setup.ts";
import { startTokenIssuer, type TokenIssuer } from "../../demo/token-issuer.ts";

/** One rule per issuer, `x-route: <name>`, each with its own JWKS and cache durations. */
function manifests(origin: string, issuers: Record<string, { issuer: TokenIssuer; cache: string; refetch: string }>): string {
  const names = Object.keys(issuers);
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: keys}
spec:
  parentRefs: [{name: edge}]
  rules:
${names.map((n) => `  - name: ${n}\n    matches: [{method: {service: ${demoService}}, headers: [{name: x-route, value: ${n}}]}]\n    backendRefs: [{name: alpha, port: 80}]`).join("\n")}`;
  const policies = names.map(
    (n) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: ${n}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: keys, sectionName: ${n}}]
  jwt:
    providers:
    - name: p
      issuer: ${issuers[n]!.issuer.url}
      remoteJWKS: {uri: ${issuers[n]!.issuer.jwksUri}, cacheDuration: ${issuers[n]!.cache}, failedRefetchDuration: ${issuers[n]!.refetch}}`,
  );
  return [edgeGateway(), originService("alpha", origin), route, ...policies].join("\n---\n");
}

let steady: TokenIssuer;
let short: TokenIssuer;
let down: TokenIssuer;
let alpha: RunningOrigin;
let worker: RunningWorker;

beforeAll(async () => {
  [steady, short, down, alpha] = await Promise.all([startTokenIssuer(), startTokenIssuer(), startTokenIssuer(), startOrigin("alpha")]);
  down.setDown(true);
  const text = manifests(alpha.url, {
    steady: { issuer: steady, cache: "300s", refetch: "1s" },
    short: { issuer: short, cache: "1s", refetch: "1s" },
    down: { issuer: down, cache: "300s", refetch: "1s" },
  });
  const loaded = loadSources([{ file: "jwks.yaml", text }]);
  const result = compile(loaded.resources);
  expect([...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error")).toEqual([]);
  worker = await startWorker(result.table);
});
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([steady, short, down, alpha].map((s) => s?.close()));
});

const client = () => demoClient(worker.url, "connect (node)");
const call = (route: string, token: string) => client().echo({ message: "hi" }, via(route, { authorization: `Bearer ${token}` }));
async function codeOf(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return ConnectError.from(e).code;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("remote JWKS", () => {
  test("cold concurrent calls share one fetch, and 100 more calls fetch nothing", async () => {
    const token = await steady.sign({ sub: "u" });
    const cold = await Promise.all(Array.from({ length: 10 }, () => codeOf(call("steady", token))));
    expect(cold).toEqual(Array(10).fill("ok"));
    for (let i = 0; i < 100; i++) expect(await codeOf(call("steady", token))).toBe("ok");
    expect(steady.jwksRequests()).toBe(1);
  });

  test("a rotated key is found by one refetch; another unknown kid within failedRefetchDuration fetches nothing", async () => {
    const before = steady.jwksRequests();
    const kid = await steady.rotate("ES256");
    expect(await codeOf(call("steady", await steady.sign({ sub: "u" }, { kid })))).toBe("ok");
    expect(steady.jwksRequests()).toBe(before + 1);
    const stranger = await steady.sign({ sub: "u" }, { kid: "rsa-1", header: { kid: "nobody" } });
    expect(await codeOf(call("steady", stranger))).toBe(Code.Unauthenticated);
    expect(steady.jwksRequests()).toBe(before + 1);
  });

  test("a refetch that fails after cacheDuration keeps serving the cached keys", async () => {
    const token = await short.sign({ sub: "u" });
    expect(await codeOf(call("short", token))).toBe("ok");
    short.setDown(true);
    await sleep(1200);
    const tried = short.jwksRequests();
    expect(await codeOf(call("short", token))).toBe("ok");
    expect(short.jwksRequests()).toBe(tried + 1);
    short.setDown(false);
  });

  test("no keys at all (the JWKS server is down from the start) is UNAVAILABLE, not UNAUTHENTICATED", async () => {
    expect(await codeOf(call("down", await down.sign({ sub: "u" })))).toBe(Code.Unavailable);
    // Once it is back (after failedRefetchDuration), calls pass.
    down.setDown(false);
    await sleep(1100);
    expect(await codeOf(call("down", await down.sign({ sub: "u" })))).toBe("ok");
  });
});

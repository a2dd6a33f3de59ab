/**
 * The shared routing cases (conformance vectors and the shipped examples) once more, now
 * through the worker in workerd: each backend is a real connect-node origin, and the
 * test asserts which origin received the call, or which status the edge answered.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { shippedCases, suites, type RoutingCase } from "../compiler/routing-cases.ts";
import { compileRoutes } from "../fixtures/demo-routes.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { grpcWebCall } from "../harness/raw-call.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";

const codes: Record<string, string> = { UNIMPLEMENTED: "12", UNAVAILABLE: "14" };

interface Stage {
  worker: RunningWorker;
  origins: Map<string, RunningOrigin>;
  close(): Promise<void>;
}

/** The routes in workerd, every named backend redirected to its own real origin. */
async function stage(yaml: string, backends: string[]): Promise<Stage> {
  const origins = new Map(await Promise.all(backends.map(async (b) => [b, await startOrigin(b)] as const)));
  const overrides = Object.fromEntries([...origins].map(([b, o]) => [b, o.url]));
  const worker = await startWorker(compileRoutes(yaml), { vars: { ORIGINS: JSON.stringify(overrides) } });
  return {
    worker,
    origins,
    async close() {
      await worker.dispose();
      await Promise.all([...origins.values()].map((o) => o.close()));
    },
  };
}

function callsOf(s: Stage): Map<string, number> {
  return new Map([...s.origins].map(([b, o]) => [b, o.calls.length]));
}

async function expectCase(s: Stage, c: RoutingCase): Promise<void> {
  const before = callsOf(s);
  const answer = await grpcWebCall(s.worker.url, c.host, c.path, c.headers);
  const reached = [...s.origins].filter(([b, o]) => o.calls.length > before.get(b)!).map(([b]) => b);
  if (c.expect in codes) {
    expect(reached).toEqual([]);
    expect(answer.grpcStatus).toBe(codes[c.expect]);
  } else {
    expect(reached).toEqual([c.expect]);
    expect(s.origins.get(c.expect)!.calls.at(-1)!.procedure).toBe(c.path);
  }
}

for (const suite of suites) {
  describe(`${suite.name} through the worker`, () => {
    let s: Stage;
    beforeAll(async () => {
      s = await stage(suite.manifests, ["grpc-infra-backend-v1", "grpc-infra-backend-v2", "grpc-infra-backend-v3"]);
    });
    afterAll(() => s?.close());
    for (const c of suite.cases) test(c.name, () => expectCase(s, c));
  });
}

describe("shipped routes/ through the worker", () => {
  const dir = join(import.meta.dirname, "../../routes");
  const yaml = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n---\n");
  let s: Stage;
  beforeAll(async () => {
    s = await stage(yaml, ["foo-svc", "bar-svc", "bar-svc-canary", "smiley", "smiley2"]);
  });
  afterAll(() => s?.close());
  for (const c of shippedCases) test(c.name, () => expectCase(s, c));

  test("smiley.example.com splits 40 : 50051 through the Service-parented route", async () => {
    const n = 200;
    for (let i = 0; i < n; i++) await grpcWebCall(s.worker.url, "smiley.example.com", "/smiley.v1.Smiley/Get");
    const toSmiley2 = s.origins.get("smiley2")!.calls.length;
    // 40/50091 of 200 calls is 0.16: seeing more than 3 on smiley would be a broken split.
    expect(toSmiley2 + s.origins.get("smiley")!.calls.length).toBe(n);
    expect(toSmiley2).toBeGreaterThanOrEqual(n - 3);
  });
});

describe("GRPCRouteWeight through the worker", () => {
  const yaml = `${suites[0]!.manifests.split("---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute")[0]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: weighted-backends, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs:
    - {name: grpc-infra-backend-v1, port: 8080, weight: 70}
    - {name: grpc-infra-backend-v2, port: 8080, weight: 30}
    - {name: grpc-infra-backend-v3, port: 8080, weight: 0}
`;
  let s: Stage;
  beforeAll(async () => {
    s = await stage(yaml, ["grpc-infra-backend-v1", "grpc-infra-backend-v2", "grpc-infra-backend-v3"]);
  });
  afterAll(() => s?.close());

  test("500 calls land within ±5% of 70/30, none on the weight-0 backend", async () => {
    const n = 500;
    const concurrency = 10;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          await grpcWebCall(s.worker.url, "gw", "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo");
        }
      }),
    );
    const count = (b: string) => s.origins.get(b)!.calls.length;
    expect(count("grpc-infra-backend-v1") + count("grpc-infra-backend-v2")).toBe(n);
    expect(Math.abs(count("grpc-infra-backend-v1") / n - 0.7)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(count("grpc-infra-backend-v2") / n - 0.3)).toBeLessThanOrEqual(0.05);
    expect(count("grpc-infra-backend-v3")).toBe(0);
  });
});

/**
 * What the routing cases (test/cases/workerd.test.ts) cannot say as one call and one
 * answer, through the worker in workerd with real origins: the weighted splits.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { weightManifests, weightPath, weightShares } from "../cases/routing.cases.ts";
import { grpcWebCall } from "../support/raw-http.ts";
import { stage, type Stage } from "../harness/stage.ts";
import { shippedRoutesYaml } from "../fixtures/manifests.ts";

describe("shipped routes/ through the worker", () => {
  const yaml = shippedRoutesYaml();
  let s: Stage;
  beforeAll(async () => {
    s = await stage(yaml, ["foo-svc", "bar-svc", "bar-svc-canary", "smiley", "smiley2"]);
  });
  afterAll(() => s?.close());

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
  let s: Stage;
  beforeAll(async () => {
    s = await stage(weightManifests, Object.keys(weightShares));
  });
  afterAll(() => s?.close());

  // ±5% on 500 draws is 2.4 standard deviations for a 70/30 split: a correct router misses
  // it about once in 70 batches, which is why the conformance harness retries the check
  // (up to 10 times). Up to 3 batches here; the weight-0 backend must get nothing in any.
  test("500 calls land within ±5% of 70/30, none on the weight-0 backend", async () => {
    const n = 500;
    const concurrency = 10;
    const count = (b: string) => s.origins.get(b)!.calls.length;
    let within = false;
    for (let batch = 0; batch < 3 && !within; batch++) {
      const before = new Map([...s.origins.keys()].map((b) => [b, count(b)]));
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) {
            next++;
            await grpcWebCall(s.worker.url, "gw", weightPath);
          }
        }),
      );
      const got = (b: string) => count(b) - before.get(b)!;
      expect([...s.origins.keys()].reduce((sum, b) => sum + got(b), 0)).toBe(n);
      within = Object.entries(weightShares).every(([backend, share]) => (share === 0 ? true : Math.abs(got(backend) / n - share) <= 0.05));
      for (const [backend, share] of Object.entries(weightShares)) if (share === 0) expect(got(backend)).toBe(0);
    }
    expect(within, "three batches of 500 missed 70/30 ± 5%").toBe(true);
  });
});

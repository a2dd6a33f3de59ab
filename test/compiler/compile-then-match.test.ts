/**
 * What the routing cases (test/cases/) cannot say as one request and one answer: weighted
 * draws, the diagnostics of the shipped routes, and a byte-identical table, in memory and
 * through the serialized table.
 */
import { describe, expect, it } from "vitest";
import { parseTable, serializeTable } from "../../src/table/codec.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { prng } from "../support/prng.ts";
import { conformanceSuites, shippedSuite, weightManifests, weightPath, weightShares } from "../cases/routing.cases.ts";
import { compileFiles, outcome, route } from "../cases/table.ts";

const ways: [string, (t: RouteTable) => RouteTable][] = [
  ["in memory", (t) => t],
  ["serialized", (t) => parseTable(serializeTable(t))],
];

for (const [way, load] of ways) {
  describe(`compile then match (${way})`, () => {
    describe("shipped routes/", () => {
      const result = compileFiles(shippedSuite.files);
      const table = load(result.table);

      it("smiley.example.com goes through smiley-a-b with its odd weights honoured", () => {
        const c = { host: "smiley.example.com", path: "/smiley.v1.Smiley/Get" };
        // Draws below 40/50091 land on smiley, the rest on smiley2.
        expect(outcome(route(table, c, () => 39.5 / 50091))).toBe("smiley");
        expect(route(table, c, () => 39.5 / 50091)).toMatchObject({ backend: { name: "smiley", port: 50051 } });
        expect(route(table, c, () => 0.999)).toMatchObject({ backend: { name: "smiley2", port: 80 } });
        expect(outcome(route(table, c, () => 40.5 / 50091))).toBe("smiley2");
        expect(outcome(route(table, c, () => 0.999))).toBe("smiley2");
      });

      it("the in-cluster name of smiley reaches its Service-parented route", () => {
        const c = { host: "smiley.default.svc.cluster.local:50051", path: "/smiley.v1.Smiley/Get" };
        expect(outcome(route(table, c, () => 0.9))).toBe("smiley2");
      });

      it("reports no errors or warnings and accepts every route", () => {
        expect(result.diagnostics).toEqual([]);
        for (const s of result.statuses) {
          for (const p of s.parents)
            expect(p.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(["Accepted=True", "ResolvedRefs=True"]);
        }
      });
    });
  });
}

describe("GRPCRouteWeight", () => {
  // Seeded, so the conformance tolerance (2.4 standard deviations on 500 draws) cannot
  // flake here; the worker suite draws with crypto.getRandomValues.
  it("500 draws land within ±5% of 70/30 and never on the weight-0 backend", () => {
    const table = compileFiles([{ file: "weight.yaml", text: weightManifests }]).table;
    const counts: Record<string, number> = {};
    const random = prng(70_30);
    for (let i = 0; i < 500; i++) {
      const name = outcome(route(table, { host: "gw", path: weightPath }, random));
      counts[name] = (counts[name] ?? 0) + 1;
    }
    for (const [backend, share] of Object.entries(weightShares)) {
      if (share === 0) expect(counts[backend]).toBeUndefined();
      else expect(Math.abs((counts[backend] ?? 0) / 500 - share)).toBeLessThanOrEqual(0.05);
    }
  });
});

describe("determinism", () => {
  it("the same input gives a byte-identical table", () => {
    const text = conformanceSuites.flatMap((s) => s.files.map((f) => f.text)).join("\n---\n");
    const a = serializeTable(compileFiles([{ file: "all.yaml", text }]).table);
    const b = serializeTable(compileFiles([{ file: "all.yaml", text }]).table);
    expect(a).toBe(b);
  });
});

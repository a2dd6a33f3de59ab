import { describe, expect, it } from "vitest";
import { compile, loadSources, type GRPCRouteDoc, type Resource } from "../../src/compiler/index.ts";
import { parseTable, serializeTable } from "../../src/table/codec.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { createMatcher } from "../../src/runtime/matcher.ts";
import type { Decision } from "../../src/runtime/types.ts";
import { prng } from "../../bench/generate.ts";
import { createLinearMatcher } from "../reference/linear-matcher.ts";
import { shippedRouteFiles } from "../fixtures/manifests.ts";
import { shippedCases, suites, weightManifests, weightPath, weightShares, type RoutingCase } from "../cases/routing.cases.ts";

function compileYaml(files: { file: string; text: string }[]) {
  const loaded = loadSources(files);
  const result = compile(loaded.resources);
  const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
  expect(errors).toEqual([]);
  return result;
}

function outcome(d: Decision): string {
  if (d.kind === "reject") return d.code.toUpperCase();
  return d.backend.name;
}

function route(table: RouteTable, c: RoutingCase, random = () => 0.5): Decision {
  const headers = c.headers ?? {};
  return createMatcher(table).route({ host: c.host, path: c.path, header: (n) => headers[n] ?? null }, random);
}

const ways: [string, (t: RouteTable) => RouteTable][] = [
  ["in memory", (t) => t],
  ["serialized", (t) => parseTable(serializeTable(t))],
];

for (const [way, load] of ways) {
  describe(`compile then match (${way})`, () => {
    for (const suite of suites) {
      describe(suite.name, () => {
        const table = load(compileYaml([{ file: `${suite.name}.yaml`, text: suite.manifests }]).table);
        for (const c of suite.cases) it(c.name, () => expect(outcome(route(table, c))).toBe(c.expect));
      });
    }

    describe("shipped routes/", () => {
      const result = compileYaml(shippedRouteFiles());
      const table = load(result.table);
      for (const c of shippedCases) it(c.name, () => expect(outcome(route(table, c))).toBe(c.expect));

      it("smiley.example.com goes through smiley-a-b with its odd weights honoured", () => {
        const c = { name: "smiley", host: "smiley.example.com", path: "/smiley.v1.Smiley/Get", expect: "" };
        // Draws below 40/50091 land on smiley, the rest on smiley2.
        expect(outcome(route(table, c, () => 39.5 / 50091))).toBe("smiley");
        expect(outcome(route(table, c, () => 40.5 / 50091))).toBe("smiley2");
        expect(outcome(route(table, c, () => 0.999))).toBe("smiley2");
      });

      it("the in-cluster name of smiley reaches its Service-parented route", () => {
        const c = { name: "alias", host: "smiley.default.svc.cluster.local:80", path: "/smiley.v1.Smiley/Get", expect: "" };
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

/**
 * The fourth way: the linear reference (the spec read straight) picks the rule, and the
 * case's expectation is checked against that rule's one backend. The reference matches
 * rules only: a case whose answer needs backend resolution (weights, invalid backends,
 * Service-parent hops) is skipped, with that reason.
 */
describe("linear reference", () => {
  function referenceOutcome(resources: readonly Resource[], c: RoutingCase): string | { skip: string } {
    const hit = createLinearMatcher(resources)({ host: c.host, path: c.path, headers: c.headers ?? {} });
    if (hit === null) return "UNIMPLEMENTED";
    const route = resources.find(
      (r): r is GRPCRouteDoc => r.kind === "GRPCRoute" && `${r.metadata.namespace}/${r.metadata.name}` === hit.route,
    );
    const refs = route?.spec.rules[hit.rule]?.backendRefs ?? [];
    if (refs.length === 0) return "UNIMPLEMENTED";
    const live = refs.filter((b) => b.weight > 0);
    if (live.length !== 1) return { skip: "a weighted pick: the reference does not draw backends" };
    if (route?.spec.parentRefs.some((p) => p.kind === "Service"))
      return { skip: "a Service-parent hop: the reference does not follow them" };
    return live[0]!.name;
  }

  const ran = { checked: 0, skipped: [] as string[] };
  const run = (label: string, resources: readonly Resource[], cases: readonly RoutingCase[]) => {
    describe(label, () => {
      for (const c of cases) {
        it(c.name, () => {
          const got = referenceOutcome(resources, c);
          if (typeof got !== "string") {
            ran.skipped.push(`${label} / ${c.name}: ${got.skip}`);
            return;
          }
          // An answer only backend resolution gives (UNAVAILABLE for an invalid backend) is a skip too.
          if (c.expect === "UNAVAILABLE") {
            ran.skipped.push(`${label} / ${c.name}: UNAVAILABLE comes from backend resolution`);
            return;
          }
          ran.checked++;
          expect(got).toBe(c.expect);
        });
      }
    });
  };
  for (const suite of suites) run(suite.name, loadSources([{ file: `${suite.name}.yaml`, text: suite.manifests }]).resources, suite.cases);
  run("shipped routes/", loadSources(shippedRouteFiles()).resources, shippedCases);

  it("checks most cases, and says why it skips the others", () => {
    // The skip list is printed so a reader sees what this way does not cover.
    console.log(`linear reference: ${ran.checked} cases checked, ${ran.skipped.length} skipped:\n  ${ran.skipped.join("\n  ")}`);
    expect(ran.checked).toBeGreaterThan(ran.skipped.length);
  });
});

describe("GRPCRouteWeight", () => {
  // Seeded, so the conformance tolerance (2.4 standard deviations on 500 draws) cannot
  // flake here; the worker suite draws with crypto.getRandomValues.
  it("500 draws land within ±5% of 70/30 and never on the weight-0 backend", () => {
    const table = compileYaml([{ file: "weight.yaml", text: weightManifests }]).table;
    const counts: Record<string, number> = {};
    const random = prng(70_30);
    for (let i = 0; i < 500; i++) {
      const name = outcome(route(table, { name: "", host: "gw", path: weightPath, expect: "" }, random));
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
    const text = suites.map((s) => s.manifests).join("\n---\n");
    const a = serializeTable(compileYaml([{ file: "all.yaml", text }]).table);
    const b = serializeTable(compileYaml([{ file: "all.yaml", text }]).table);
    expect(a).toBe(b);
  });
});

/**
 * Property: for random valid route sets, the compiled table (in memory and after a
 * serialize/parse round trip) picks the same {route, rule} as the obviously-correct
 * linear reference, for every request, or both find nothing.
 *
 * `npm test`: 300 sets × 200 requests. `SOAK=1`: 5,000 sets × 500 requests, and
 * `SEED_BASE=n` shifts the seeds so repeated soaks explore new sets.
 * A failure prints the seed, the YAML and the request; `SEED=n` replays one set.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { formatDiagnostic } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { createMatcher, type Matcher } from "../../src/runtime/matcher.ts";
import { parseTable, serializeTable } from "../../src/table/codec.ts";
import { createLinearMatcher } from "../reference/linear-matcher.ts";
import { randomRouteSet, type RandomRequest } from "./random-routes.ts";

const SOAK = process.env.SOAK === "1";
const SETS = SOAK ? 5000 : 300;
const REQUESTS = SOAK ? 500 : 200;
const SEED_BASE = Number(process.env.SEED_BASE ?? "1");
const ONLY = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const seeds = ONLY !== undefined ? [ONLY] : Array.from({ length: SETS }, (_, i) => SEED_BASE + i);

function header(headers: Record<string, string>): (name: string) => string | null {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower.get(name) ?? null;
}

function compiledAnswer(m: Matcher, req: RandomRequest): string {
  const r = m.match({ host: req.host, path: req.path, header: header(req.headers) });
  if (r.rule < 0) return "no match";
  const rule = m.table.rules[r.rule]!;
  const ref = m.table.routes[rule.route]!;
  return `${ref.namespace}/${ref.name} rule ${rule.index}`;
}

function report(seed: number, yaml: string, req: RandomRequest, what: string, want: string, got: string): string {
  return [
    `seed ${seed} (replay: SEED=${seed} npx vitest run test/property/table-vs-reference.test.ts)`,
    `request: ${JSON.stringify(req)}`,
    `reference: ${want}`,
    `${what}: ${got}`,
    "--- YAML ---",
    yaml,
  ].join("\n");
}

describe(`compiled table agrees with the linear reference (${seeds.length} sets × ${REQUESTS} requests)`, () => {
  it(
    "every generated set compiles without errors, and both tables answer like the reference",
    () => {
      let compared = 0;
      let matched = 0;
      for (const seed of seeds) {
        const set = randomRouteSet(seed, REQUESTS);
        const loaded = loadSources([{ file: `seed-${seed}.yaml`, text: set.yaml }]);
        const result = compile(loaded.resources);
        const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
        if (errors.length > 0) {
          expect.fail(`seed ${seed}: generated set has errors:\n${errors.map(formatDiagnostic).join("\n")}\n--- YAML ---\n${set.yaml}`);
        }
        const reference = createLinearMatcher(loaded.resources);
        const inMemory = createMatcher(result.table);
        const roundTrip = createMatcher(parseTable(serializeTable(result.table)));
        for (const req of set.requests) {
          const r = reference(req);
          const want = r === null ? "no match" : `${r.route} rule ${r.rule}`;
          const a = compiledAnswer(inMemory, req);
          if (a !== want) expect.fail(report(seed, set.yaml, req, "compiled table", want, a));
          const b = compiledAnswer(roundTrip, req);
          if (b !== want) expect.fail(report(seed, set.yaml, req, "parseTable(serializeTable(table))", want, b));
          compared++;
          if (r !== null) matched++;
        }
      }
      expect(compared).toBe(seeds.length * REQUESTS);
      // The generator is useless if (almost) nothing matches, or everything does.
      if (ONLY === undefined) {
        expect(matched / compared).toBeGreaterThan(0.15);
        expect(matched / compared).toBeLessThan(0.95);
      }
    },
    SOAK ? 600_000 : 30_000,
  );
});

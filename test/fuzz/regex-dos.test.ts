/**
 * Catastrophic backtracking cannot slow matching down.
 *
 * Routes whose method and header matches are patterns that explode in backtracking
 * engines (`(a+)+$` and friends take O(2^n) steps in one on `"a".repeat(n) + "!"`) are
 * compiled and matched through the real pipeline against adversarial inputs: methods of
 * up to 4,000 characters and header values of 8 KiB.
 *
 * This is not a benchmark, and it has no fragile timing assertion. The bound checked is
 * absurdly generous (2 s for everything), because the gap it separates is astronomical:
 * a backtracking engine needs ~2^4000 steps for ONE of these requests, longer than the
 * age of the universe on any machine, while RE2 (re2js) is linear in the input. So the
 * test fails only if matching stops being linear, never because CI is slow. To show the
 * patterns really are dangerous, the same pattern is run in a JS RegExp (backtracking)
 * on inputs growing one character at a time until it takes far longer than the compiled
 * matcher takes at n = 4,000, which happens around n = 20–30 and costs at most ~a second.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { createMatcher, type Matcher } from "../../src/runtime/matcher.ts";
import { parseTable, serializeTable } from "../../src/table/codec.ts";

const PATTERNS = ["(a+)+$", "(a|aa)+$", "(a|a?)+$", "([a-z]+)*\\d", "(.*a){12}"];
const q = (s: string): string => JSON.stringify(s);

const rules = PATTERNS.flatMap((p, i) => [
  // A method regex (service exact-ish by regex, so it lands in the regex list).
  `  - matches: [{method: {type: RegularExpression, service: "pkg\\\\.Svc", method: ${q(p)}}}]
    backendRefs: [{name: m${i}, port: 80}]`,
  // A header regex on its own header name.
  `  - matches: [{headers: [{type: RegularExpression, name: x-p${i}, value: ${q(p)}}]}]
    backendRefs: [{name: h${i}, port: 80}]`,
]);

const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: evil}
spec:
  parentRefs: [{name: gw}]
  rules:
${rules.join("\n")}
${PATTERNS.flatMap((_, i) => [`m${i}`, `h${i}`])
  .map(
    (n) =>
      `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${n}}\nspec: {type: ExternalName, externalName: ${n}.origin.test, ports: [{port: 80}]}`,
  )
  .join("\n")}
`;

function compileMatchers(): Matcher[] {
  const loaded = loadSources([{ file: "evil.yaml", text: yaml }]);
  const result = compile(loaded.resources);
  const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
  expect(errors).toEqual([]);
  return [createMatcher(result.table), createMatcher(parseTable(serializeTable(result.table)))];
}

/** Backend name the request goes to, or "none". */
function answer(m: Matcher, method: string, headers: Record<string, string> = {}): string {
  const d = m.route({ host: "h", path: `/pkg.Svc/${method}`, header: (n) => headers[n] ?? null }, () => 0.5);
  return d.kind === "forward" ? d.backend.name : "none";
}

/**
 * Every adversarial request: each pattern's method and header, every size. A method is an
 * identifier of at most 1024 characters (longer paths are refused before any regex runs),
 * so its poison is a final `_`; header values may be anything up to 8 KiB.
 */
function adversarial(m: Matcher, n: number): void {
  const evilMethod = `${"a".repeat(Math.min(n, 1023))}_`;
  const headers = Object.fromEntries(PATTERNS.map((_, i) => [`x-p${i}`, `${"a".repeat(n)}!`]));
  // The method fails every method regex and every header regex is tried too.
  expect(answer(m, evilMethod, headers)).toBe("none");
}

describe("regexes run in linear time (RE2), so no request can make matching backtrack", () => {
  const matchers = compileMatchers();

  it("the patterns are really evaluated: benign inputs still match", () => {
    for (const m of matchers) {
      // More method characters win: (a|aa)+$ (8, before (a|a?)+$ in rule order) over (a+)+$ (6).
      expect(answer(m, "aaaa")).toBe("m1");
      expect(answer(m, "a".repeat(12))).toBe("m4"); // (.*a){12}: 9 characters
      expect(answer(m, "abc1")).toBe("m3"); // ([a-z]+)*\d: 11 characters
      expect(answer(m, "x_", { "x-p1": "aaaaa" })).toBe("h1");
      expect(answer(m, "x_", { "x-p4": "a".repeat(12) })).toBe("h4");
      expect(answer(m, "x_", { "x-p4": "a".repeat(11) })).toBe("none");
      expect(answer(m, "x_", { "x-p0": "a".repeat(8192) })).toBe("h0");
    }
  });

  it("adversarial methods up to the 1,024-char limit and header values of 8 KiB finish within a generous bound", () => {
    const times: Record<number, number> = {};
    const start = performance.now();
    for (const m of matchers) {
      for (const n of [250, 500, 1000, 2000, 4000, 8192]) {
        const t0 = performance.now();
        adversarial(m, n);
        times[n] = (times[n] ?? 0) + performance.now() - t0;
      }
    }
    const total = performance.now() - start;
    // Not a benchmark (see the file comment): 2 s against a backtracking engine's ~2^4000 steps.
    expect(total).toBeLessThan(2000);
    if (process.env.VERBOSE === "1") console.log("ms per size (both matchers)", times);
  });

  it("the same patterns really do backtrack in a JS RegExp", () => {
    const [m] = matchers;
    // The compiled matcher on n = 4,000 (all ten regexes, method and headers), best of 3.
    let compiled = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      adversarial(m!, 4000);
      compiled = Math.min(compiled, performance.now() - t0);
    }
    // Anchored like the matcher anchors (the whole value must match).
    for (const source of ["(a+)+$", "(a|a?)+$", "([a-z]+)*\\d"]) {
      const js = new RegExp(`^(?:${source})$`);
      let reached: number | undefined;
      for (let n = 12; n <= 34; n++) {
        const input = `${"a".repeat(n)}!`;
        const t0 = performance.now();
        expect(js.test(input)).toBe(false);
        const took = performance.now() - t0;
        // Doubling per character: stop as soon as it is far slower than the linear engine at n=4000.
        if (took > Math.max(20 * compiled, 50)) {
          reached = n;
          break;
        }
      }
      expect(reached, `JS RegExp ${source} never got slower than RE2 on n=4000 (${compiled.toFixed(2)} ms) up to n=34`).toBeDefined();
      if (process.env.VERBOSE === "1") console.log(`JS ${source}: n=${reached} is slower than RE2 at n=4000 (${compiled.toFixed(2)} ms)`);
    }
  });
});

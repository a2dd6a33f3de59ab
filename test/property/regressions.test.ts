/**
 * Regressions found by the fuzzer and the table-vs-reference property test, one case
 * each, minimised, in the style of test/compiler/semantics.test.ts.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { createMatcher } from "../../src/runtime/matcher.ts";
import { parseTable, serializeTable } from "../../src/table/codec.ts";
import { BASE, compileYaml, route } from "../compiler/harness.ts";
import { createLinearMatcher } from "../reference/linear-matcher.ts";

describe("diagnostic positions (found by test/fuzz/manifest-fuzz.test.ts)", () => {
  it("stay on the right line after a malformed token spanning a doubled CR line ending (\\r\\r\\n)", () => {
    // The yaml parser's own LineCounter does not count the newline inside the error
    // token `"\r\r\n    b"`, so every later position was one line too high (and past the
    // end of that shorter line). Positions now come from the text's own newlines.
    const text = [
      "---\r\r",
      "# c\r\r",
      "  a:\r\r",
      "    b: 1\r\r",
      "---",
      "kind: GRPCRoute",
      "apiVersion: gateway.networking.k8s.io/v1",
      "metadata: {name: r}",
      "spec: {rules: 3}",
      "",
    ].join("\n");
    const lines = text.split("\n");
    const diags = loadSources([{ file: "crcr.yaml", text }]).diagnostics;
    expect(diags.length).toBeGreaterThan(1);
    for (const d of diags) {
      expect(d.pos.line).toBeGreaterThanOrEqual(1);
      expect(d.pos.line).toBeLessThanOrEqual(lines.length);
      expect(d.pos.col).toBeGreaterThanOrEqual(1);
      expect(d.pos.col).toBeLessThanOrEqual(lines[d.pos.line - 1]!.length + 1);
    }
    // The second `:` of the broken document is on line 4, column 6.
    expect(diags.some((d) => d.pos.line === 4 && d.pos.col === 6 && d.message.includes('":"'))).toBe(true);
    // The second document's error points at `3` on line 9.
    const rules = diags.find((d) => d.path === "spec.rules");
    expect(rules?.pos).toEqual({ file: "crcr.yaml", line: 9, col: lines[8]!.indexOf("3") + 1 });
  });
});

describe("Object.prototype names as services and methods (found by the fuzzer)", () => {
  // `toString`, `constructor`, `__proto__` and `valueOf` pass the Exact service and method
  // patterns. The compiler's scope lookups were plain objects, so `scope.service["toString"]`
  // found Object.prototype.toString and compile() threw "... is not iterable"
  // (`__proto__` could not even be assigned). They are null-prototype objects now.
  const spec = `  rules:
  - matches: [{method: {service: toString, method: M}}]
    backendRefs: [{name: a, port: 80}]
  - matches: [{method: {service: constructor}}]
    backendRefs: [{name: b, port: 80}]
  - matches: [{method: {method: __proto__}}]
    backendRefs: [{name: c, port: 80}]
  - matches: [{method: {service: __proto__, method: valueOf}}, {method: {service: hasOwnProperty}}]
    backendRefs: [{name: d, port: 80}]
  - matches: [{method: {service: a.S, method: toString}}]
    backendRefs: [{name: e, port: 80}]`;
  const text = BASE + route("proto", spec);

  it("compiles and routes them like any other name", () => {
    const c = compileYaml(text);
    expect(c.all.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.outcome("h", "/toString/M")).toBe("a");
    expect(c.outcome("h", "/toString/N")).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/constructor/M")).toBe("b");
    expect(c.outcome("h", "/x.Y/__proto__")).toBe("c");
    expect(c.outcome("h", "/__proto__/valueOf")).toBe("d");
    expect(c.outcome("h", "/hasOwnProperty/anything")).toBe("d");
    expect(c.outcome("h", "/a.S/toString")).toBe("e");
    expect(c.outcome("h", "/a.S/constructor")).toBe("UNIMPLEMENTED");
    expect(c.outcome("h", "/valueOf/toString")).toBe("UNIMPLEMENTED");
  });

  it("the serialized table agrees with the reference on them", () => {
    const loaded = loadSources([{ file: "proto.yaml", text }]);
    const table = parseTable(serializeTable(compile(loaded.resources).table));
    const m = createMatcher(table);
    const reference = createLinearMatcher(loaded.resources);
    for (const path of [
      "/toString/M",
      "/constructor/M",
      "/x.Y/__proto__",
      "/__proto__/valueOf",
      "/hasOwnProperty/x",
      "/a.S/toString",
      "/__proto__/M",
    ]) {
      const r = m.match({ host: "h", path, header: () => null });
      const got = r.rule < 0 ? null : { route: "default/proto", rule: table.rules[r.rule]!.index };
      expect(got, path).toEqual(reference({ host: "h", path, headers: {} }));
    }
  });
});

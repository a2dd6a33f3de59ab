import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { literalPrefix } from "./regex-prefix.ts";

describe("literalPrefix", () => {
  it.each([
    ["pkg\\.v1\\.Rx3", "pkg.v1.Rx3"],
    ["pkg0.v1\\.Rx3", "pkg0"],
    ["Get.*", "Get"],
    ["Gets*", "Get"],
    ["Gets?x", "Get"],
    ["Ab{0,2}", "A"],
    ["Ab+", "Ab"],
    ["abc|abd", ""],
    ["(?i)abc", ""],
    ["[a-z]+", ""],
    ["\\d+abc", ""],
    ["\\Qa.b\\E", ""],
    ["foo\\-bar\\/x", "foo-bar/x"],
    ["", ""],
  ])("%s → %s", (source, want) => expect(literalPrefix(source)).toBe(want));

  it("is a prefix of every input the regex matches", () => {
    const cases: [string, string[]][] = [
      ["Get.*", ["Get", "GetThing"]],
      ["Ab+c", ["Abc", "Abbbc"]],
      ["x\\.y", ["x.y"]],
      ["ab?c", ["ac", "abc"]],
      ["a(?i)bc", ["aBC"]],
    ];
    for (const [source, inputs] of cases) {
      const re = RE2JS.compile(source);
      for (const input of inputs) {
        expect(re.matches(input)).toBe(true);
        expect(input.startsWith(literalPrefix(source))).toBe(true);
      }
    }
  });
});

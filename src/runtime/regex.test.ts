import { describe, expect, it, vi } from "vitest";
import { bounded, compileRegexes, MAX_REGEX_INPUT } from "./regex.ts";

describe("regexes run only on input within MAX_REGEX_INPUT", () => {
  it("an over-long input never reaches the regex, so its cost does not depend on the regex", () => {
    const test = vi.fn((s: string) => s.startsWith("a"));
    const re = bounded(test);
    expect(re("a".repeat(MAX_REGEX_INPUT + 1))).toBeUndefined();
    expect(re("a".repeat(10 * MAX_REGEX_INPUT))).toBeUndefined();
    expect(test).not.toHaveBeenCalled();
    expect(re("a".repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(re("b")).toBe(false);
    expect(test).toHaveBeenCalledTimes(2);
  });

  it("the table's compiled regexes keep that contract", () => {
    const [any] = compileRegexes(["a*"]);
    expect(MAX_REGEX_INPUT).toBe(8192);
    expect(any!("a".repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(any!("a".repeat(MAX_REGEX_INPUT + 1))).toBeUndefined();
    expect(any!("b")).toBe(false);
  });
});

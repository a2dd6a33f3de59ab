import { describe, expect, test } from "vitest";
import { MAX_RE2_PROGRAM, re2Problem, re2SyntaxError } from "./regex-re2.ts";

describe("re2SyntaxError", () => {
  test.each([".*", "foo\\.v[0-9]+\\..*", "(?i)login", "[[:alpha:]]+", "(?P<x>a)|b"])("accepts %s", (re) => {
    expect(re2SyntaxError(re)).toBeUndefined();
  });

  test.each([
    ["(a)\\1", "invalid escape sequence"],
    ["(?=a)", "invalid or unsupported Perl syntax"],
    ["(?!a)", "invalid or unsupported Perl syntax"],
    ["(?<=a)b", "invalid named capture"],
    ["a**", "invalid nested repetition operator"],
    ["[z-a]", "invalid character class range"],
    ["(", "missing closing )"],
  ])("rejects %s with re2js's message", (re, msg) => {
    expect(re2SyntaxError(re)).toContain(msg);
  });
});

describe("re2Problem", () => {
  test("a valid pattern whose program exceeds the bound is refused, with the size and a rewrite", () => {
    const p = re2Problem("(a|aa|aaa|aaaa){1000}");
    expect(p?.message).toBe(
      '"(a|aa|aaa|aaaa){1000}" compiles to 12002 RE2 instructions (at most 256): matching costs CPU per header byte ' +
        "in proportion to the program, so one long header could use up a request's CPU time",
    );
    expect(p?.fix).toContain("(a|b)+");
  });

  test.each([".*", "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "a{254}"])(
    "accepts %s",
    (re) => {
      expect(re2Problem(re)).toBeUndefined();
    },
  );

  test("the bound is inclusive", () => {
    expect(MAX_RE2_PROGRAM).toBe(256);
    expect(re2Problem("a{254}")).toBeUndefined();
    expect(re2Problem("a{255}")?.message).toContain("compiles to 257 RE2 instructions");
  });

  test("syntax errors come first", () => {
    expect(re2Problem("(?=a){1000}")?.message).toContain("is not a valid RE2 regular expression");
  });
});

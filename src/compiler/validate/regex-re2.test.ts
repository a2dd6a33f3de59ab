import { describe, expect, test } from "vitest";
import { re2SyntaxError } from "./regex-re2.ts";

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

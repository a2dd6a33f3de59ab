import { describe, expect, it } from "vitest";
import { loadHostIndex, lookupScope, normalizeHost } from "./host.ts";

describe("normalizeHost", () => {
  it.each([
    ["Foo.Example.COM", "foo.example.com"],
    ["foo.example.com:8443", "foo.example.com"],
    ["foo.example.com.", "foo.example.com"],
    ["FOO.example.com.:443", "foo.example.com"],
    ["[::1]:8080", "[::1]"],
    ["", ""],
  ])("%s → %s", (raw, want) => expect(normalizeHost(raw)).toBe(want));
});

describe("lookupScope", () => {
  const index = loadHostIndex({
    exact: { "foo.example.com": 1 },
    wildcard: { "example.com": 2, "deep.example.com": 3 },
    fallback: 9,
  });
  it.each([
    ["foo.example.com", 1],
    ["bar.example.com", 2],
    ["a.b.example.com", 2],
    ["x.deep.example.com", 3],
    ["deep.example.com", 2],
    ["example.com", 9],
    ["constructor", 9],
    ["__proto__", 9],
    ["x.hasOwnProperty", 9],
  ])("%s → scope %i", (host, want) => expect(lookupScope(index, host)).toBe(want));
});

import { describe, expect, it } from "vitest";
import type { Rule } from "../table/types.ts";
import { pickWeighted } from "./pick.ts";

const rule = (weights: number[]): Rule => {
  let sum = 0;
  return {
    route: 0,
    index: 0,
    backends: weights.map((_, i) => i),
    cumulative: weights.map((w) => (sum += w)),
    filters: {},
  };
};

describe("pickWeighted", () => {
  it("honours odd weights exactly at the boundaries", () => {
    const r = rule([40, 50051]);
    expect(pickWeighted(r, () => 39.999 / 50091)).toBe(0);
    expect(pickWeighted(r, () => 40 / 50091)).toBe(1);
    expect(pickWeighted(r, () => 0.999999)).toBe(1);
    expect(pickWeighted(r, () => 0)).toBe(0);
  });
  it("finds the right slot among 16 backends", () => {
    const r = rule(Array.from({ length: 16 }, () => 1));
    for (let i = 0; i < 16; i++) expect(pickWeighted(r, () => (i + 0.5) / 16)).toBe(i);
  });
  it("returns -1 when no backend has weight", () => {
    expect(pickWeighted(rule([]), () => 0.5)).toBe(-1);
  });
});

import { LineCounter, parseDocument } from "yaml";
import { describe, expect, test } from "vitest";
import { sourceView } from "./yaml-position.ts";
import { yaml } from "../validate/test-util.ts";

const text = yaml`
  spec:
    rules:
    - name: a
      matches:
      - method:
          service: "foo..bar"
    empty:
    flow: {a: 1}
`;

function view() {
  const lineCounter = new LineCounter();
  return sourceView("f.yaml", parseDocument(text, { lineCounter }), lineCounter);
}

describe("sourceView", () => {
  test("a scalar value points at the value", () => {
    expect(view().locate(["spec", "rules", 0, "matches", 0, "method", "service"])).toEqual({ file: "f.yaml", line: 6, col: 18 });
  });

  test("a collection points at its key, a list item at its first key", () => {
    expect(view().locate(["spec", "rules"])).toEqual({ file: "f.yaml", line: 2, col: 3 });
    expect(view().locate(["spec", "rules", 0])).toEqual({ file: "f.yaml", line: 3, col: 5 });
  });

  test("a missing field points at the nearest existing parent's key", () => {
    expect(view().locate(["spec", "rules", 0, "backendRefs", 0, "port"])).toEqual({ file: "f.yaml", line: 3, col: 5 });
    expect(view().locate(["spec", "rules", 0, "matches", 0, "method", "method"])).toEqual({ file: "f.yaml", line: 5, col: 7 });
    expect(view().locate(["nothing"])).toEqual({ file: "f.yaml", line: 1, col: 1 });
  });

  test("an empty value points at its key; locateKey points at the key", () => {
    expect(view().locate(["spec", "empty"])).toEqual({ file: "f.yaml", line: 7, col: 3 });
    expect(view().locateKey(["spec", "rules", 0, "name"])).toEqual({ file: "f.yaml", line: 3, col: 5 });
    expect(view().locate(["spec", "rules", 0, "name"])).toEqual({ file: "f.yaml", line: 3, col: 11 });
  });

  test("scalar style and sub-views", () => {
    const v = view();
    expect(v.scalar(["spec", "flow", "a"])).toEqual({ plain: true, source: "1" });
    expect(v.scalar(["spec", "rules", 0, "matches", 0, "method", "service"])).toEqual({ plain: false, source: "foo..bar" });
    expect(v.scalar(["spec", "flow"])).toBeUndefined();
    expect(v.sub(["spec", "rules", 0]).locate(["name"])).toEqual({ file: "f.yaml", line: 3, col: 11 });
  });
});

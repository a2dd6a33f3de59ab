import { describe, expect, test } from "vitest";
import { at, load, one, route, yaml } from "./test-util.ts";

const many = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join("\n");

describe("backendRefs", () => {
  const b = (refs: string): string => route(`  rules:\n  - backendRefs:\n${refs}\n`);

  test("port is required for a core Service and optional for other kinds", () => {
    const text = b("    - name: svc\n    - {name: other, group: example.com, kind: Backend}");
    const diags = load(text).diagnostics;
    const d = one(diags, "spec.rules[0].backendRefs[0].port");
    expect(d.message).toBe("Must have port for Service reference");
    expect(d.pos).toMatchObject(at(text, "name: svc"));
    expect(diags).toHaveLength(1);
  });

  test("port range, port as string, weight range and weight type", () => {
    const text = b(
      yaml`
      - {name: a, port: 70000}
      - {name: b, port: "80"}
      - {name: c, port: 80, weight: 1000001}
      - {name: d, port: 80, weight: 0.5}
      - {name: e, port: 80, kind: "-bad"}
    `.replace(/^/gm, "    "),
    );
    const diags = load(text).diagnostics;
    const p = "spec.rules[0].backendRefs";
    expect(one(diags, `${p}[0].port`).pos).toMatchObject(at(text, "70000"));
    const s = one(diags, `${p}[1].port`);
    expect(s.message).toBe('expected an integer, got string "80"');
    expect(s.fix).toBe("write the number without quotes: 80");
    expect(s.pos).toMatchObject(at(text, '"80"'));
    expect(one(diags, `${p}[2].weight`).message).toBe("1000001 is out of range (must be between 0 and 1000000)");
    expect(one(diags, `${p}[3].weight`).message).toBe("expected an integer, got number 0.5");
    expect(one(diags, `${p}[4].kind`).pos).toMatchObject(at(text, '"-bad"'));
  });

  test("at most 16", () => {
    const text = b(many(17, (i) => `    - {name: s${i}, port: 80}`));
    const d = one(load(text).diagnostics, "spec.rules[0].backendRefs");
    expect(d.message).toBe("has 17 items (at most 16)");
    expect(d.pos.line).toBe(7);
  });
});

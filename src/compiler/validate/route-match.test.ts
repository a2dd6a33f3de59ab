import { describe, expect, test } from "vitest";
import type { GRPCRouteDoc } from "../model.ts";
import { at, errors, load, one, route, yaml } from "./test-util.ts";

const many = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join("\n");

describe("method match", () => {
  const m = (method: string): string => route(`  rules:\n  - matches:\n    - method: ${method}\n`);

  test("method: {} needs a service or a method", () => {
    const text = m("{}");
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method");
    expect(d.message).toBe("One or both of 'service' or 'method' must be specified");
    expect(d.pos).toMatchObject(at(text, "method:"));
  });

  test("an Exact service with characters the CEL rule rejects points at the value", () => {
    const text = m('\n        service: "foo..bar"');
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.service");
    expect(d.message).toBe('"foo..bar" is not a valid service name (must match ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)');
    expect(d.pos).toMatchObject(at(text, '"foo..bar"'));
  });

  test(".* under Exact fails both character rules and suggests RegularExpression", () => {
    const text = m('{service: ".*", method: "*"}');
    const diags = load(text).diagnostics;
    const s = one(diags, "spec.rules[0].matches[0].method.service");
    const me = one(diags, "spec.rules[0].matches[0].method.method");
    expect(s.fix).toBe("use type: RegularExpression for a pattern");
    expect(me.message).toContain("has characters a method name cannot have");
    expect(s.pos).toMatchObject(at(text, '".*"'));
    expect(me.pos).toMatchObject(at(text, '"*"'));
  });

  test("a service/method path in one field", () => {
    const text = m("{service: foo.Bar/Baz}");
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.service");
    expect(d.fix).toContain('without "/"');
    expect(d.pos).toMatchObject(at(text, "foo.Bar/Baz"));
  });

  test("an empty Exact method", () => {
    const text = m('{service: a.B, method: ""}');
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.method");
    expect(d.message).toContain("must not be empty");
    expect(d.pos).toMatchObject(at(text, '""'));
  });

  test("type enum with a did-you-mean", () => {
    const text = m("{type: Regex, service: a.B}");
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.type");
    expect(d.message).toBe('"Regex" is not a supported value (must be one of: Exact, RegularExpression)');
    expect(d.pos).toMatchObject(at(text, "Regex"));
  });

  test("RegularExpression must be valid RE2", () => {
    const text = m('{type: RegularExpression, service: "(?=foo)bar", method: "(a)\\\\1"}');
    const diags = errors(load(text).diagnostics);
    const s = one(diags, "spec.rules[0].matches[0].method.service");
    expect(s.message).toBe(
      '"(?=foo)bar" is not a valid RE2 regular expression: error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    );
    expect(s.pos).toMatchObject(at(text, '"(?=foo)bar"'));
    expect(one(diags, "spec.rules[0].matches[0].method.method").message).toContain("invalid escape sequence: `\\1`");
  });

  test("at most 1024 characters", () => {
    const text = m(`{type: RegularExpression, method: "${"a".repeat(1025)}"}`);
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].method.method");
    expect(d.message).toBe("is 1025 characters long (at most 1024)");
    expect(d.pos.line).toBe(8);
  });
});

describe("header matches", () => {
  const h = (headers: string): string => route(`  rules:\n  - matches:\n    - headers:\n${headers}\n`);

  test("name token pattern, pseudo-headers, value length and type enum", () => {
    const text = h(
      yaml`
      - {name: ":authority", value: a}
      - {name: "x y", value: b}
      - {name: x-empty, value: ""}
      - {name: x-type, value: a, type: Prefix}
      - {name: x-long, value: "${"v".repeat(4097)}"}
      - {name: x-missing}
    `.replace(/^/gm, "      "),
    );
    const diags = load(text).diagnostics;
    const p = "spec.rules[0].matches[0].headers";
    const pseudo = one(diags, `${p}[0].name`);
    expect(pseudo.fix).toContain("pseudo-headers");
    expect(pseudo.pos).toMatchObject(at(text, '":authority"'));
    expect(one(diags, `${p}[1].name`).pos).toMatchObject(at(text, '"x y"'));
    expect(one(diags, `${p}[2].value`).message).toBe("must not be empty");
    expect(one(diags, `${p}[3].type`).pos).toMatchObject(at(text, "Prefix"));
    expect(one(diags, `${p}[4].value`).message).toBe("is 4097 characters long (at most 4096)");
    const missing = one(diags, `${p}[5].value`);
    expect(missing.message).toBe('missing required field "value"');
    expect(missing.pos).toMatchObject(at(text, "{name: x-missing}"));
  });

  test("at most 16", () => {
    const text = h(many(17, (i) => `      - {name: x-${i}, value: v}`));
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].headers");
    expect(d.message).toBe("has 17 items (at most 16)");
    expect(d.pos.line).toBe(8);
  });

  test("byte-identical names are an error (list map key)", () => {
    const text = h("      - {name: x-v, value: a}\n      - {name: x-v, value: b}");
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].headers[1].name");
    expect(d.severity).toBe("error");
    expect(d.pos.line).toBe(10);
  });

  test("names equal ignoring case: the first wins, the later one is a warning and dropped", () => {
    const text = h("      - {name: X-V, value: a}\n      - {name: x-v, value: b}");
    const r = load(text);
    const d = one(r.diagnostics, "spec.rules[0].matches[0].headers[1].name");
    expect(d.severity).toBe("warning");
    expect(d.message).toContain("only the first");
    expect(d.pos).toMatchObject(at(text, "x-v"));
    const doc = r.resources[0] as GRPCRouteDoc;
    expect(doc.spec.rules[0]?.matches[0]?.headers).toEqual([{ type: "Exact", name: "X-V", value: "a" }]);
  });

  test("RegularExpression values must be valid RE2", () => {
    const text = h('      - {name: x, type: RegularExpression, value: "(?<!a)b"}');
    const d = one(load(text).diagnostics, "spec.rules[0].matches[0].headers[0].value");
    expect(d.message).toContain("is not a valid RE2 regular expression");
    expect(d.pos).toMatchObject(at(text, '"(?<!a)b"'));
  });

  test("a RegularExpression too large to run on a long header is an error at its value", () => {
    const text = h('      - {name: x, type: RegularExpression, value: "(a|aa|aaa|aaaa){1000}"}');
    const d = one(errors(load(text).diagnostics), "spec.rules[0].matches[0].headers[0].value");
    expect(d.message).toContain("compiles to 12002 RE2 instructions (at most 256)");
    expect(d.message).toContain("CPU per header byte");
    expect(d.fix).toContain("(a|b)+");
    expect(d.pos).toMatchObject(at(text, '"(a|aa|aaa|aaaa){1000}"'));
  });

  test("unquoted yes is a warning to quote it", () => {
    const text = h("      - name: x-debug\n        value: yes");
    const r = load(text);
    const d = one(r.diagnostics, "spec.rules[0].matches[0].headers[0].value");
    expect(d.severity).toBe("warning");
    expect(d.fix).toBe('quote the value: "yes"');
    expect(d.pos).toMatchObject(at(text, "yes"));
    expect(r.resources).toHaveLength(1);
  });

  test("an unquoted number or boolean where a string is expected is an error with the source text", () => {
    const text = h("      - {name: x-a, value: 1.0}\n      - {name: x-b, value: true}");
    const diags = load(text).diagnostics;
    const n = one(diags, "spec.rules[0].matches[0].headers[0].value");
    expect(n.message).toBe("expected a string, got number 1");
    expect(n.fix).toBe('quote the value: "1.0"');
    expect(n.pos).toMatchObject(at(text, "1.0"));
    expect(one(diags, "spec.rules[0].matches[0].headers[1].value").fix).toBe('quote the value: "true"');
  });
});

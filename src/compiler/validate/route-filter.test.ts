import { describe, expect, test } from "vitest";
import type { GRPCRouteDoc } from "../model.ts";
import { at, errors, load, one, route } from "./test-util.ts";

/** A route whose first rule has `filters` (lines: `filters:` is line 7, the first item line 8). */
const f = (filters: string): string => route(`  rules:\n  - filters:\n${filters}\n`);
const P = "spec.rules[0].filters";
const many = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join("\n");

describe("union CEL rules", () => {
  test("type RequestHeaderModifier with a requestMirror body gives both verbatim messages", () => {
    const text = f("    - type: RequestHeaderModifier\n      requestMirror:\n        backendRef: {name: a, port: 1}");
    const diags = errors(load(text).diagnostics);
    const missing = one(diags, `${P}[0].requestHeaderModifier`);
    expect(missing.message).toBe("filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type");
    expect(missing.pos).toMatchObject(at(text, "type: RequestHeaderModifier"));
    const extra = one(diags, `${P}[0].requestMirror`);
    expect(extra.message).toBe("filter.requestMirror must be nil if the filter.type is not RequestMirror");
    expect(extra.pos).toMatchObject(at(text, "requestMirror:"));
  });

  test.each([
    ["ResponseHeaderModifier", "responseHeaderModifier"],
    ["RequestMirror", "requestMirror"],
    ["ExtensionRef", "extensionRef"],
  ])("type %s without its body", (type, body) => {
    const text = f(`    - type: ${type}`);
    const d = one(load(text).diagnostics, `${P}[0].${body}`);
    expect(d.message).toBe(`filter.${body} must be specified for ${type} filter.type`);
    expect(d.pos.line).toBe(8);
  });

  test("extensionRef body on a header modifier", () => {
    const text = f(
      "    - type: ResponseHeaderModifier\n      responseHeaderModifier: {set: [{name: a, value: b}]}\n      extensionRef: {group: '', kind: K, name: n}",
    );
    const d = one(load(text).diagnostics, `${P}[0].extensionRef`);
    expect(d.message).toBe("filter.extensionRef must be nil if the filter.type is not ExtensionRef");
    expect(d.pos.line).toBe(10);
  });

  test("type is required and an enum; HTTPRoute-only filters say so", () => {
    const text = f("    - requestRedirect: {}\n    - type: URLRewrite");
    const diags = load(text).diagnostics;
    expect(one(diags, `${P}[0].type`).message).toBe('missing required field "type"');
    expect(one(diags, `${P}[0].requestRedirect`).fix).toContain("HTTPRoute only");
    const t = one(diags, `${P}[1].type`);
    expect(t.message).toContain('"URLRewrite" is not a supported value');
    expect(t.pos).toMatchObject(at(text, "URLRewrite"));
  });
});

describe("repetition and limits", () => {
  test("each header modifier at most once per rule", () => {
    const mod = (t: string, b: string): string => `    - type: ${t}\n      ${b}: {remove: [x-${t.length}${b.length}]}`;
    const text = f(
      [
        mod("RequestHeaderModifier", "requestHeaderModifier"),
        mod("RequestHeaderModifier", "requestHeaderModifier").replace("x-", "y-"),
        mod("ResponseHeaderModifier", "responseHeaderModifier"),
        mod("ResponseHeaderModifier", "responseHeaderModifier").replace("x-", "y-"),
      ].join("\n"),
    );
    const diags = load(text).diagnostics;
    const req = one(diags, `${P}[1].type`);
    expect(req.message).toBe("RequestHeaderModifier filter cannot be repeated (first at filters[0])");
    expect(req.pos.line).toBe(10);
    expect(one(diags, `${P}[3].type`).message).toBe("ResponseHeaderModifier filter cannot be repeated (first at filters[2])");
  });

  test("the same rule applies per backendRef", () => {
    const text = route(
      "  rules:\n  - backendRefs:\n    - name: a\n      port: 80\n      filters:\n" +
        "      - {type: RequestHeaderModifier, requestHeaderModifier: {remove: [a]}}\n" +
        "      - {type: RequestHeaderModifier, requestHeaderModifier: {remove: [b]}}\n",
    );
    const d = one(load(text).diagnostics, "spec.rules[0].backendRefs[0].filters[1].type");
    expect(d.message).toContain("RequestHeaderModifier filter cannot be repeated");
    expect(d.pos.line).toBe(12);
  });

  test("at most 16 filters", () => {
    const text = f(many(17, () => "    - {type: RequestMirror, requestMirror: {backendRef: {name: m, port: 1}}}"));
    const d = one(load(text).diagnostics, P);
    expect(d.message).toBe("has 17 items (at most 16)");
    expect(d.pos.line).toBe(7);
  });
});

describe("header modifiers", () => {
  const hm = (body: string): string => f(`    - type: RequestHeaderModifier\n      requestHeaderModifier:\n${body}`);
  const H = `${P}[0].requestHeaderModifier`;

  test("set/add/remove at most 16 each", () => {
    const text = hm(
      `        set:\n${many(17, (i) => `        - {name: s${i}, value: v}`)}\n        remove:\n${many(17, (i) => `        - r${i}`)}`,
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${H}.set`).pos.line).toBe(10);
    expect(one(diags, `${H}.remove`).pos.line).toBe(28);
  });

  test("names are tokens and values 1-4096 characters", () => {
    const text = hm(
      `        add:\n        - {name: "bad name", value: v}\n        - {name: x-empty, value: ""}\n        - {name: x-long, value: "${"v".repeat(4097)}"}`,
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${H}.add[0].name`).pos).toMatchObject(at(text, '"bad name"'));
    expect(one(diags, `${H}.add[1].value`).message).toBe("must not be empty");
    expect(one(diags, `${H}.add[2].value`).message).toBe("is 4097 characters long (at most 4096)");
  });

  test("one action per header name, compared case-insensitively across set, add and remove", () => {
    const text = hm("        set: [{name: X-Trace, value: a}]\n        add: [{name: x-trace, value: b}]\n        remove: [X-TRACE]");
    const diags = errors(load(text).diagnostics);
    const add = one(diags, `${H}.add[0].name`);
    expect(add.message).toBe('header "x-trace" already has an action at set[0]: Only one action for a given header name is permitted');
    expect(add.pos).toMatchObject(at(text, "x-trace"));
    expect(one(diags, `${H}.remove[0]`).pos).toMatchObject(at(text, "X-TRACE"));
  });

  test("CR, LF and other control characters in values are header injection", () => {
    const text = hm(
      '        set:\n        - {name: x-a, value: "a\\r\\nInjected: 1"}\n        - {name: x-b, value: "tab\\tok"}\n        - {name: x-c, value: "bell\\a"}',
    );
    const diags = errors(load(text).diagnostics);
    const crlf = one(diags, `${H}.set[0].value`);
    expect(crlf.message).toBe("value contains a control character, CR (\\r) at position 1; it would split or inject a header");
    expect(crlf.pos.line).toBe(11);
    expect(one(diags, `${H}.set[2].value`).message).toContain("U+0007");
    expect(diags).toHaveLength(2);
  });

  test("a non-token name in remove is a warning", () => {
    const text = hm('        remove: ["no such header"]');
    const d = one(load(text).diagnostics, `${H}.remove[0]`);
    expect(d.severity).toBe("warning");
    expect(d.pos).toMatchObject(at(text, '"no such header"'));
  });
});

describe("RequestMirror", () => {
  const rm = (body: string): string => f(`    - type: RequestMirror\n      requestMirror:\n${body}`);
  const M = `${P}[0].requestMirror`;

  test("backendRef is required", () => {
    const text = rm("        percent: 10");
    const d = one(load(text).diagnostics, `${M}.backendRef`);
    expect(d.message).toBe('missing required field "backendRef"');
    expect(d.pos).toMatchObject(at(text, "requestMirror:"));
  });

  test("a Service backendRef needs a port", () => {
    const text = rm("        backendRef: {name: shadow}");
    const d = one(load(text).diagnostics, `${M}.backendRef.port`);
    expect(d.message).toBe("Must have port for Service reference");
    expect(d.pos).toMatchObject(at(text, "backendRef:"));
  });

  test("percent 0-100", () => {
    const text = rm("        backendRef: {name: s, port: 1}\n        percent: 101");
    const d = one(load(text).diagnostics, `${M}.percent`);
    expect(d.message).toBe("101 is out of range (must be between 0 and 100)");
    expect(d.pos).toMatchObject(at(text, "101"));
  });

  test("not both percent and fraction", () => {
    const text = rm("        backendRef: {name: s, port: 1}\n        percent: 5\n        fraction: {numerator: 1}");
    const d = one(load(text).diagnostics, M);
    expect(d.message).toBe("Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
    expect(d.pos).toMatchObject(at(text, "requestMirror:"));
  });

  test("numerator <= denominator, numerator >= 0, denominator >= 1", () => {
    const frac = (fr: string): string => rm(`        backendRef: {name: s, port: 1}\n        fraction: ${fr}`);
    const over = frac("{numerator: 1001, denominator: 1000}");
    const d = one(load(over).diagnostics, `${M}.fraction.numerator`);
    expect(d.message).toBe("numerator must be less than or equal to denominator (1001 > 1000)");
    expect(d.pos).toMatchObject(at(over, "1001"));
    const defaulted = frac("{numerator: 101}");
    expect(one(load(defaulted).diagnostics, `${M}.fraction.numerator`).message).toContain("(101 > 100)");
    const zero = frac("{numerator: 0, denominator: 0}");
    expect(one(load(zero).diagnostics, `${M}.fraction.denominator`).message).toBe("0 is out of range (must be at least 1)");
    const neg = frac("{numerator: -1}");
    expect(one(load(neg).diagnostics, `${M}.fraction.numerator`).pos).toMatchObject(at(neg, "-1"));
    const none = frac("{denominator: 10}");
    expect(one(load(none).diagnostics, `${M}.fraction.numerator`).message).toBe('missing required field "numerator"');
  });

  test("a valid mirror keeps its percent", () => {
    const r = load(rm("        backendRef: {name: s, namespace: other, port: 9}\n        percent: 25"));
    expect(r.diagnostics).toEqual([]);
    expect((r.resources[0] as GRPCRouteDoc).spec.rules[0]?.filters).toEqual([
      {
        type: "RequestMirror",
        requestMirror: { backendRef: { group: "", kind: "Service", name: "s", namespace: "other", port: 9 }, percent: 25 },
      },
    ]);
  });
});

describe("ExtensionRef", () => {
  test("is not implemented, and its fields are still checked", () => {
    const text = f("    - type: ExtensionRef\n      extensionRef: {kind: RateLimit, name: rl}");
    const diags = errors(load(text).diagnostics);
    const d = one(diags, `${P}[0].type`);
    expect(d.message).toBe("ExtensionRef filters are not implemented by grpcroute-edge");
    expect(d.fix).toContain("remove the filter");
    expect(d.pos).toMatchObject(at(text, "ExtensionRef"));
    expect(one(diags, `${P}[0].extensionRef.group`).message).toBe('missing required field "group"');
  });
});

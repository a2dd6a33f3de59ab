import { describe, expect, test } from "vitest";
import { at, load, one } from "./test-util.ts";

const meta = (m: string): string => `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata:\n${m}spec: {}\n`;

describe("metadata", () => {
  test("name is required and must be a DNS-1123 subdomain", () => {
    const missing = meta("  namespace: a\n");
    const d = one(load(missing).diagnostics, "metadata.name");
    expect(d.message).toBe('missing required field "name"');
    expect(d.object).toBe("GRPCRoute a/(unnamed)");
    expect(d.pos.line).toBe(3);
    const bad = meta("  name: Foo_Route\n");
    expect(one(load(bad).diagnostics, "metadata.name").pos).toMatchObject(at(bad, "Foo_Route"));
  });

  test("metadata itself is required", () => {
    const d = one(load("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nspec: {}\n").diagnostics, "metadata");
    expect(d.pos.line).toBe(1);
  });

  test("namespace must be a DNS-1123 label", () => {
    const text = meta("  name: r\n  namespace: team.a\n");
    const d = one(load(text).diagnostics, "metadata.namespace");
    expect(d.pos).toMatchObject(at(text, "team.a"));
  });

  test("creationTimestamp must be RFC 3339; null is accepted", () => {
    const text = meta("  name: r\n  creationTimestamp: 2024-13-01 10:00\n");
    const d = one(load(text).diagnostics, "metadata.creationTimestamp");
    expect(d.message).toBe('"2024-13-01 10:00" is not an RFC 3339 timestamp');
    expect(d.pos).toMatchObject(at(text, "2024-13-01"));
    expect(load(meta("  name: r\n  creationTimestamp: null\n")).diagnostics).toEqual([]);
    expect(load(meta("  name: r\n  creationTimestamp: 2024-02-29T23:59:59.5+02:00\n")).diagnostics).toEqual([]);
  });

  test("annotations over 256 KiB in total (keys and values, in bytes) are an error at annotations", () => {
    const text = (fill: string): string => meta(`  name: r\n  annotations:\n    a: "${fill}"\n    b: "x"\n`);
    // 262,144 bytes exactly: keys "a" and "b", values of 262,141 and 1 bytes.
    expect(load(text("x".repeat(262_141))).diagnostics).toEqual([]);
    const over = text(`${"x".repeat(262_140)}é`);
    const d = one(load(over).diagnostics, "metadata.annotations");
    expect(d.severity).toBe("error");
    expect(d.message).toBe("annotations total 262145 bytes; Kubernetes allows at most 262144 (256 KiB), keys and values together");
    expect(d.pos).toMatchObject(at(over, "annotations:"));
  });

  test("labels and annotations are maps of strings with valid keys", () => {
    const text = meta('  name: r\n  labels:\n    tier: 1\n    ok: "bad value!"\n  annotations:\n    "-bad/key": x\n    note: on\n');
    const diags = load(text).diagnostics;
    const num = one(diags, "metadata.labels.tier");
    expect(num.message).toBe("expected a string, got number 1");
    expect(num.fix).toBe('quote the value: "1"');
    expect(num.pos.line).toBe(6);
    expect(one(diags, "metadata.labels.ok").pos.line).toBe(7);
    const key = one(diags, "metadata.annotations.-bad/key");
    expect(key.pos).toMatchObject(at(text, '"-bad/key"'));
    const on = one(diags, "metadata.annotations.note");
    expect(on.severity).toBe("warning");
    expect(on.pos.line).toBe(10);
  });

  test("a misspelt metadata field", () => {
    const text = meta("  name: r\n  namspace: a\n");
    const d = one(load(text).diagnostics, "metadata.namspace");
    expect(d.fix).toBe('did you mean "namespace"?');
    expect(d.pos.line).toBe(5);
  });

  test("server-set fields are accepted", () => {
    expect(load(meta('  name: r\n  uid: 1234\n  resourceVersion: "5"\n  generation: 2\n')).diagnostics).toEqual([]);
  });
});

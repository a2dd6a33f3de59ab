import { describe, expect, it } from "vitest";
import { FrameSplitter } from "./frame-splitter.ts";

const frame = (flags: number, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
};
const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
};

/** A small seeded generator (LCG), so every chunking is reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Splits `body` at random points and feeds the pieces through a splitter. */
function relay(body: Uint8Array, seed: number) {
  const rnd = prng(seed);
  const s = new FrameSplitter((f) => (f & 0x80) !== 0);
  const passed: Uint8Array[] = [];
  const boundaries: number[] = [];
  let final: { flags: number; data: Uint8Array } | undefined;
  for (let at = 0; at < body.length && final === undefined; ) {
    const n = 1 + Math.floor(rnd() * 40);
    const r = s.push(body.slice(at, at + n));
    passed.push(...r.pass);
    boundaries.push(passed.reduce((x, p) => x + p.length, 0));
    final = r.final;
    at += n;
  }
  return { passed: concat(passed), final, boundaries, atBoundary: s.atBoundary };
}

describe("FrameSplitter", () => {
  const messages = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(100).fill(7), new Uint8Array([9])];
  const data = concat(messages.map((m) => frame(0, m)));
  const trailer = new TextEncoder().encode("grpc-status: 0\r\n");

  it("passes every data envelope byte for byte, however the body is chunked, and hands over the final one", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = relay(concat([data, frame(0x80, trailer), new Uint8Array([0xff, 0xff])]), seed);
      expect(r.passed).toEqual(data);
      expect(r.final?.flags).toBe(0x80);
      expect(r.final?.data).toEqual(trailer);
    }
  });

  it("never passes part of an envelope: every relayed prefix ends on a boundary", () => {
    const ends = new Set<number>();
    let at = 0;
    for (const m of messages) ends.add((at += 5 + m.length));
    for (let seed = 1; seed <= 200; seed++) {
      const r = relay(data.subarray(0, data.length - 40), seed);
      for (const b of r.boundaries) expect(b === 0 || ends.has(b)).toBe(true);
      expect(r.atBoundary).toBe(false);
    }
  });

  it("knows a clean end from a cut one", () => {
    expect(relay(data, 1).atBoundary).toBe(true);
    expect(relay(data.subarray(0, 7), 1).atBoundary).toBe(false);
    expect(relay(data.subarray(0, 3), 1).atBoundary).toBe(false);
  });

  it("relays without copying when envelopes arrive whole", () => {
    const s = new FrameSplitter((f) => (f & 0x80) !== 0);
    const r = s.push(data);
    expect(r.pass).toHaveLength(1);
    expect(r.pass[0]!.buffer).toBe(data.buffer);
  });
});

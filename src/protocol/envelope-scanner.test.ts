import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { concat } from "./bytes.ts";
import { EnvelopeScanner } from "./envelope-scanner.ts";

const utf8 = new TextEncoder();
const isFinal = (flags: number): boolean => (flags & 0x80) !== 0;
const data = (text: string): Uint8Array => encodeEnvelope(0, utf8.encode(text));
const final = (text: string): Uint8Array => encodeEnvelope(0x80, utf8.encode(text));

/** Feeds `body` cut at `cuts` and returns what a relay would pass on, the final envelope, and the count. */
function scan(body: Uint8Array, cuts: number[], cap = 1024) {
  const s = new EnvelopeScanner(isFinal, cap);
  const passed: Uint8Array[] = [];
  let held: Uint8Array[] = [];
  let finalText: string | undefined;
  let at = 0;
  for (const end of [...cuts, body.length]) {
    const chunk = body.subarray(at, end);
    at = end;
    const r = s.push(chunk);
    if (r.complete > 0) {
      passed.push(...held, chunk.subarray(0, r.complete));
      held = [];
    }
    if (r.final !== undefined) {
      finalText = new TextDecoder().decode(r.final.data);
      break;
    }
    if (!s.inFinal && r.complete < chunk.length) held.push(chunk.subarray(r.complete));
  }
  return { passed: concat(passed), finalText, messages: s.messages, atBoundary: s.atBoundary };
}

describe("EnvelopeScanner", () => {
  const body = concat([data("one"), data(""), data("three"), final("grpc-status: 0")]);
  const dataPart = body.subarray(0, body.length - final("grpc-status: 0").length);

  it("passes whole data envelopes and collects the final one, however the body is cut", () => {
    for (let a = 0; a <= body.length; a++) {
      for (let b = a; b <= body.length; b += 3) {
        const r = scan(body, [a, b]);
        expect(r.passed).toEqual(dataPart);
        expect(r.finalText).toBe("grpc-status: 0");
        expect(r.messages).toBe(3);
      }
    }
  });

  it("never passes part of an envelope", () => {
    const s = new EnvelopeScanner(isFinal, 1024);
    const one = data("hello");
    expect(s.push(one.subarray(0, 7)).complete).toBe(0);
    expect(s.atBoundary).toBe(false);
    expect(s.pending).toBe(5);
    expect(s.push(one.subarray(7)).complete).toBe(3);
    expect(s.atBoundary).toBe(true);
  });

  it("reports a final envelope over the cap without allocating it", () => {
    const s = new EnvelopeScanner(isFinal, 16);
    const r = s.push(new Uint8Array([0x80, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(r.finalTooLarge).toBe(0xffffffff);
    expect(r.final).toBeUndefined();
  });

  it("says when bytes follow the final envelope", () => {
    const s = new EnvelopeScanner(isFinal, 1024);
    expect(s.push(concat([final("x"), data("late")])).after).toBe(true);
    expect(new EnvelopeScanner(isFinal, 1024).push(final("x")).after).toBe(false);
  });
});

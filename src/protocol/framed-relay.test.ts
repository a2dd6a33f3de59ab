import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { concat } from "./bytes.ts";
import { relayFramed, type FramedProtocol, type FramedRelayOptions } from "./framed-relay.ts";

const utf8 = new TextEncoder();
const data = (text: string): Uint8Array => encodeEnvelope(0, utf8.encode(text));
const final = (text: string): Uint8Array => encodeEnvelope(0x80, utf8.encode(text));

/** A protocol whose final envelope holds its code as text, and whose appended status is readable in assertions. */
const protocol: FramedProtocol = {
  isFinal: (flags) => (flags & 0x80) !== 0,
  finalFrame: (error) => final(`${error.code} ${error.rawMessage}`),
  checkFinal: (_flags, d) => {
    const code = Number(new TextDecoder().decode(d));
    return Number.isInteger(code) ? { code: code as Code } : { code: undefined, problem: new ConnectError("bad final", Code.Internal) };
  },
  missingMessage: "missing status",
};

const options = (o: Partial<FramedRelayOptions> = {}): FramedRelayOptions => ({
  statusInHeaders: false,
  failure: (reason) => new ConnectError(reason instanceof Error ? reason.message : String(reason), Code.Unavailable),
  exactBytes: 64,
  maxMessageBytes: 32,
  ...o,
});

/**
 * An origin handing out one chunk per pull (after `pauseMs` from the second on), then
 * ending (or failing with `error`); it records reads past the end and cancels.
 */
function origin(chunks: Uint8Array[], error?: unknown, pauseMs = 0) {
  const state = { cancelled: false, readsAfterLast: 0 };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i > 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else if (error !== undefined) c.error(error);
      else {
        state.readsAfterLast++;
        c.close();
      }
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function bytesOf(body: Uint8Array | ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}

describe("relayFramed", () => {
  it("answers a whole first read as one buffer, then reads the origin to its end", async () => {
    const o = origin([concat([data("a"), final("0")])]);
    const r = await relayFramed(o.stream, protocol, options());
    expect(r.body).toBeInstanceOf(Uint8Array);
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), final("0")]));
    expect(await r.outcome).toMatchObject({ messages: 1, code: 0, piped: false, cancelled: false });
    await new Promise((res) => setTimeout(res, 0));
    expect(o.state).toEqual({ cancelled: false, readsAfterLast: 1 });
  });

  it("waits a moment for a status written apart from the message: still one buffer", async () => {
    const r = await relayFramed(origin([data("a"), final("0")]).stream, protocol, options());
    expect(r.body).toBeInstanceOf(Uint8Array);
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), final("0")]));
  });

  it("starts streaming when more does not follow a message within the grace", async () => {
    const start = performance.now();
    const r = await relayFramed(origin([data("a"), data("b"), final("0")], undefined, 50).stream, protocol, options());
    expect(performance.now() - start).toBeLessThan(45);
    expect(r.body).toBeInstanceOf(ReadableStream);
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), data("b"), final("0")]));
    expect(await r.outcome).toMatchObject({ messages: 2, code: 0 });
  });

  it("appends a status when the origin ends without one", async () => {
    const r = await relayFramed(origin([data("a")]).stream, protocol, options());
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), final(`${Code.Internal} missing status`)]));
    expect((await r.outcome).edge?.code).toBe(Code.Internal);
  });

  it("never relays half a message before an appended status", async () => {
    const whole = data("abcdef");
    const r = await relayFramed(origin([data("a"), whole.subarray(0, 7)], new Error("reset")).stream, protocol, options());
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), final(`${Code.Unavailable} reset`)]));
  });

  it("replaces a malformed final envelope and drops what follows it", async () => {
    const o = origin([concat([data("a"), final("nope"), data("late")])]);
    const r = await relayFramed(o.stream, protocol, options());
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), final(`${Code.Internal} bad final`)]));
    expect(o.state.cancelled).toBe(true);
  });

  it("past exactBytes hands the rest to a pipe: every byte arrives, the status unseen", async () => {
    const big = data("x".repeat(100));
    const r = await relayFramed(origin([data("a"), big.subarray(0, 50), big.subarray(50), final("0")]).stream, protocol, options());
    expect(await bytesOf(r.body)).toEqual(concat([data("a"), big, final("0")]));
    expect(await r.outcome).toMatchObject({ piped: true, code: undefined });
  });

  it("relaying exactly, refuses a message over maxMessageBytes with RESOURCE_EXHAUSTED", async () => {
    const big = data("x".repeat(100));
    const r = await relayFramed(
      origin([data("a"), big.subarray(0, 50), big.subarray(50), final("0")]).stream,
      protocol,
      options({ exactBytes: Number.POSITIVE_INFINITY }),
    );
    const out = await bytesOf(r.body);
    expect(out.subarray(0, data("a").length)).toEqual(data("a"));
    expect(new TextDecoder().decode(out.subarray(data("a").length + 5))).toMatch(/^8 .*100 bytes.*MAX_MESSAGE_BYTES/);
  });

  it("encodes every envelope for text mode, and never pipes then", async () => {
    const big = data("x".repeat(100));
    const seen: number[] = [];
    const r = await relayFramed(origin([big, final("0")]).stream, protocol, {
      ...options({ maxMessageBytes: 1000 }),
      encode: (b) => (seen.push(b.length), b),
    });
    expect(await bytesOf(r.body)).toEqual(concat([big, final("0")]));
    expect(seen).toEqual([big.length, final("0").length]);
    expect((await r.outcome).piped).toBe(false);
  });
});

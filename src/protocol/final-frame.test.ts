import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { concat } from "./bytes.ts";
import { ensureFinalFrame, type FinalFrameOptions } from "./final-frame.ts";

const utf8 = new TextEncoder();
const finalFlag = 0x80;
const data = (text: string): Uint8Array => encodeEnvelope(0, utf8.encode(text));
const final = (text: string): Uint8Array => encodeEnvelope(finalFlag, utf8.encode(text));
/** The frame the edge appends, readable in assertions: code and message only. */
const appended = (code: Code, message: string): Uint8Array => final(`${code} ${message}`);

const options = (overrides: Partial<FinalFrameOptions> = {}): FinalFrameOptions => ({
  isFinal: (flags) => (flags & finalFlag) !== 0,
  finalFrame: (error) => appended(error.code, error.rawMessage),
  encode: (frame) => frame,
  statusInHeaders: false,
  failure: (reason) => new ConnectError(reason instanceof Error ? reason.message : String(reason), Code.Unavailable),
  missingMessage: "missing status",
  ...overrides,
});

/** An origin that hands out one chunk per pull, then ends (or fails with `error`), recording a cancel. */
function origin(chunks: Uint8Array[], error?: unknown) {
  const state = { cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else if (error !== undefined) c.error(error);
      else c.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function relay(chunks: Uint8Array[], overrides?: Partial<FinalFrameOptions>, error?: unknown): Promise<Uint8Array> {
  const body = ensureFinalFrame(origin(chunks, error).stream, options(overrides));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const one = data("one");
const two = data("two");
const ok = final("status 0");

describe("ensureFinalFrame", () => {
  // A relay that buffers hangs rather than fails here, hence the short timeout.
  it("hands each frame on as it arrives, before the origin has finished", async () => {
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const upstream = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
    const reader = ensureFinalFrame(upstream, options()).getReader();
    push.enqueue(one);
    expect((await reader.read()).value).toEqual(one);
    push.enqueue(two);
    expect((await reader.read()).value).toEqual(two);
    reader.releaseLock();
  }, 2_000);

  it.each<[string, Uint8Array[], Partial<FinalFrameOptions>, Uint8Array]>([
    ["the origin's final frame passes as sent", [one, two, ok], {}, concat([one, two, ok])],
    [
      "an origin that ends without one gets INTERNAL appended",
      [one, two],
      {},
      concat([one, two, appended(Code.Internal, "missing status")]),
    ],
    ["nothing is appended when the status travelled in the headers", [one], { statusInHeaders: true }, one],
    [
      "a body cut inside an envelope keeps only whole frames and ends with the failure",
      [one, two.subarray(0, 6)],
      {},
      concat([one, appended(Code.Unavailable, "origin stream ended inside an envelope")]),
    ],
    [
      "a final frame that checkFinal rejects is replaced by the problem",
      [one, final("garbage")],
      { checkFinal: (_, d) => (new TextDecoder().decode(d) === "garbage" ? new ConnectError("bad trailer", Code.Internal) : undefined) },
      concat([one, appended(Code.Internal, "bad trailer")]),
    ],
    ["a final frame that checkFinal accepts passes", [one, ok], { checkFinal: () => undefined }, concat([one, ok])],
  ])("%s", async (_, chunks, overrides, expected) => {
    expect(await relay(chunks, overrides)).toEqual(expected);
  });

  it("turns a stream error into a final frame via failure", async () => {
    const failure = (reason: unknown) => new ConnectError(`reset: ${(reason as Error).message}`, Code.DeadlineExceeded);
    const out = await relay([one], { failure }, new Error("connection lost"));
    expect(out).toEqual(concat([one, appended(Code.DeadlineExceeded, "reset: connection lost")]));
  });

  it("drops anything after the final frame and cancels the origin", async () => {
    const { stream, state } = origin([concat([one, ok, two]), two]);
    const out = new Uint8Array(await new Response(ensureFinalFrame(stream, options())).arrayBuffer());
    expect(out).toEqual(concat([one, ok]));
    expect(state.cancelled).toBe(true);
  });

  it("relays the same bytes however the origin's body is split", async () => {
    const body = concat([one, data(""), two, ok]);
    for (let cut = 1; cut < body.length; cut++) {
      expect(await relay([body.subarray(0, cut), body.subarray(cut)])).toEqual(body);
    }
    expect(await relay(Array.from(body, (b) => new Uint8Array([b])))).toEqual(body);
  });
});

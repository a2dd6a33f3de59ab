import type { ConnectError } from "@connectrpc/connect";
import { describe, expect, it, test } from "vitest";
import { createTextDecodeStream, encodeTextFrame } from "./text-codec.ts";

/** Vectors from the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md). */
const dataFrame = new Uint8Array([0, 0, 0, 0, 2, 8, 1]);
const perFrame = "AAAAAAIIAQ==gAAAABBncnBjLXN0YXR1czogMA0K";
const wholeBody = "AAAAAAIIAYAAAAAQZ3JwYy1zdGF0dXM6IDANCg==";

async function decode(chunks: string[]): Promise<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      c.close();
    },
  }).pipeThrough(createTextDecodeStream());
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("gRPC-web text codec", () => {
  test("encodes one frame as its own padded unit", () => {
    expect(new TextDecoder().decode(encodeTextFrame(dataFrame))).toBe("AAAAAAIIAQ==");
  });
  test("per-frame padding inside the stream and whole-body encoding decode alike", async () => {
    const a = await decode([perFrame]);
    expect(a).toEqual(await decode([wholeBody]));
    expect(a.subarray(0, 7)).toEqual(dataFrame);
    expect(new TextDecoder().decode(a.subarray(12))).toBe("grpc-status: 0\r\n");
  });
  test("chunks split anywhere, even inside a quantum or around padding", async () => {
    for (let cut = 1; cut < perFrame.length; cut++) {
      expect(await decode([perFrame.slice(0, cut), perFrame.slice(cut)])).toEqual(await decode([perFrame]));
    }
  });
  test("a partial quantum at EOF and non-base64 input are INTERNAL errors", async () => {
    await expect(decode(["AAAAAAIIAQ=", ""])).rejects.toMatchObject({ code: 13 });
    await expect(decode(["AA*A"])).rejects.toMatchObject({ code: 13 });
  });
});

describe("text decoding shares nothing between requests", () => {
  async function decodeAll(chunks: Uint8Array[]): Promise<Uint8Array | ConnectError> {
    const out: Uint8Array[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    }).pipeThrough(createTextDecodeStream());
    try {
      for await (const b of stream) out.push(b);
    } catch (e) {
      return e as ConnectError;
    }
    return Uint8Array.from(out.flatMap((b) => [...b]));
  }

  it("a request whose chunk ends inside a UTF-8 sequence leaves nothing for the next one", async () => {
    // The first (bad) body stops in the middle of a 3-byte UTF-8 sequence.
    await decodeAll([new TextEncoder().encode("AAAA"), new Uint8Array([0xe2, 0x82])]);
    const next = await decodeAll([new TextEncoder().encode("AAECAw==")]);
    expect(next).toEqual(new Uint8Array([0, 1, 2, 3]));
  });
});

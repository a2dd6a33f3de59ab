import { Code } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import type { OriginProtocol } from "../table/types.ts";
import { concat } from "./bytes.ts";
import { peekStatus } from "./peek-status.ts";

const utf8 = new TextEncoder();
const grpcWeb = { "content-type": "application/grpc-web+proto" };
const json = { "content-type": "application/json" };
const message = encodeEnvelope(0, utf8.encode("hello"));
const trailer = (block: string, flags = 0x80): Uint8Array => encodeEnvelope(flags, utf8.encode(block));
const text = (s: string): Uint8Array => utf8.encode(s);
const longError = text(JSON.stringify({ code: "internal", message: "x".repeat(20_000) }));

const stream = (chunks: Uint8Array[]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
const whole = (body: Uint8Array): Uint8Array[] => [body];
// One byte a chunk, but 1 KiB for a long body: the peek joins all it has read on every chunk.
const small = (body: Uint8Array): Uint8Array[] => {
  const size = body.length > 1024 ? 1024 : 1;
  return Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));
};

describe("peekStatus", () => {
  it.each<[string, OriginProtocol, number, Record<string, string>, Uint8Array | null, Code | undefined]>([
    ["trailers-only error", "grpc-web", 200, { ...grpcWeb, "grpc-status": "14" }, null, Code.Unavailable],
    ["trailers-only OK", "grpc-web", 200, { ...grpcWeb, "grpc-status": "0" }, null, undefined],
    ["trailers-only with a malformed status", "grpc-web", 200, { ...grpcWeb, "grpc-status": "x" }, null, Code.Internal],
    ["a trailer as the first frame", "grpc-web", 200, grpcWeb, trailer("grpc-status: 8\r\n"), Code.ResourceExhausted],
    ["an OK trailer as the first frame", "grpc-web", 200, grpcWeb, trailer("grpc-status: 0\r\n"), undefined],
    ["a compressed trailer, which cannot be read", "grpc-web", 200, grpcWeb, trailer("grpc-status: 8\r\n", 0x81), undefined],
    ["a stream that starts with a message", "grpc-web", 200, grpcWeb, concat([message, trailer("grpc-status: 8\r\n")]), undefined],
    ["a proxy's error to a gRPC-web call", "grpc-web", 502, { "content-type": "text/html" }, text("<html>"), Code.Unavailable],
    ["a 200 that is not gRPC-web", "grpc-web", 200, { "content-type": "text/html" }, text("<html>"), Code.Unknown],
    ["a Connect error", "connect", 404, json, text('{"code":"not_found","message":"no"}'), Code.NotFound],
    ["a Connect error with an unknown code", "connect", 500, json, text('{"code":"sad"}'), undefined],
    ["a Connect error body that is not JSON", "connect", 500, json, text("oops"), undefined],
    ["a Connect error too long to look at", "connect", 500, json, longError, undefined],
    ["a Connect success", "connect", 200, { "content-type": "application/proto" }, text("\x08\x01"), undefined],
    ["a proxy's 400 to a Connect call", "connect", 400, { "content-type": "text/plain" }, text("bad"), Code.Internal],
    ["a proxy's 401 to a Connect call", "connect", 401, { "content-type": "text/plain" }, text("who"), Code.Unauthenticated],
  ])("%s", async (_, target, status, headers, body, expected) => {
    for (const split of [whole, small]) {
      const origin = new Response(body && stream(split(body)), { status, headers });
      const peeked = await peekStatus(origin, target);
      expect(peeked.code).toBe(expected);
      expect(peeked.res.status).toBe(status);
      expect(Object.fromEntries(peeked.res.headers)).toEqual(Object.fromEntries(origin.headers));
      expect(new Uint8Array(await peeked.res.arrayBuffer())).toEqual(body ?? new Uint8Array(0));
    }
  });

  // A peek that waits for the end hangs rather than fails here, hence the short timeout.
  it("does not wait for the rest of a stream that starts with a message", async () => {
    let origin!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (origin = c) });
    origin.enqueue(message);
    const peeked = await peekStatus(new Response(body, { headers: grpcWeb }), "grpc-web");
    expect(peeked.code).toBeUndefined();
    const end = trailer("grpc-status: 0\r\n");
    origin.enqueue(end);
    origin.close();
    expect(new Uint8Array(await peeked.res.arrayBuffer())).toEqual(concat([message, end]));
  }, 2_000);
});

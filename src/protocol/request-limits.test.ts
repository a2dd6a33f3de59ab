import { Code, type ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { concat } from "./bytes.ts";
import type { ClientProtocol } from "./detect.ts";
import { checkRequestBody, requestBodyGuard } from "./request-limits.ts";

const grpcWeb: ClientProtocol = { kind: "grpc-web", text: false, responseText: false, codec: "proto" };
const connectStream: ClientProtocol = { kind: "connect-stream", codec: "proto" };
const connectUnary: ClientProtocol = { kind: "connect-unary", get: false, codec: "proto" };
const envelope = (size: number): Uint8Array => encodeEnvelope(0, new Uint8Array(size).fill(1));
const max = 4;

function thrownCode(f: () => void): Code | undefined {
  try {
    f();
  } catch (e) {
    return (e as ConnectError).code;
  }
  return undefined;
}

/** The body through requestBodyGuard one byte a chunk, so every check is met mid-header and mid-message. */
async function guard(client: ClientProtocol, body: Uint8Array) {
  const errors: ConnectError[] = [];
  const chunks = Array.from(body, (b) => new Uint8Array([b]));
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  const out = source.pipeThrough(requestBodyGuard(client, max, (e) => errors.push(e)));
  const passed = await new Response(out).arrayBuffer().then(
    (b) => new Uint8Array(b),
    (e: ConnectError) => e,
  );
  return { passed, errors };
}

describe("request body limits", () => {
  it.each<[string, ClientProtocol, Uint8Array, Code | undefined]>([
    ["gRPC-web messages up to the limit", grpcWeb, concat([envelope(0), envelope(max), envelope(1)]), undefined],
    ["an empty body", grpcWeb, new Uint8Array(0), undefined],
    ["gRPC-web message over the limit", grpcWeb, envelope(max + 1), Code.ResourceExhausted],
    ["gRPC-web body cut in an envelope header", grpcWeb, envelope(2).subarray(0, 3), Code.Internal],
    ["gRPC-web body cut in a message", grpcWeb, concat([envelope(1), envelope(3).subarray(0, 6)]), Code.Internal],
    ["Connect stream message over the limit", connectStream, envelope(max + 1), Code.ResourceExhausted],
    ["Connect stream cut in an envelope header", connectStream, envelope(2).subarray(0, 4), Code.InvalidArgument],
    ["Connect stream cut in a message", connectStream, envelope(3).subarray(0, 6), Code.InvalidArgument],
    ["Connect unary body at the limit, not enveloped", connectUnary, new Uint8Array(max), undefined],
    ["Connect unary body over the limit", connectUnary, new Uint8Array(max + 1), Code.ResourceExhausted],
  ])("%s", async (_, client, body, code) => {
    expect(thrownCode(() => checkRequestBody(client, body, max))).toBe(code);

    const { passed, errors } = await guard(client, body);
    if (code === undefined) {
      expect(passed).toEqual(body);
      expect(errors).toEqual([]);
    } else {
      expect(passed).toMatchObject({ code });
      expect(errors.map((e) => e.code)).toEqual([code]);
    }
  });

  it("refuses an oversized message at its header, before any of it is passed on", async () => {
    const errors: ConnectError[] = [];
    const { readable, writable } = requestBodyGuard(grpcWeb, max, (e) => errors.push(e));
    const writer = writable.getWriter();
    const reader = readable.getReader();
    const first = envelope(1);
    void writer.write(first).catch(() => undefined);
    expect((await reader.read()).value).toBe(first);
    void writer.write(envelope(100).subarray(0, 5)).catch(() => undefined);
    await expect(reader.read()).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect(errors[0]?.rawMessage).toBe("request message of 100 bytes exceeds the edge's limit of 4 bytes");
  });
});

import { Code, type ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { concat } from "./bytes.ts";
import type { ClientProtocol } from "./detect.ts";
import { requestBodyCheck } from "./request-limits.ts";

/** requestBodyCheck over a body read whole; throws the ConnectError. */
function checkRequestBody(client: ClientProtocol, headers: Headers, bytes: Uint8Array, max: number): void {
  const check = requestBodyCheck(client, headers, max);
  check.push(bytes);
  check.end();
}

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

/** The body through requestBodyCheck one byte a chunk, so every check is met mid-header and mid-message. */
function byteByByte(client: ClientProtocol, body: Uint8Array, headers = new Headers()) {
  const check = requestBodyCheck(client, headers, max);
  const passed: number[] = [];
  try {
    for (const b of body) passed.push(...check.push(new Uint8Array([b])));
    check.end();
  } catch (e) {
    return { error: e as ConnectError, passed: Uint8Array.from(passed), messages: check.messages() };
  }
  return { error: undefined, passed: Uint8Array.from(passed), messages: check.messages() };
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
  ])("%s", (_, client, body, code) => {
    expect(thrownCode(() => checkRequestBody(client, new Headers(), body, max))).toBe(code);

    const { passed, error } = byteByByte(client, body);
    if (code === undefined) {
      expect(passed).toEqual(body);
      expect(error).toBeUndefined();
    } else expect(error?.code).toBe(code);
  });

  it("refuses an oversized message at its header, before any of it is passed on", () => {
    const check = requestBodyCheck(grpcWeb, new Headers(), max);
    expect(check.push(envelope(1))).toEqual(envelope(1));
    expect(thrownCode(() => check.push(envelope(100).subarray(0, 5)))).toBe(Code.ResourceExhausted);
    expect(() => requestBodyCheck(grpcWeb, new Headers(), max).push(envelope(100).subarray(0, 5))).toThrow(
      "request message of 100 bytes exceeds the edge's limit of 4 bytes",
    );
  });

  it("counts complete envelopes, empty ones too", () => {
    expect(byteByByte(grpcWeb, concat([envelope(0), envelope(2), envelope(3).subarray(0, 6)])).messages).toBe(2);
    expect(byteByByte(connectUnary, new Uint8Array(3)).messages).toBe(1);
  });

  it.each<[string, ClientProtocol, Record<string, string>, boolean]>([
    ["gRPC-web without grpc-encoding", grpcWeb, {}, false],
    ["gRPC-web with grpc-encoding: identity", grpcWeb, { "grpc-encoding": "identity" }, false],
    ["gRPC-web with grpc-encoding: gzip", grpcWeb, { "grpc-encoding": "gzip" }, true],
    ["Connect stream without connect-content-encoding", connectStream, {}, false],
    ["Connect stream with connect-content-encoding: gzip", connectStream, { "connect-content-encoding": "gzip" }, true],
  ])("a compressed-flagged envelope, %s", (_, client, headers, passes) => {
    const { error } = byteByByte(client, encodeEnvelope(1, new Uint8Array(2)), new Headers(headers));
    if (passes) expect(error).toBeUndefined();
    else {
      expect(error?.code).toBe(Code.Internal);
      expect(error?.rawMessage).toMatch(/^protocol error: compressed flag set without (grpc-encoding|connect-content-encoding)$/);
    }
  });

  it("gRPC-web text is decoded as it passes, quanta split across chunks", () => {
    const text: ClientProtocol = { kind: "grpc-web", text: true, responseText: false, codec: "proto" };
    const b64 = new TextEncoder().encode(`${btoa(String.fromCharCode(...envelope(2)))}\r\n`);
    const { passed, error, messages } = byteByByte(text, b64);
    expect([error, messages]).toEqual([undefined, 1]);
    expect(passed).toEqual(envelope(2));
    expect(byteByByte(text, new TextEncoder().encode("AAA")).error?.code).toBe(Code.Internal);
    expect(byteByByte(text, new TextEncoder().encode("!!!!")).error?.code).toBe(Code.Internal);
  });
});

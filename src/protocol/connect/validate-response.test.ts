import { Code, type ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { validateConnectStreamResponse, validateConnectUnaryResponse } from "./validate-response.ts";

// Bytes, not a string, so that Response adds no content type of its own.
const answer = (status: number, type?: string, body: Uint8Array | null = new Uint8Array(1)): Response =>
  new Response(body, { status, headers: type === undefined ? {} : { "content-type": type } });
const summary = (e: ConnectError | undefined) => e && { code: e.code, message: e.rawMessage };
const notConnect = (code: Code, status: number, type: string, expected = "Connect") => ({
  code,
  message: `origin answered HTTP ${status} (${type}), not ${expected}`,
});

describe("validateConnectUnaryResponse", () => {
  it.each<[string, Response, ReturnType<typeof notConnect> | undefined]>([
    ["a proto message", answer(200, "application/proto"), undefined],
    ["a JSON message", answer(200, "application/json; charset=utf-8"), undefined],
    ["a JSON error", answer(404, "application/json"), undefined],
    ["a JSON error with a charset", answer(503, "application/json; charset=utf-8"), undefined],
    ["a streaming content type", answer(200, "application/connect+proto"), notConnect(Code.Unknown, 200, "application/connect+proto")],
    ["a 200 without a content type", answer(200), notConnect(Code.Unknown, 200, "no content type")],
    ["an error that is not JSON", answer(502, "text/html"), notConnect(Code.Unavailable, 502, "text/html")],
    // A proto body on an error status is no Connect error: the status maps by gRPC's table.
    ["a proto body on an error status", answer(401, "application/proto"), notConnect(Code.Unauthenticated, 401, "application/proto")],
  ])("%s", (_, res, expected) => {
    expect(summary(validateConnectUnaryResponse(res))).toEqual(expected);
  });
});

describe("validateConnectStreamResponse", () => {
  const streaming = "Connect streaming";
  it.each<[string, Response, ReturnType<typeof notConnect> | undefined]>([
    ["proto envelopes", answer(200, "application/connect+proto"), undefined],
    ["JSON envelopes", answer(200, "application/connect+json"), undefined],
    ["no body", answer(200, "application/connect+proto", null), notConnect(Code.Unknown, 200, "application/connect+proto", streaming)],
    ["a unary content type", answer(200, "application/proto"), notConnect(Code.Unknown, 200, "application/proto", streaming)],
    [
      "an error status, even with envelopes",
      answer(503, "application/connect+json"),
      notConnect(Code.Unavailable, 503, "application/connect+json", streaming),
    ],
    ["a unary JSON error", answer(404, "application/json"), notConnect(Code.Unimplemented, 404, "application/json", streaming)],
  ])("%s", (_, res, expected) => {
    expect(summary(validateConnectStreamResponse(res))).toEqual(expected);
  });
});

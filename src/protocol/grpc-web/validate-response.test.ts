import { Code, type ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isGrpcWebAnswer, validateGrpcWebResponse } from "./validate-response.ts";

// Bytes, not a string, so that Response adds no content type of its own.
const answer = (status: number, headers: Record<string, string>): Response => new Response(new Uint8Array(5), { status, headers });
const proto = { "content-type": "application/grpc-web+proto" };
const summary = (e: ConnectError | undefined) => e && { code: e.code, message: e.rawMessage };

describe("validateGrpcWebResponse", () => {
  it.each<[string, Response, { code: Code; message: string } | undefined]>([
    ["frames in binary", answer(200, proto), undefined],
    ["frames in text", answer(200, { "content-type": "application/grpc-web-text" }), undefined],
    ["trailers-only with a valid status", answer(200, { ...proto, "grpc-status": "5" }), undefined],
    // A non-gRPC answer is mapped from its HTTP status, whatever status header it carries.
    [
      "a status header on a non-gRPC-web answer",
      answer(503, { "content-type": "text/plain", "grpc-status": "0" }),
      { code: Code.Unavailable, message: "origin answered HTTP 503 (text/plain), not gRPC-web" },
    ],
    [
      "trailers-only with an invalid status",
      answer(200, { ...proto, "grpc-status": "OK" }),
      { code: Code.Internal, message: "protocol error: invalid grpc-status from the origin" },
    ],
    ["an invalid status explained by details", answer(200, { ...proto, "grpc-status": "99", "grpc-status-details-bin": "CAM" }), undefined],
    [
      "a proxy's HTML error",
      answer(502, { "content-type": "text/html" }),
      { code: Code.Unavailable, message: "origin answered HTTP 502 (text/html), not gRPC-web" },
    ],
    [
      "a 404 without a content type",
      answer(404, {}),
      { code: Code.Unimplemented, message: "origin answered HTTP 404 (no content type), not gRPC-web" },
    ],
    [
      "a gRPC-web content type on an HTTP error",
      answer(503, proto),
      { code: Code.Unavailable, message: "origin answered HTTP 503 (application/grpc-web+proto), not gRPC-web" },
    ],
    [
      "a 200 in another protocol",
      answer(200, { "content-type": "application/json" }),
      { code: Code.Unknown, message: "origin answered HTTP 200 (application/json), not gRPC-web" },
    ],
  ])("%s", (_, res, expected) => {
    expect(summary(validateGrpcWebResponse(res))).toEqual(expected);
  });

  it("takes only a successful answer with a gRPC-web content type for frames", () => {
    expect(isGrpcWebAnswer(answer(200, proto))).toBe(true);
    expect(isGrpcWebAnswer(answer(500, proto))).toBe(false);
    expect(isGrpcWebAnswer(answer(200, { "content-type": "application/grpc" }))).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { type Detected, detectProtocol } from "./detect.ts";

const url = "https://edge.example/pkg.Service/Method";
const unknown = (looksLike: "grpc-web" | "connect", reason: string): Detected =>
  ({ kind: "unknown", looksLike, reason: expect.stringContaining(reason) }) as Detected;

describe("detectProtocol", () => {
  it.each<[string, string, Record<string, string>, string, Detected]>([
    ["CORS preflight", "OPTIONS", { origin: "https://app", "access-control-request-method": "POST" }, "", { kind: "preflight" }],
    ["OPTIONS that is no preflight", "OPTIONS", { origin: "https://app" }, "", unknown("connect", "HTTP method OPTIONS")],
    [
      "gRPC-web binary",
      "POST",
      { "content-type": "application/grpc-web+proto" },
      "",
      { kind: "grpc-web", text: false, responseText: false, codec: "proto" },
    ],
    [
      "gRPC-web without a codec is proto",
      "POST",
      { "content-type": "application/grpc-web" },
      "",
      expect.objectContaining({ codec: "proto" }),
    ],
    ["gRPC-web JSON", "POST", { "content-type": "application/grpc-web+json" }, "", expect.objectContaining({ codec: "json" })],
    [
      "gRPC-web text answers in text",
      "POST",
      { "content-type": "application/grpc-web-text" },
      "",
      { kind: "grpc-web", text: true, responseText: true, codec: "proto" },
    ],
    [
      "gRPC-web binary asking for a text answer",
      "POST",
      { "content-type": "application/grpc-web+proto", accept: "application/grpc-web-text" },
      "",
      { kind: "grpc-web", text: false, responseText: true, codec: "proto" },
    ],
    ["Connect unary proto", "POST", { "content-type": "application/proto" }, "", { kind: "connect-unary", get: false, codec: "proto" }],
    ["Connect unary JSON", "POST", { "content-type": "application/json" }, "", { kind: "connect-unary", get: false, codec: "json" }],
    ["Connect stream proto", "POST", { "content-type": "application/connect+proto" }, "", { kind: "connect-stream", codec: "proto" }],
    ["Connect stream JSON", "POST", { "content-type": "application/connect+json" }, "", { kind: "connect-stream", codec: "json" }],
    ["Connect GET", "GET", {}, "?connect=v1&encoding=proto&message=AA", { kind: "connect-unary", get: true, codec: "proto" }],
    ["Connect GET without connect=v1", "GET", {}, "?encoding=json&message=%7B%7D", { kind: "connect-unary", get: true, codec: "json" }],
    ["Connect GET in an unknown encoding", "GET", {}, "?connect=v1&encoding=xml&message=AA", unknown("connect", 'encoding "xml"')],
    ["GET that is no Connect call", "GET", { "content-type": "application/grpc-web" }, "", unknown("grpc-web", "HTTP method GET")],
    ["native gRPC", "POST", { "content-type": "application/grpc" }, "", { kind: "grpc" }],
    ["native gRPC with a codec and parameters", "POST", { "content-type": "application/grpc+proto; charset=utf-8" }, "", { kind: "grpc" }],
    [
      "gRPC-web in an unknown codec",
      "POST",
      { "content-type": "application/grpc-web+xml" },
      "",
      unknown("grpc-web", "application/grpc-web+xml"),
    ],
    ["another content type", "POST", { "content-type": "text/html" }, "", unknown("connect", '"text/html"')],
    ["no content type", "POST", {}, "", unknown("connect", 'content type ""')],
  ])("%s", (_, method, headers, query, expected) => {
    expect(detectProtocol(method, new Headers(headers), new URL(url + query))).toEqual(expected);
  });
});

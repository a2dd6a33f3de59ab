import { expect, test } from "vitest";
import { formatConnectTimeout, formatGrpcTimeout, parseDeadline } from "./deadline.ts";
import type { ClientProtocol } from "./detect.ts";

const grpcWeb: ClientProtocol = { kind: "grpc-web", text: false, responseText: false, codec: "proto" };
const connect: ClientProtocol = { kind: "connect-unary", get: false, codec: "proto" };

test("grpc-timeout: units, 8-digit limit (docs/edge.md)", () => {
  expect(parseDeadline(grpcWeb, new Headers({ "grpc-timeout": "1S" }), 0).at).toBe(1000);
  expect(parseDeadline(grpcWeb, new Headers({ "grpc-timeout": "123456789m" }), 0).error?.code).toBe(3);
  expect(parseDeadline(grpcWeb, new Headers(), 0)).toEqual({});
});

test("connect-timeout-ms: 10-digit limit", () => {
  expect(parseDeadline(connect, new Headers({ "connect-timeout-ms": "250" }), 100).at).toBe(350);
  expect(parseDeadline(connect, new Headers({ "connect-timeout-ms": "12345678901" }), 0).error?.code).toBe(3);
});

test("remaining budget is rounded up, never 0, and fits 8 digits", () => {
  expect(formatGrpcTimeout(0.2)).toBe("1m");
  expect(formatGrpcTimeout(1500)).toBe("1500m");
  expect(formatGrpcTimeout(200_000_000)).toBe("200000S");
  expect(formatConnectTimeout(-5)).toBe("1");
});

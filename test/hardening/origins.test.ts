/**
 * Origins that fail: each failure ends in a status in the caller's
 * protocol, within milliseconds, and a stream that already delivered messages keeps them.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CountRequestSchema, EchoRequestSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { frame, parseFrames, parseTrailer } from "../harness/wire.ts";
import { demoClient } from "../worker/setup.ts";
import { caseHeader, demoService } from "./fixture.ts";
import { startHardeningEnv, type HardeningEnv } from "./env.ts";

let env: HardeningEnv;
beforeAll(async () => {
  env = await startHardeningEnv();
});
afterAll(async () => {
  await env?.close();
});

const countBody = frame(0, toBinary(CountRequestSchema, create(CountRequestSchema, { count: 3 })));

/** A gRPC-web Count call: the data frames' count and the final status, from headers or trailer. */
async function grpcWeb(mode: string, headers: Record<string, string> = {}, path = "Count") {
  const start = performance.now();
  const res = await fetch(`${env.worker.url}/${demoService}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", [caseHeader]: mode, ...headers },
    body: countBody,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const frames = parseFrames(bytes);
  const trailer = frames.at(-1)?.flags === 0x80 ? parseTrailer(frames.at(-1)!.data) : {};
  return {
    http: res.status,
    contentType: res.headers.get("content-type"),
    messages: frames.filter((f) => f.flags === 0).length,
    status: res.headers.get("grpc-status") ?? trailer["grpc-status"],
    message: decodeURIComponent(res.headers.get("grpc-message") ?? trailer["grpc-message"] ?? ""),
    ms: performance.now() - start,
  };
}

describe("failing origins, gRPC-web", () => {
  test("refused connection → UNAVAILABLE, quickly", async () => {
    const r = await grpcWeb("refused");
    expect([r.http, r.status]).toEqual([200, "14"]);
    expect(r.ms).toBeLessThan(1000);
  });
  test("reset mid-stream → the delivered message is kept, then UNAVAILABLE", async () => {
    const r = await grpcWeb("reset-mid");
    expect([r.messages, r.status]).toEqual([1, "14"]);
  });
  test("stalls before headers, no client deadline → UNAVAILABLE after ORIGIN_HEADERS_TIMEOUT_MS", async () => {
    const r = await grpcWeb("stall-headers");
    expect(r.status).toBe("14");
    expect(r.message).toBe("origin sent no response headers in 400 ms");
    expect(r.ms).toBeLessThan(2000);
  });
  test("stalls before headers, with a client deadline → DEADLINE_EXCEEDED", async () => {
    const r = await grpcWeb("stall-headers-deadline", { "grpc-timeout": "150m" });
    expect(r.status).toBe("4");
    expect(r.ms).toBeLessThan(380);
  });
  test("stalls mid-stream → message kept, UNAVAILABLE after STREAM_IDLE_TIMEOUT_MS", async () => {
    const r = await grpcWeb("stall-mid");
    expect([r.messages, r.status]).toEqual([1, "14"]);
    expect(r.message).toContain("idle for 400 ms");
    expect(r.ms).toBeLessThan(2000);
  });
  test("stalls mid-stream with a client deadline → message kept, DEADLINE_EXCEEDED", async () => {
    const r = await grpcWeb("stall-mid", { "grpc-timeout": "150m" });
    expect([r.messages, r.status]).toEqual([1, "4"]);
  });
  test.each([
    ["html503", "14"],
    ["html500", "2"],
  ])("HTML answer (%s) → status from the HTTP mapping (%s), never the page", async (mode, status) => {
    const r = await grpcWeb(mode);
    expect([r.http, r.status, r.contentType]).toEqual([200, status, "application/grpc-web+proto"]);
    expect(r.message).not.toContain("<html>");
    expect(r.message).not.toContain("10.0.0.7");
  });
  test.each([
    ["garbage-trailer", "malformed trailer"],
    ["no-status-trailer", "missing status"],
    ["nan-status-trailer", "invalid grpc-status"],
  ])("malformed trailer (%s) → message kept, INTERNAL", async (mode, text) => {
    const r = await grpcWeb(mode);
    expect([r.messages, r.status]).toEqual([1, "13"]);
    expect(r.message).toContain(text);
  });
  test("non-numeric grpc-status in a trailers-only answer → INTERNAL", async () => {
    const r = await grpcWeb("nan-status-header");
    expect(r.status).toBe("13");
  });
});

describe("failing origins through the connect-es clients", () => {
  const kinds = ["grpc-web (node)", "connect (node)"] as const;
  const codeOf = async (p: Promise<unknown>): Promise<ConnectError> => {
    try {
      await p;
    } catch (e) {
      return ConnectError.from(e);
    }
    throw new Error("call succeeded");
  };
  test.each(kinds)("%s: refused connection → UNAVAILABLE, message names no address", async (kind) => {
    const err = await codeOf(demoClient(env.worker.url, kind).echo({}, { headers: { [caseHeader]: "refused" } }));
    expect(err.code).toBe(Code.Unavailable);
    const port = new URL(env.refused).port;
    expect(err.rawMessage).not.toContain(port);
    expect(err.rawMessage).not.toContain("127.0.0.1");
  });
  test.each(kinds)("%s: stalled origin, no deadline → UNAVAILABLE", async (kind) => {
    const err = await codeOf(demoClient(env.worker.url, kind).echo({}, { headers: { [caseHeader]: "stall-headers" } }));
    expect(err.code).toBe(Code.Unavailable);
  });
  test("Connect unary: the request timeout annotation → DEADLINE_EXCEEDED", async () => {
    const start = performance.now();
    const err = await codeOf(demoClient(env.worker.url, "connect (node)").echo({ delayMs: 3000 }, { headers: { [caseHeader]: "timed" } }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(performance.now() - start).toBeLessThan(1500);
  });
});

test("gRPC-web Echo body for reference stays valid", () => {
  expect(frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, {}))).length).toBe(5);
});

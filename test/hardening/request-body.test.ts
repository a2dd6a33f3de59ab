/**
 * Request bodies that stop short, stall, or carry frames they cannot: each call is answered
 * in the caller's protocol, on time, with the reason, through workerd against a real
 * connect-node origin, by a node:http client that writes part of a body and then waits,
 * half-closes the connection, or ends a chunked body.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoRequestSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { envelope, refusingOriginUrl } from "../harness/failing-origins.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { parseFrames } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { grpcWebAnswer, partialRequest, type PartialRequest } from "../support/raw-http.ts";
import { caseHeader, demoService, hardeningTable } from "./fixture.ts";

/** A stalled body with no deadline is given up on after STREAM_IDLE_TIMEOUT_MS. */
const idleMs = 800;

let origin: RunningOrigin;
let worker: RunningWorker;
/** The access log's lines (one JSON object per call). */
const logLines: string[] = [];
beforeAll(async () => {
  origin = await startOrigin("alpha");
  const refused = await refusingOriginUrl();
  const table = hardeningTable({
    r: {
      cases: {
        direct: { backends: [{ name: "alpha", url: origin.url }] },
        // The same origin named as Connect-only: a gRPC-web call to it is translated.
        translated: { backends: [{ name: "alpha-connect", url: origin.url, protocol: "connect" }] },
        refused: { backends: [{ name: "refused", url: refused }] },
      },
    },
    timed: {
      annotations: { "timeout.linkerd.io/request": "400ms" },
      cases: { timed: { backends: [{ name: "alpha", url: origin.url }] } },
    },
  });
  worker = await startWorker(table, {
    vars: { STREAM_IDLE_TIMEOUT_MS: String(idleMs), ORIGIN_HEADERS_TIMEOUT_MS: "3000" },
    onLogLine: (line, stream) => void (stream === "stdout" && line.startsWith('{"v":1') && logLines.push(line)),
  });
});
afterAll(async () => {
  await worker?.dispose();
  await origin?.close();
});

const echo = `/${demoService}/Echo`;
const count = `/${demoService}/Count`;
const message = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "hello" }));
const grpcWeb = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
const connectStream = { "content-type": "application/connect+proto", "connect-protocol-version": "1" };

const send = (r: Omit<PartialRequest, "path"> & { path?: string }, route = "direct") =>
  partialRequest(worker.url, { path: echo, ...r, headers: { [caseHeader]: route, ...r.headers } });
const connectEndStream = (body: Uint8Array): { code?: string; message?: string } | undefined => {
  const last = parseFrames(body).at(-1);
  return last === undefined ? undefined : JSON.parse(new TextDecoder().decode(last.data)).error;
};
/** The envelope header and the first bytes of a message promised to be `promised` bytes long. */
const cutEnvelope = (promised: number, sent: number) => envelope(0, new Uint8Array(sent), promised);
const reached = async (f: () => Promise<unknown>): Promise<number> => {
  const before = origin.calls.length;
  await f();
  return origin.calls.length - before;
};

describe("a small body that stalls (the edge reads it whole)", () => {
  const stalled = { sent: new Uint8Array(6), declared: 100, after: "wait" } as const;

  test("gRPC-web, grpc-timeout 1S: DEADLINE_EXCEEDED at the deadline", async () => {
    let ms = 0;
    const n = await reached(async () => {
      const res = await send({ ...stalled, headers: { ...grpcWeb, "grpc-timeout": "1S" } });
      ms = res.ms;
      expect(grpcWebAnswer(res)).toMatchObject({ httpStatus: 200, grpcStatus: "4" });
    });
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2500);
    expect(n).toBe(0);
  });

  test("Connect unary, connect-timeout-ms 1000: deadline_exceeded at the deadline", async () => {
    const res = await send({ ...stalled, headers: { "content-type": "application/proto", "connect-timeout-ms": "1000" } });
    expect(res.ms).toBeLessThan(2500);
    expect([res.status, JSON.parse(res.body.toString()).code]).toEqual([504, "deadline_exceeded"]);
  });

  test("Connect stream, connect-timeout-ms 1000: deadline_exceeded in the end-stream frame", async () => {
    const res = await send({ ...stalled, path: count, headers: { ...connectStream, "connect-timeout-ms": "1000" } });
    expect(res.ms).toBeLessThan(2500);
    expect(connectEndStream(res.body)?.code).toBe("deadline_exceeded");
  });

  test("the route's timeout.linkerd.io/request is the deadline when the client sets none", async () => {
    const res = await send({ ...stalled, headers: grpcWeb }, "timed");
    expect(grpcWebAnswer(res)).toMatchObject({ grpcStatus: "4", grpcMessage: "deadline exceeded at the edge" });
    expect(res.ms).toBeGreaterThanOrEqual(350);
    expect(res.ms).toBeLessThan(idleMs);
  });

  test("no deadline: given up after STREAM_IDLE_TIMEOUT_MS without a byte, never forwarded", async () => {
    let answer: ReturnType<typeof grpcWebAnswer> | undefined;
    let ms = 0;
    const n = await reached(async () => {
      const res = await send({ ...stalled, headers: grpcWeb });
      ms = res.ms;
      answer = grpcWebAnswer(res);
    });
    expect(answer).toMatchObject({ grpcStatus: "4", grpcMessage: expect.stringContaining("request body stalled") });
    expect(ms).toBeGreaterThanOrEqual(idleMs - 100);
    expect(ms).toBeLessThan(idleMs + 2000);
    expect(n).toBe(0);
  });
});

describe("a body that ends inside an envelope, the client half-closed", () => {
  test("gRPC-web, small Content-Length: INTERNAL naming the missing bytes, origin not called", async () => {
    let answer: ReturnType<typeof grpcWebAnswer> | undefined;
    const n = await reached(async () => {
      answer = grpcWebAnswer(await send({ sent: cutEnvelope(95, 10), declared: 100, after: "half-close", headers: grpcWeb }));
    });
    expect(answer).toMatchObject({ grpcStatus: "13", grpcMessage: expect.stringContaining("promised 85 more bytes") });
    expect(n).toBe(0);
  });

  test("Connect stream, small Content-Length: invalid_argument naming the missing bytes", async () => {
    const res = await send({ path: count, sent: cutEnvelope(95, 10), declared: 100, after: "half-close", headers: connectStream });
    expect(connectEndStream(res.body)).toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("promised 85 more bytes"),
    });
  });

  test("gRPC-web, Content-Length over 64 KiB (streamed): INTERNAL naming the missing bytes", async () => {
    const res = await send({ sent: cutEnvelope(100_000, 1000), declared: 100_005, after: "half-close", headers: grpcWeb });
    expect(grpcWebAnswer(res)).toMatchObject({ grpcStatus: "13", grpcMessage: expect.stringContaining("promised 99000 more bytes") });
  });

  test("Connect stream, no Content-Length (streamed, chunked cut off): invalid_argument naming the missing bytes", async () => {
    const res = await send({ path: count, sent: cutEnvelope(100_000, 1000), after: "half-close", headers: connectStream });
    expect(connectEndStream(res.body)).toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("promised 99000 more bytes"),
    });
  });

  test("gRPC-web, chunked body cut off mid-envelope: INTERNAL naming the missing bytes", async () => {
    const res = await send({ sent: cutEnvelope(200, 20), after: "half-close", headers: grpcWeb });
    expect(grpcWebAnswer(res)).toMatchObject({ grpcStatus: "13", grpcMessage: expect.stringContaining("promised 180 more bytes") });
  });
});

describe("a frame flagged compressed without a message encoding (gRPC: a protocol error)", () => {
  const compressed = envelope(1, message);
  test.each(["direct", "translated"])("gRPC-web, %s: INTERNAL, origin not called", async (route) => {
    let answer: ReturnType<typeof grpcWebAnswer> | undefined;
    const n = await reached(async () => {
      answer = grpcWebAnswer(await send({ sent: compressed, declared: compressed.length, after: "end", headers: grpcWeb }, route));
    });
    expect(answer).toMatchObject({ grpcStatus: "13", grpcMessage: expect.stringContaining("compressed flag set without grpc-encoding") });
    expect(n).toBe(0);
  });

  test("gRPC-web, streamed (chunked): INTERNAL, origin not called", async () => {
    let answer: ReturnType<typeof grpcWebAnswer> | undefined;
    const n = await reached(async () => {
      answer = grpcWebAnswer(await send({ sent: compressed, after: "end", headers: grpcWeb }));
    });
    expect(answer).toMatchObject({ grpcStatus: "13", grpcMessage: expect.stringContaining("compressed flag set without grpc-encoding") });
    expect(n).toBe(0);
  });

  test("Connect stream: internal, naming connect-content-encoding", async () => {
    const res = await send({ path: count, sent: compressed, declared: compressed.length, after: "end", headers: connectStream });
    expect(connectEndStream(res.body)).toMatchObject({
      code: "internal",
      message: expect.stringContaining("compressed flag set without connect-content-encoding"),
    });
  });

  test("uncompressed frames still pass on both paths", async () => {
    const plain = envelope(0, message);
    for (const route of ["direct", "translated"]) {
      const res = await send({ sent: plain, declared: plain.length, after: "end", headers: grpcWeb }, route);
      expect(grpcWebAnswer(res).grpcStatus).toBe("0");
    }
  });
});

describe("a Connect unary body over 64 KiB goes to fetch() as the client's own stream", () => {
  const big = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "x".repeat(100_000) }));
  const post = (route: string) =>
    fetch(`${worker.url}${echo}`, { method: "POST", headers: { "content-type": "application/proto", [caseHeader]: route }, body: big });

  test("answered by the origin, the whole body delivered", async () => {
    const res = await post("direct");
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  test("an origin that refuses: unavailable, and the client hears it", async () => {
    const res = await post("refused");
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([503, "unavailable"]);
  });
});

describe("what the access log counts of a request body, on each path", () => {
  /** The access-log record of the call that answered `res`. */
  const recordOf = async (res: Response): Promise<Record<string, unknown>> => {
    await res.arrayBuffer();
    const id = res.headers.get("x-request-id");
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && record === undefined; i++) {
      record = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.request_id === id);
      if (record === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    return record ?? {};
  };
  const streamed = (chunks: Uint8Array[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    });
  const call = (headers: Record<string, string>, body: BodyInit) =>
    fetch(`${worker.url}${count}`, {
      method: "POST",
      headers: { [caseHeader]: "direct", ...headers },
      body,
      duplex: "half",
    } as RequestInit);
  const three = [envelope(0, new Uint8Array(10)), envelope(0, new Uint8Array(70_000)), envelope(0, new Uint8Array(0))];
  const total = 15 + 70_010;

  test("streamed, in chunks that split envelopes: every byte and envelope", async () => {
    const joined = Buffer.concat(three);
    const chunks = [joined.subarray(0, 3), joined.subarray(3, 40_000), joined.subarray(40_000)];
    const r = await recordOf(await call(grpcWeb, streamed(chunks)));
    expect([r.request_bytes, r.request_messages]).toEqual([total, 3]);
  });

  test("streamed gRPC-web text: the decoded bytes", async () => {
    const text = new TextEncoder().encode(three.map((e) => btoa(String.fromCharCode(...e))).join(""));
    const r = await recordOf(
      await call({ ...grpcWeb, "content-type": "application/grpc-web-text" }, streamed([text.subarray(0, 7), text.subarray(7)])),
    );
    expect([r.request_bytes, r.request_messages]).toEqual([total, 3]);
  });

  test("whole (small, Content-Length): the bytes as sent and the envelopes", async () => {
    const body = Buffer.concat([envelope(0, new Uint8Array(10)), envelope(0, new Uint8Array(0))]);
    const r = await recordOf(await call(grpcWeb, body));
    expect([r.request_bytes, r.request_messages]).toEqual([20, 2]);
  });

  test("the client's own stream (Connect unary over 64 KiB): its Content-Length, one message", async () => {
    const big = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "y".repeat(80_000) }));
    const res = await fetch(`${worker.url}${echo}`, {
      method: "POST",
      headers: { "content-type": "application/proto", [caseHeader]: "direct" },
      body: big,
    });
    expect(res.status).toBe(200);
    const r = await recordOf(res);
    expect([r.request_bytes, r.request_messages]).toEqual([big.length, 1]);
  });
});

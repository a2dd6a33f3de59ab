/**
 * Bad requests: each gets its status in the caller's protocol at once,
 * reaches no origin it should not, and never an HTML 500.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoRequestSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { envelope, rawRequest, startScriptedOrigin } from "../harness/failing-origins.ts";
import { grpcWebCall } from "../support/raw-http.ts";
import { parseFrames } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { caseHeader, demoService, hardeningTable } from "./fixture.ts";
import { startHardeningEnv, type HardeningEnv } from "./env.ts";

let env: HardeningEnv;
beforeAll(async () => {
  env = await startHardeningEnv();
});
afterAll(async () => {
  await env?.close();
});

const echo = `/${demoService}/Echo`;
const echoMessage = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "x" }));
const post = (path: string, headers: Record<string, string>, body: BodyInit | null) =>
  fetch(`${env.worker.url}${path}`, { method: "POST", headers: { [caseHeader]: "alpha", ...headers }, body });
const grpcWebStatus = async (res: Response) => {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const last = bytes.length > 0 ? parseFrames(bytes).at(-1) : undefined;
  const trailer = last !== undefined ? new TextDecoder().decode(last.data) : "";
  return res.headers.get("grpc-status") ?? /grpc-status:\s*(\d+)/.exec(trailer)?.[1];
};
const connectStreamError = async (res: Response) => {
  const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
  return JSON.parse(new TextDecoder().decode(frames.at(-1)!.data)).error;
};
const alphaCalls = () => env.alpha.calls.length;

describe("content types", () => {
  test.each([["text/xml"], ["application/grpc-web+thrift"], [""]])("%j → in-protocol error, no origin reached", async (type) => {
    const before = alphaCalls();
    const res = await post(echo, type === "" ? {} : { "content-type": type }, new Uint8Array(envelope(0, echoMessage)));
    if (type.startsWith("application/grpc-web")) expect(res.headers.get("grpc-status")).toBe("2");
    else {
      expect(res.status).toBe(415);
      expect((await res.json()).code).toBe("unknown");
    }
    expect(alphaCalls()).toBe(before);
  });
});

describe("framing and sizes (MAX_MESSAGE_BYTES = 1024)", () => {
  test("gRPC-web: a length prefix larger than the body → INTERNAL", async () => {
    const res = await post(echo, { "content-type": "application/grpc-web+proto" }, envelope(0, echoMessage, 100));
    expect(await grpcWebStatus(res)).toBe("13");
    expect(decodeURIComponent(res.headers.get("grpc-message") ?? "")).toContain("promised");
  });
  test("Connect stream: truncated envelope → invalid_argument from the edge", async () => {
    const res = await post(`/${demoService}/Count`, { "content-type": "application/connect+proto" }, envelope(0, new Uint8Array(3), 50));
    expect(await connectStreamError(res)).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("promised") });
  });
  test("gRPC-web: a length prefix over the limit → RESOURCE_EXHAUSTED, origin not reached", async () => {
    const before = alphaCalls();
    const res = await post(echo, { "content-type": "application/grpc-web+proto" }, envelope(0, new Uint8Array(2048)));
    expect(await grpcWebStatus(res)).toBe("8");
    expect(alphaCalls()).toBe(before);
  });
  test("Connect stream: second message over the limit → resource_exhausted", async () => {
    const body = new Uint8Array([...envelope(0, new Uint8Array(10)), ...envelope(0, new Uint8Array(5000))]);
    const res = await post(`/${demoService}/Count`, { "content-type": "application/connect+proto" }, body);
    expect((await connectStreamError(res)).code).toBe("resource_exhausted");
  });
  test("Connect unary: Content-Length over the limit → 429 resource_exhausted, origin not reached", async () => {
    const before = alphaCalls();
    const res = await post(echo, { "content-type": "application/proto" }, new Uint8Array(4096));
    expect(res.status).toBe(429);
    expect((await res.json()).code).toBe("resource_exhausted");
    expect(alphaCalls()).toBe(before);
  });
  test("Connect unary: streamed body (no Content-Length) counted → resource_exhausted", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(512));
        c.close();
      },
    });
    const res = await fetch(`${env.worker.url}${echo}`, {
      method: "POST",
      headers: { "content-type": "application/proto", [caseHeader]: "alpha" },
      body,
      duplex: "half",
    } as RequestInit);
    expect((await res.json()).code).toBe("resource_exhausted");
  });
});

describe("Connect GET message", () => {
  test.each([
    ["missing", "connect=v1&encoding=proto"],
    ["bad base64", "connect=v1&encoding=proto&base64=1&message=!!!*"],
    ["bad percent-encoding", "connect=v1&encoding=json&message=%7B%ZZ"],
    ["not UTF-8", "connect=v1&encoding=json&message=%FF%FE"],
  ])("%s → 400 invalid_argument, origin not reached", async (_, query) => {
    const before = alphaCalls();
    const res = await fetch(`${env.worker.url}${echo}?${query}`, { headers: { [caseHeader]: "alpha" } });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("invalid_argument");
    expect(alphaCalls()).toBe(before);
  });
  test("unsupported encoding → 415 as the Connect protocol says", async () => {
    const res = await fetch(`${env.worker.url}${echo}?connect=v1&encoding=xml&message=x`);
    expect(res.status).toBe(415);
  });
});

describe("paths, headers, hosts", () => {
  test.each([
    `/${demoService}%2FEcho`,
    `//${demoService}/Echo`,
    `/${demoService}//Echo`,
    `/${demoService}/Echo/extra`,
    `/${"a".repeat(3000)}/Echo`,
  ])("%s → UNIMPLEMENTED, no origin reached", async (path) => {
    const before = alphaCalls();
    const r = await grpcWebCall(env.worker.url, "any.example", path, { [caseHeader]: "alpha" });
    expect(r.grpcStatus).toBe("12");
    expect(alphaCalls()).toBe(before);
  });
  test("dot segments are resolved by the URL parser before routing: the origin sees the clean path", async () => {
    const before = alphaCalls();
    const r = await grpcWebCall(env.worker.url, "any.example", `/x/../${demoService}/Echo`, { [caseHeader]: "alpha" });
    expect(r.grpcStatus).toBe("0");
    expect(env.alpha.calls.slice(before).map((c) => c.procedure)).toEqual([echo]);
  });
  test("a header value with a control character → INVALID_ARGUMENT, no origin reached", async () => {
    const before = alphaCalls();
    const r = await rawRequest(
      env.worker.url,
      `POST ${echo} HTTP/1.1\r\nhost: a\r\ncontent-type: application/grpc-web+proto\r\n${caseHeader}: alpha\r\nx-bad: a\x01b\r\ncontent-length: 5`,
      new Uint8Array(5),
    );
    expect([r.status, r.headers["grpc-status"]]).toEqual([200, "3"]);
    expect(alphaCalls()).toBe(before);
  });
  test("repeated headers are joined: two content types are unknown, two deadlines malformed", async () => {
    const type = await rawRequest(
      env.worker.url,
      `POST ${echo} HTTP/1.1\r\nhost: a\r\ncontent-type: application/proto\r\ncontent-type: application/json\r\ncontent-length: 0`,
    );
    expect(type.status).toBe(415);
    const timeout = await rawRequest(
      env.worker.url,
      `POST ${echo} HTTP/1.1\r\nhost: a\r\ncontent-type: application/grpc-web+proto\r\ngrpc-timeout: 1S\r\ngrpc-timeout: 2S\r\n${caseHeader}: alpha\r\ncontent-length: 5`,
      new Uint8Array(5),
    );
    expect(timeout.headers["grpc-status"]).toBe("3");
  });
  test("a huge header: workerd refuses past its limit (431), below it the answer is in protocol", async () => {
    const big = await rawRequest(
      env.worker.url,
      `POST ${echo} HTTP/1.1\r\nhost: a\r\ncontent-type: application/grpc-web+proto\r\nx-big: ${"a".repeat(200_000)}\r\ncontent-length: 5`,
      new Uint8Array(5),
    );
    expect(big.status).toBe(431);
    const r = await grpcWebCall(env.worker.url, "a", echo, { [caseHeader]: "alpha", "x-big": "b".repeat(32_000) });
    expect(r.httpStatus).toBe(200);
    expect(r.grpcStatus).toMatch(/^\d+$/);
  });
  test.each(["API.Example.COM", "api.example.com:8443", "api.example.com.", "Api.Example.Com.:443"])(
    "host %s routes as api.example.com",
    async (host) => {
      const before = env.beta.calls.length;
      const r = await grpcWebCall(env.worker.url, host, echo, { [caseHeader]: "host" });
      expect(r.grpcStatus).toBe("0");
      expect(env.beta.calls.length).toBe(before + 1);
    },
  );
  test("HTTP/1.0 without Host never reaches the Worker: the runtime answers 400", async () => {
    const r = await rawRequest(
      env.worker.url,
      `POST ${echo} HTTP/1.0\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 5`,
      new Uint8Array(5),
    );
    expect(r.status).toBe(400);
  });
});

describe("misconfigured vars answer in protocol, never throw", () => {
  let worker: RunningWorker;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const origin = await startScriptedOrigin((_q, s) => s.end());
    close = origin.close;
    worker = await startWorker(hardeningTable({ r: { cases: { alpha: { backends: [{ name: "o", url: origin.url }] } } } }), {
      vars: { ORIGINS: "{not json", ALLOWED_ORIGINS: "https://app.example.com" },
    });
  });
  afterAll(async () => {
    await worker?.dispose();
    await close?.();
  });
  test("gRPC-web → INTERNAL naming ORIGINS", async () => {
    const r = await grpcWebCall(worker.url, "a", echo, { [caseHeader]: "alpha" });
    expect(r.grpcStatus).toBe("13");
    expect(decodeURIComponent(r.grpcMessage ?? "")).toContain("ORIGINS");
  });
  test("Connect → 500 internal naming ORIGINS", async () => {
    const res = await fetch(`${worker.url}${echo}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "internal", message: expect.stringContaining("ORIGINS") });
  });
});

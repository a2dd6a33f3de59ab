/**
 * The response relay in workerd against scripted origins: what the client sees in the exact
 * prefix, once the rest is piped natively, and on routes that ask for the exact relay
 * (`grpcroute-edge.dev/relay: exact`); connections reused; length prefixes never trusted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { envelope, trailerFrameOf } from "../harness/failing-origins.ts";
import { parseFrames, parseTrailer } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { caseHeader, demoService, hardeningTable } from "./fixture.ts";

const ok = trailerFrameOf("grpc-status: 0\r\n");
const grpcWeb = { "content-type": "application/grpc-web+proto" };
const connectStream = { "content-type": "application/connect+proto" };
const KiB = 1024;
/** 32 MiB in 32 KiB messages: more than loopback sockets and workerd buffer, so a client that stops reading holds the relay up. */
const streamMessages = 1024;

/** A data envelope of `size` bytes of `fill`. */
const message = (size: number, fill = 0x61): Uint8Array => envelope(0, new Uint8Array(size).fill(fill));

interface Origin {
  url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** `endless` answers still being written. */
let endlessOpen = 0;

/** Releases a stalled origin answer (the `hold` cases wait for it). */
let release: () => void = () => undefined;

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.on("data", () => undefined);
  const mode = String(req.headers[caseHeader] ?? "");
  switch (mode) {
    case "unary":
      // Message and trailer in one write, as proxies that coalesce them send it.
      res.writeHead(200, grpcWeb);
      return void res.end(Buffer.concat([message(100), ok]));
    case "big-message":
    case "big-message-exact": {
      // One 1 MiB message: half of it, then nothing until the test has seen bytes arrive.
      const whole = message(1024 * KiB);
      res.writeHead(200, grpcWeb);
      res.write(whole.subarray(0, 512 * KiB));
      release = () => res.end(Buffer.concat([whole.subarray(512 * KiB), ok]));
      return;
    }
    case "endless": {
      // Streams until the edge lets go of it.
      endlessOpen++;
      res.writeHead(200, grpcWeb);
      const pump = (): void => {
        while (!res.destroyed && res.write(message(32 * KiB)));
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => endlessOpen--);
      return pump();
    }
    case "length-bomb":
      res.writeHead(200, grpcWeb);
      res.write(message(10));
      // A trailer claiming 4 GiB: the edge must not allocate it.
      return void res.write(new Uint8Array([0x80, 0xff, 0xff, 0xff, 0xff, 0x67]));
    case "data-bomb":
      // A message claiming 4 GiB, on a path that translates (and so holds each message).
      res.writeHead(200, grpcWeb);
      return void res.write(new Uint8Array([0x00, 0xff, 0xff, 0xff, 0xff, 0x67]));
    case "length-bomb-connect":
      res.writeHead(200, connectStream);
      res.write(message(10));
      return void res.write(new Uint8Array([0x02, 0xff, 0xff, 0xff, 0xff, 0x7b]));
    case "fast-stream":
    case "fast-stream-exact": {
      res.writeHead(200, grpcWeb);
      for (let i = 0; i < streamMessages; i++) res.write(message(32 * KiB, 0x61 + (i % 26)));
      return void res.end(ok);
    }
    case "reset-after-prefix":
    case "reset-after-prefix-exact":
      res.writeHead(200, grpcWeb);
      for (let i = 0; i < 8; i++) res.write(message(32 * KiB));
      // Half a message, then the connection dies.
      res.write(message(32 * KiB).subarray(0, 10 * KiB));
      return void setTimeout(() => res.socket?.destroy(), 50);
    default:
      res.writeHead(404);
      res.end();
  }
}

async function startCountingOrigin(): Promise<Origin> {
  let connections = 0;
  const server: Server = createServer(answer);
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let origin: Origin;
let worker: RunningWorker;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  origin = await startCountingOrigin();
  const cases = (names: string[]) => Object.fromEntries(names.map((n) => [n, { backends: [{ name: "scripted", url: origin.url }] }]));
  const translated = { "data-bomb": { backends: [{ name: "grpc-web-only", url: origin.url, protocol: "grpc-web" as const }] } };
  const table = hardeningTable({
    translated: { cases: translated },
    native: {
      cases: cases(["unary", "endless", "big-message", "length-bomb", "length-bomb-connect", "fast-stream", "reset-after-prefix"]),
    },
    exact: {
      annotations: { "grpcroute-edge.dev/relay": "exact" },
      cases: cases(["big-message-exact", "fast-stream-exact", "reset-after-prefix-exact"]),
    },
  });
  worker = await startWorker(table, {
    vars: { MAX_MESSAGE_BYTES: String(256 * KiB), STREAM_IDLE_TIMEOUT_MS: "400" },
    onLogLine: (line, stream) => {
      if (stream === "stdout" && line.startsWith('{"v":1,')) logLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
});
afterAll(async () => {
  await worker?.dispose();
  await origin?.close();
});

function call(mode: string, headers: Record<string, string> = grpcWeb): Promise<Response> {
  return fetch(`${worker.url}/${demoService}/Count`, {
    method: "POST",
    headers: { ...headers, [caseHeader]: mode, "x-request-id": `${mode}-${Math.random()}` },
    body: envelope(0, new Uint8Array(0)),
  });
}

/** The final status a gRPC-web body ends with: from its trailer frame, or undefined (also when it ends mid-frame). */
function trailerStatus(body: Uint8Array): string | undefined {
  let frames: ReturnType<typeof parseFrames>;
  try {
    frames = parseFrames(body);
  } catch {
    return undefined;
  }
  const last = frames.at(-1);
  return last?.flags === 0x80 ? parseTrailer(last.data)["grpc-status"] : undefined;
}

/** The access-log line of the call with `requestId`, once written. */
async function logOf(requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const line = logLines.find((l) => l.request_id === requestId);
    if (line !== undefined) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access-log line for ${requestId}`);
}

describe("the whole answer in the first reads", () => {
  test("goes out as one buffer with a Content-Length, status 0", async () => {
    const res = await call("unary");
    expect(res.headers.get("content-length")).toBe(String(105 + ok.length));
    expect(trailerStatus(new Uint8Array(await res.arrayBuffer()))).toBe("0");
  });

  test("the origin's connection is reused: far fewer connections than calls", async () => {
    const before = origin.connections();
    const calls = 60;
    const concurrency = 4;
    for (let i = 0; i < calls; i += concurrency) {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          const res = await call("unary");
          expect(trailerStatus(new Uint8Array(await res.arrayBuffer()))).toBe("0");
        }),
      );
    }
    // Read to its end, the origin's body frees the connection for the next call.
    expect(origin.connections() - before).toBeLessThanOrEqual(2 * concurrency);
  });
});

describe("a length prefix is never trusted for an allocation", () => {
  test.each([
    ["length-bomb", grpcWeb],
    ["length-bomb-connect", { ...connectStream, "connect-protocol-version": "1" }],
  ])("%s: a final envelope declaring 4 GiB → INTERNAL at once, the message before it kept", async (mode, headers) => {
    const start = performance.now();
    const res = await call(mode, headers);
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    expect(frames[0]).toMatchObject({ flags: 0 });
    expect(frames[0]!.data.length).toBe(10);
    const last = frames.at(-1)!;
    const text = new TextDecoder().decode(last.data);
    if (mode === "length-bomb") expect(parseTrailer(last.data)["grpc-status"]).toBe("13");
    else expect(JSON.parse(text)).toMatchObject({ error: { code: "internal" } });
    expect(text).toContain("16384");
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("translated calls hold one message at a time, never a declared length", () => {
  test.each([
    ["Connect stream", { ...connectStream, "connect-protocol-version": "1" }],
    ["Connect unary", { "content-type": "application/proto", "connect-protocol-version": "1" }],
  ])("%s client, gRPC-web origin declaring a 4 GiB message → RESOURCE_EXHAUSTED at once", async (_, headers) => {
    const start = performance.now();
    const res = await call("data-bomb", headers);
    const body = new Uint8Array(await res.arrayBuffer());
    const unary = headers["content-type"] === "application/proto";
    const text = new TextDecoder().decode(unary ? body : body.subarray(5));
    const error = unary ? JSON.parse(text) : JSON.parse(text).error;
    expect(error).toMatchObject({ code: "resource_exhausted" });
    expect(text).toContain("4294967295 bytes");
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("past the exact prefix, the rest is piped natively", () => {
  test("a large message reaches the client as it arrives, not held whole", async () => {
    const res = await call("big-message");
    const reader = res.body!.getReader();
    let got = 0;
    // Half of the message was sent; the rest only after the client has seen most of that half.
    while (got < 400 * KiB) {
      const next = await reader.read();
      if (next.done) throw new Error(`ended after ${got} bytes`);
      got += next.value.length;
    }
    release();
    const rest: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest.push(next.value);
    const total = got + rest.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(5 + 1024 * KiB + ok.length);
  });

  test("a fast stream arrives whole; the log says it was piped and knows no status", async () => {
    const res = await call("fast-stream");
    const id = res.headers.get("x-request-id")!;
    const body = new Uint8Array(await res.arrayBuffer());
    const frames = parseFrames(body);
    expect(frames.filter((f) => f.flags === 0)).toHaveLength(streamMessages);
    expect(frames[63]!.data[0]).toBe(0x61 + (63 % 26));
    expect(trailerStatus(body)).toBe("0");
    const line = await logOf(id);
    expect(line).toMatchObject({ relay: "piped", status_source: "origin" });
    expect(line.grpc_status).toBeUndefined();
  });

  test("a client that goes away mid-pipe is logged CANCELLED, and the origin is let go", async () => {
    const controller = new AbortController();
    const res = await fetch(`${worker.url}/${demoService}/Count`, {
      method: "POST",
      headers: { ...grpcWeb, [caseHeader]: "endless", "x-request-id": `endless-${Math.random()}` },
      body: envelope(0, new Uint8Array(0)),
      signal: controller.signal,
    });
    const id = res.headers.get("x-request-id")!;
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 1024 * KiB) got += (await reader.read()).value!.length;
    controller.abort();
    expect(await logOf(id)).toMatchObject({ grpc_status: "CANCELLED", status_source: "edge" });
    await expect.poll(() => endlessOpen, { timeout: 5000 }).toBe(0);
  });

  test("an origin that breaks mid-message ends the client's stream without a status (never a clean success); the log says UNAVAILABLE", async () => {
    const res = await call("reset-after-prefix");
    const id = res.headers.get("x-request-id")!;
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch {
      body = new Uint8Array(0);
    }
    expect(trailerStatus(body)).toBeUndefined();
    const line = await logOf(id);
    expect(line).toMatchObject({ relay: "piped", grpc_status: "UNAVAILABLE", status_source: "edge" });
  });
});

describe("grpcroute-edge.dev/relay: exact", () => {
  test("a break anywhere keeps every whole message and ends with UNAVAILABLE", async () => {
    const res = await call("reset-after-prefix-exact");
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    expect(frames.filter((f) => f.flags === 0)).toHaveLength(8);
    expect(parseTrailer(frames.at(-1)!.data)["grpc-status"]).toBe("14");
  });

  test("a message over MAX_MESSAGE_BYTES → RESOURCE_EXHAUSTED, not held", async () => {
    const res = await call("big-message-exact");
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    release();
    const trailer = parseTrailer(frames.at(-1)!.data);
    expect(trailer["grpc-status"]).toBe("8");
    expect(decodeURIComponent(trailer["grpc-message"]!)).toContain("MAX_MESSAGE_BYTES");
  });

  test("a client that stops reading longer than STREAM_IDLE_TIMEOUT_MS is not taken for an idle origin", async () => {
    const res = await call("fast-stream-exact");
    const id = res.headers.get("x-request-id")!;
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    chunks.push(first.value!);
    // Backpressure, not silence: the origin has more to send the whole time.
    await new Promise((r) => setTimeout(r, 1200));
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    const body = Buffer.concat(chunks);
    expect(parseFrames(body).filter((f) => f.flags === 0)).toHaveLength(streamMessages);
    expect(trailerStatus(body)).toBe("0");
    expect(await logOf(id)).toMatchObject({ grpc_status: "OK", response_messages: streamMessages });
  });
});

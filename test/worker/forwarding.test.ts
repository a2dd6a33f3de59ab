/**
 * Happy paths through the worker in workerd: every client protocol, unary and server
 * streaming (asserted incremental), text mode by hand, filters, mirrors, overrides.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CountRequestSchema,
  CountResponseSchema,
  EchoRequestSchema,
  EchoResponseSchema,
} from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { eventually } from "../harness/origins.ts";
import { decodeText, encodeText, frame, parseFrames, parseTrailer, readTimed, concat } from "../harness/wire.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { demoClient, startEnv, via, type ClientKind, type Env } from "./setup.ts";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

/** Content type the origin sees per client (connect-web defaults to JSON, GET has none). */
const unaryKinds: [ClientKind, RegExp][] = [
  ["grpc-web (web)", /^application\/grpc-web\+proto$/],
  ["grpc-web (node)", /^application\/grpc-web\+proto$/],
  ["connect (web)", /^application\/json$/],
  ["connect (node)", /^application\/proto$/],
  ["connect GET (web)", /^$/],
];
const streamKinds: ClientKind[] = ["grpc-web (web)", "grpc-web (node)", "connect (web)", "connect (node)"];

describe.each(unaryKinds)("unary via %s", (kind, expected) => {
  test("reaches the routed backend in the client's protocol", async () => {
    const res = await demoClient(env.worker.url, kind).echo({ message: "hello" });
    expect(res.message).toBe("hello");
    expect(res.backend).toBe("alpha");
    expect(res.contentType).toMatch(expected);
    expect(env.alpha.calls.at(-1)!.method).toBe(kind.includes("GET") ? "GET" : "POST");
  });
});

describe.each(streamKinds)("server streaming via %s", (kind) => {
  test("messages arrive one by one, as the origin sends them", async () => {
    const start = performance.now();
    const arrivals: { n: number; at: number }[] = [];
    for await (const m of demoClient(env.worker.url, kind).count({ count: 4, delayMs: 120 })) {
      arrivals.push({ n: m.number, at: performance.now() - start });
    }
    expect(arrivals.map((a) => a.n)).toEqual([1, 2, 3, 4]);
    // Buffered, all four would land together at the end; streamed, ~360 ms apart.
    expect(arrivals[3]!.at - arrivals[0]!.at).toBeGreaterThan(250);
  });
});

describe("gRPC-web text mode (by hand)", () => {
  const textType = "application/grpc-web-text";
  const echo = (message: string) => frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { message })));

  test("unary: text request decoded at the edge, text response with data and trailer frames", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": textType, accept: textType, "x-grpc-web": "1" },
      body: encodeText(echo("text mode")),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/grpc-web-text+proto");
    const frames = parseFrames(decodeText(await res.text()));
    expect(frames.map((f) => f.flags)).toEqual([0, 0x80]);
    const msg = fromBinary(EchoResponseSchema, frames[0]!.data);
    expect(msg.message).toBe("text mode");
    // The origin (connect-node refuses text) was called in binary.
    expect(msg.contentType).toBe("application/grpc-web+proto");
    expect(parseTrailer(frames[1]!.data)["grpc-status"]).toBe("0");
  });

  test("request with padding inside the stream (two flushes) decodes", async () => {
    const bytes = echo("padded");
    // Split the frame into two separately padded base64 groups, as flushing senders do.
    const body = encodeText(bytes.subarray(0, 4)) + encodeText(bytes.subarray(4));
    expect(body.slice(0, -1)).toContain("=");
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": textType },
      body,
    });
    const frames = parseFrames(decodeText(await res.text()));
    expect(fromBinary(EchoResponseSchema, frames[0]!.data).message).toBe("padded");
  });

  test("server streaming: each frame base64'd on its own and delivered incrementally", async () => {
    const start = performance.now();
    const res = await fetch(`${env.worker.url}/${demoService}/Count`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web-text+proto" },
      body: encodeText(frame(0, toBinary(CountRequestSchema, create(CountRequestSchema, { count: 3, delayMs: 150 })))),
    });
    const chunks = await readTimed(res.body, start);
    const text = new TextDecoder().decode(concat(chunks.map((c) => c.bytes)));
    const frames = parseFrames(decodeText(text));
    expect(frames.map((f) => f.flags)).toEqual([0, 0, 0, 0x80]);
    expect(frames.slice(0, 3).map((f) => fromBinary(CountResponseSchema, f.data).number)).toEqual([1, 2, 3]);
    // Every frame is its own padded base64 unit, so each chunk decodes alone.
    for (const c of chunks) expect(() => parseFrames(decodeText(new TextDecoder().decode(c.bytes)))).not.toThrow();
    expect(chunks.at(-1)!.at - chunks[0]!.at).toBeGreaterThan(200);
  });
});

describe("what the origin sees", () => {
  test("request header filters: set, add (comma-appended), remove", async () => {
    const res = await demoClient(env.worker.url, "grpc-web (web)").echo(
      { message: "f" },
      via("filtered", { "x-set": "client", "x-add": "client", "x-remove": "secret" }),
    );
    expect(res.headers["x-set"]).toBe("from-edge");
    expect(res.headers["x-add"]).toMatch(/^client, ?edge$/);
    expect(res.headers["x-remove"]).toBeUndefined();
  });

  test("response header filters reach the client", async () => {
    let seen: Headers | undefined;
    await demoClient(env.worker.url, "connect (web)").echo({ message: "r" }, { ...via("filtered"), onHeader: (h) => (seen = h) });
    expect(seen?.get("x-resp-set")).toBe("edge");
    expect(seen?.get("x-resp-add")).toBe("edge");
  });

  test("x-forwarded-* are the edge's, not the client's; grpc-accept-encoding defaults to identity", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil.example" },
      body: frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "x" }))),
    });
    const msg = fromBinary(EchoResponseSchema, parseFrames(new Uint8Array(await res.arrayBuffer()))[0]!.data);
    expect(msg.headers["x-forwarded-for"] ?? "").not.toContain("6.6.6.6");
    expect(msg.headers["x-forwarded-host"]).toBe(new URL(env.worker.url).host);
    expect(msg.headers["x-forwarded-proto"]).toBe("http");
    expect(msg.headers["grpc-accept-encoding"]).toBe("identity");
  });

  test("a client's grpc-accept-encoding is kept, not widened", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "grpc-accept-encoding": "gzip" },
      body: frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "x" }))),
    });
    const msg = fromBinary(EchoResponseSchema, parseFrames(new Uint8Array(await res.arrayBuffer()))[0]!.data);
    expect(msg.headers["grpc-accept-encoding"]).toBe("gzip");
  });

  test("the remaining deadline is forwarded", async () => {
    const res = await demoClient(env.worker.url, "grpc-web (web)").echo({ message: "t" }, { timeoutMs: 5000 });
    const forwarded = /^(\d+)m$/.exec(res.headers["grpc-timeout"] ?? "");
    expect(forwarded).not.toBeNull();
    expect(Number(forwarded![1])).toBeLessThanOrEqual(5000);
    expect(Number(forwarded![1])).toBeGreaterThan(3000);
    const connect = await demoClient(env.worker.url, "connect (web)").echo({ message: "t" }, { timeoutMs: 5000 });
    expect(Number(connect.headers["connect-timeout-ms"])).toBeLessThanOrEqual(5000);
  });
});

describe("mirrors and origin overrides", () => {
  test("a mirrored request reaches the mirror origin; the answer is the primary's", async () => {
    const before = env.beta.calls.length;
    const res = await demoClient(env.worker.url, "grpc-web (web)").echo({ message: "m" }, via("mirror"));
    expect(res.backend).toBe("alpha");
    expect(await eventually(() => env.beta.calls.length > before)).toBe(true);
    expect(env.beta.calls.at(-1)!.procedure).toBe(`/${demoService}/Echo`);
  });

  test("mirrored streaming request: both get the body", async () => {
    const before = env.beta.calls.length;
    const got: number[] = [];
    for await (const m of demoClient(env.worker.url, "connect (web)").count({ count: 2 }, via("mirror"))) got.push(m.number);
    expect(got).toEqual([1, 2]);
    expect(await eventually(() => env.beta.calls.length > before)).toBe(true);
  });

  test("ORIGINS: the most specific key (name.namespace:port) wins", async () => {
    const res = await demoClient(env.worker.url, "connect (web)").echo({ message: "o" }, via("override"));
    expect(res.backend).toBe("beta");
  });

  test("ORIGINS binding:NAME calls the service binding", async () => {
    const res = await demoClient(env.worker.url, "grpc-web (web)").echo({ message: "b" }, via("binding"));
    expect(res.backend).toBe("delta");
  });
});

/**
 * Every failure the edge must answer in the caller's protocol: no route, rule reject,
 * origin down / HTML / truncated, native gRPC, unknown content types, bad paths,
 * deadlines. gRPC-web errors are HTTP 200 with grpc-status; Connect unary errors are
 * JSON with Connect's HTTP status; Connect streaming ends in an end-stream frame.
 */
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CountRequestSchema, CountResponseSchema, EchoRequestSchema, FailRequestSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { concat, decodeText, encodeText, frame, parseFrames, parseTrailer, readTimed } from "../harness/wire.ts";
import { demoService, rejectMessage } from "../fixtures/demo-routes.ts";
import { demoClient, startEnv, via, type ClientKind, type Env } from "./setup.ts";

/**
 * The raw origin, answering in the request's protocol: `/…/Echo` gets one data frame and
 * no trailer; `/…/Count` a frame, then a connection reset.
 */
function rawOrigin(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const type = String(req.headers["content-type"]);
  const message = create(CountResponseSchema, { number: 7, backend: "raw" });
  res.writeHead(200, { "content-type": type });
  res.write(
    frame(
      0,
      type.endsWith("json") ? new TextEncoder().encode(toJsonString(CountResponseSchema, message)) : toBinary(CountResponseSchema, message),
    ),
  );
  if (req.url?.endsWith("/Count")) setTimeout(() => res.socket?.destroy(), 50);
  else res.end();
}

let env: Env;
beforeAll(async () => {
  env = await startEnv(rawOrigin);
});
afterAll(async () => {
  await env?.close();
});

async function codeOf(p: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: err.code, message: err.rawMessage };
  }
  throw new Error("call succeeded, expected an error");
}

const kinds: ClientKind[] = ["grpc-web (web)", "grpc-web (node)", "connect (web)", "connect (node)"];

describe.each(kinds)("errors through %s", (kind) => {
  const client = () => demoClient(env.worker.url, kind);

  test("origin error passes through with its code and message", async () => {
    expect(await codeOf(client().fail({ code: Code.FailedPrecondition, message: "nope: 100%" }))).toEqual({
      code: Code.FailedPrecondition,
      message: "nope: 100%",
    });
  });
  test("rule reject → UNAVAILABLE with the rule's message", async () => {
    expect(await codeOf(client().echo({}, via("reject")))).toEqual({ code: Code.Unavailable, message: rejectMessage });
  });
  test("origin down → UNAVAILABLE", async () => {
    expect((await codeOf(client().echo({}, via("dead")))).code).toBe(Code.Unavailable);
  });
  test("origin answering HTML 502 → UNAVAILABLE (HTTP→gRPC mapping)", async () => {
    const r = await codeOf(client().echo({}, via("html")));
    expect(r.code).toBe(Code.Unavailable);
    expect(r.message).toContain("502");
  });
  test("backend without origin and no override → UNAVAILABLE", async () => {
    const r = await codeOf(client().echo({}, via("no-origin")));
    expect(r.code).toBe(Code.Unavailable);
    expect(r.message).toContain("BackendNotFound");
  });
  test("server stream error mid-stream keeps delivered messages and reports UNAVAILABLE", async () => {
    const got: number[] = [];
    const r = await codeOf(
      (async () => {
        for await (const m of client().count({}, via("raw"))) got.push(m.number);
      })(),
    );
    expect(r.code).toBe(Code.Unavailable);
    expect(got).toEqual([7]);
  });
});

describe("gRPC-web wire form of errors", () => {
  const post = (path: string, headers: Record<string, string>, body: BodyInit | null = null) =>
    fetch(`${env.worker.url}${path}`, { method: "POST", headers, body });
  const echoFrame = frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "e" })));

  test("no route: HTTP 200 trailers-only grpc-status 12, content type in the client's mode", async () => {
    for (const [type, expected] of [
      ["application/grpc-web+proto", "application/grpc-web+proto"],
      ["application/grpc-web-text", "application/grpc-web-text+proto"],
    ] as const) {
      const res = await post("/other.v1.Nothing/Call", { "content-type": type }, type.includes("text") ? encodeText(echoFrame) : echoFrame);
      expect(res.status).toBe(200);
      expect(res.headers.get("grpc-status")).toBe("12");
      expect(res.headers.get("content-type")).toBe(expected);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
  });

  test("bad path → UNIMPLEMENTED", async () => {
    const res = await post("/not-a-procedure", { "content-type": "application/grpc-web+proto" }, echoFrame);
    expect(res.headers.get("grpc-status")).toBe("12");
  });

  test.each([`/api/v1/${demoService}/Echo`, `/${demoService}/Echo/x`, `/${demoService}/%45cho`])(
    "%s is not a procedure: UNIMPLEMENTED, no origin reached",
    async (path) => {
      const before = env.alpha.calls.length;
      const res = await post(path, { "content-type": "application/grpc-web+proto" }, echoFrame);
      expect(res.headers.get("grpc-status")).toBe("12");
      expect(env.alpha.calls.length).toBe(before);
    },
  );

  test("origin grpc-message passes through and decodes", async () => {
    const body = frame(0, toBinary(FailRequestSchema, create(FailRequestSchema, { code: Code.FailedPrecondition, message: "100% 😀." })));
    const res = await post(`/${demoService}/Fail`, { "content-type": "application/grpc-web+proto" }, body);
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    const status =
      frames.length > 0
        ? parseTrailer(frames.at(-1)!.data)
        : { "grpc-status": res.headers.get("grpc-status") ?? "", "grpc-message": res.headers.get("grpc-message") ?? "" };
    expect(status["grpc-status"]).toBe("9");
    expect(decodeURIComponent(status["grpc-message"]!)).toBe("100% 😀.");
  });

  test("edge grpc-message is percent-encoded minimally (PROTOCOL-HTTP2.md), not with encodeURIComponent", async () => {
    // The edge's own message names the path, which here holds a percent sign.
    const res = await post(`/unrouted.Svc/Get100%25`, { "content-type": "application/grpc-web+proto" }, echoFrame);
    expect(res.headers.get("grpc-status")).toBe("12");
    expect(res.headers.get("grpc-message")).toBe("path /unrouted.Svc/Get100%2525 is not a gRPC procedure: expected /pkg.Service/Method");
  });

  test("origin stream without a trailer frame → messages kept, INTERNAL missing status appended", async () => {
    const res = await post(`/${demoService}/Echo`, { "content-type": "application/grpc-web+proto", "x-route": "raw" }, echoFrame);
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    expect(frames.map((f) => f.flags)).toEqual([0, 0x80]);
    const trailer = parseTrailer(frames[1]!.data);
    expect(trailer["grpc-status"]).toBe("13");
    expect(trailer["grpc-message"]).toContain("missing status");
  });

  test("invalid base64 in a text request → INTERNAL", async () => {
    const res = await post(`/${demoService}/Echo`, { "content-type": "application/grpc-web-text" }, "AAAA*not base64*");
    const body = await res.text();
    const status = res.headers.get("grpc-status") ?? parseTrailer(parseFrames(decodeText(body)).at(-1)!.data)["grpc-status"];
    expect(status).toBe("13");
  });

  test("native gRPC → trailers-only UNIMPLEMENTED telling the caller to use gRPC-web or Connect", async () => {
    const res = await post(`/${demoService}/Echo`, { "content-type": "application/grpc" }, echoFrame);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/grpc");
    expect(res.headers.get("grpc-status")).toBe("12");
    expect(decodeURIComponent(res.headers.get("grpc-message")!)).toMatch(/gRPC-web/);
    expect(env.alpha.calls.some((c) => c.contentType === "application/grpc")).toBe(false);
  });

  test("unknown gRPC-web codec → grpc-web error, not HTML", async () => {
    const res = await post(`/${demoService}/Echo`, { "content-type": "application/grpc-web+thrift" }, echoFrame);
    expect(res.headers.get("grpc-status")).toBe(String(Code.Unknown));
    expect(res.headers.get("content-type")).toMatch(/^application\/grpc-web/);
  });

  test("deadline exceeded at the edge while the origin is still working → grpc-status 4", async () => {
    const start = performance.now();
    const body = frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { delayMs: 3000 })));
    const res = await post(`/${demoService}/Echo`, { "content-type": "application/grpc-web+proto", "grpc-timeout": "300m" }, body);
    await res.arrayBuffer();
    expect(performance.now() - start).toBeLessThan(2000);
    expect(res.headers.get("grpc-status")).toBe("4");
  });

  test("deadline in the middle of a stream: delivered messages kept, trailer DEADLINE_EXCEEDED", async () => {
    const start = performance.now();
    const body = frame(0, toBinary(CountRequestSchema, create(CountRequestSchema, { count: 20, delayMs: 100 })));
    const res = await post(`/${demoService}/Count`, { "content-type": "application/grpc-web+proto", "grpc-timeout": "450m" }, body);
    const frames = parseFrames(concat((await readTimed(res.body, start)).map((c) => c.bytes)));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames.length).toBeLessThan(20);
    expect(frames.at(-1)!.flags).toBe(0x80);
    expect(parseTrailer(frames.at(-1)!.data)["grpc-status"]).toBe("4");
  });

  test("malformed grpc-timeout → INVALID_ARGUMENT", async () => {
    const res = await post(
      `/${demoService}/Echo`,
      { "content-type": "application/grpc-web+proto", "grpc-timeout": "123456789m" },
      echoFrame,
    );
    expect(res.headers.get("grpc-status")).toBe("3");
  });
});

describe("Connect wire form of errors", () => {
  test("unary no route: HTTP 501 JSON unimplemented", async () => {
    const res = await fetch(`${env.worker.url}/other.v1.Nothing/Call`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(res.status).toBe(501);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toMatchObject({ code: "unimplemented" });
  });

  test("unary origin HTML 502 → JSON unavailable, never the HTML page", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "html" },
      body: "{}",
    });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toContain("<html>");
    expect(JSON.parse(text)).toMatchObject({ code: "unavailable" });
  });

  test("streaming reject: HTTP 200 and an end-stream frame with the error", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Count`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto", "x-route": "reject" },
      body: frame(0, toBinary(CountRequestSchema, create(CountRequestSchema, { count: 1 }))),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/connect+proto");
    const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags).toBe(0x02);
    expect(JSON.parse(new TextDecoder().decode(frames[0]!.data))).toEqual({ error: { code: "unavailable", message: rejectMessage } });
  });

  test("unary deadline exceeded at the edge → 504 deadline_exceeded", async () => {
    const start = performance.now();
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-timeout-ms": "300" },
      body: JSON.stringify({ delayMs: 3000 }),
    });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: "deadline_exceeded" });
    expect(performance.now() - start).toBeLessThan(2000);
  });

  test("unknown content type → 415 with a JSON error", async () => {
    const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect((await res.json()).message).toContain("text/plain");
  });
});

/**
 * Protocol translation at the edge (docs/edge.md) against origins declared to speak
 * only one protocol: gRPC-web clients → Connect origin (unary), Connect clients (unary
 * POST, GET, streaming) → gRPC-web origin.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoRequestSchema, EchoResponseSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { decodeText, encodeText, frame, parseFrames, parseTrailer } from "../harness/wire.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { demoClient, startEnv, via, type ClientKind, type Env } from "./setup.ts";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

async function codeOf(p: Promise<unknown>): Promise<Code> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e).code;
  }
  throw new Error("call succeeded, expected an error");
}

describe.each(["grpc-web (web)", "grpc-web (node)"] as ClientKind[])("%s → Connect-only origin", (kind) => {
  const client = () => demoClient(env.worker.url, kind);
  test("unary is translated: the origin sees Connect unary", async () => {
    const res = await client().echo({ message: "tr" }, via("connect-only", { "x-meta": "kept" }));
    expect(res.message).toBe("tr");
    expect(res.contentType).toBe("application/proto");
    expect(res.headers["connect-protocol-version"]).toBe("1");
    expect(res.headers["x-grpc-web"]).toBeUndefined();
    expect(res.headers["x-meta"]).toBe("kept");
  });
  test("a Connect error comes back as grpc-status", async () => {
    expect(await codeOf(client().fail({ code: Code.NotFound, message: "gone" }, via("connect-only")))).toBe(Code.NotFound);
  });
  test("server streaming cannot be translated: clear UNIMPLEMENTED", async () => {
    expect(
      await codeOf(
        (async () => {
          for await (const _ of client().count({ count: 1 }, via("connect-only")));
        })(),
      ),
    ).toBe(Code.Unimplemented);
  });
});

test("gRPC-web text client → Connect-only origin (unary)", async () => {
  const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web-text", "x-route": "connect-only" },
    body: encodeText(frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "txt" })))),
  });
  expect(res.headers.get("content-type")).toBe("application/grpc-web-text+proto");
  const frames = parseFrames(decodeText(await res.text()));
  expect(fromBinary(EchoResponseSchema, frames[0]!.data).contentType).toBe("application/proto");
  expect(parseTrailer(frames[1]!.data)["grpc-status"]).toBe("0");
});

describe.each(["connect (web)", "connect (node)", "connect GET (web)"] as ClientKind[])("%s → gRPC-web-only origin", (kind) => {
  const client = () => demoClient(env.worker.url, kind);
  test("unary is translated: the origin sees gRPC-web", async () => {
    const res = await client().echo({ message: "tr" }, { ...via("grpc-web-only"), timeoutMs: 4000 });
    expect(res.message).toBe("tr");
    expect(res.contentType).toMatch(/^application\/grpc-web\+(proto|json)$/);
    expect(res.headers["x-grpc-web"]).toBe("1");
    expect(res.headers["connect-protocol-version"]).toBeUndefined();
    expect(res.headers["grpc-timeout"]).toMatch(/^\d+m$/);
    expect(env.alpha.calls.at(-1)!.method).toBe("POST");
  });
  test("a gRPC-web status comes back as a Connect error", async () => {
    expect(await codeOf(client().fail({ code: Code.PermissionDenied, message: "no" }, via("grpc-web-only")))).toBe(Code.PermissionDenied);
  });
});

describe.each(["connect (web)", "connect (node)"] as ClientKind[])("%s streaming → gRPC-web-only origin", (kind) => {
  test("envelopes relayed incrementally, trailer frame becomes end-stream", async () => {
    const start = performance.now();
    const arrivals: number[] = [];
    const numbers: number[] = [];
    for await (const m of demoClient(env.worker.url, kind).count({ count: 3, delayMs: 150 }, via("grpc-web-only"))) {
      numbers.push(m.number);
      arrivals.push(performance.now() - start);
    }
    expect(numbers).toEqual([1, 2, 3]);
    expect(arrivals[2]! - arrivals[0]!).toBeGreaterThan(200);
  });
});

/**
 * Retries: a call that never reached its origin is sent once more to
 * another backend of the rule; a call the origin may have seen is not; the route's
 * `retry.linkerd.io/grpc` statuses are retried; streams are never replayed.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CountRequestSchema, EchoRequestSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { frame, parseFrames, parseTrailer } from "../harness/wire.ts";
import { demoClient } from "../worker/setup.ts";
import { eventually } from "../harness/origins.ts";
import { caseHeader, demoService } from "./fixture.ts";
import { startHardeningEnv, type HardeningEnv } from "./env.ts";

let env: HardeningEnv;
beforeAll(async () => {
  env = await startHardeningEnv();
});
afterAll(async () => {
  await env?.close();
});

const via = (mode: string) => ({ headers: { [caseHeader]: mode } });
const calls = () => ({ alpha: env.alpha.calls.length, bad: env.bad.calls.length });

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("call succeeded");
}

test.each(["grpc-web (node)", "connect (node)", "connect GET (web)"] as const)(
  "%s: connection refused → retried on the rule's other backend",
  async (kind) => {
    const before = calls();
    const res = await demoClient(env.worker.url, kind).echo({ message: "again" }, via("retry-refused"));
    expect(res).toMatchObject({ backend: "alpha", message: "again" });
    expect(calls().alpha).toBe(before.alpha + 1);
  },
);

test("Connect server stream: connection refused is not replayed", async () => {
  const err = await failure(
    (async () => {
      for await (const _ of demoClient(env.worker.url, "connect (node)").count({ count: 1 }, via("retry-refused"))) void _;
    })(),
  );
  expect(err.code).toBe(Code.Unavailable);
});

test("a stream reset after it started is not retried: message kept, UNAVAILABLE", async () => {
  const before = calls();
  const res = await fetch(`${env.worker.url}/${demoService}/Count`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", [caseHeader]: "retry-reset-mid" },
    body: frame(0, toBinary(CountRequestSchema, create(CountRequestSchema, { count: 3 }))),
  });
  const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
  expect(frames.map((f) => f.flags)).toEqual([0, 0x80]);
  expect(parseTrailer(frames[1]!.data)["grpc-status"]).toBe("14");
  expect(calls()).toEqual({ alpha: before.alpha, bad: before.bad + 1 });
});

test.each([
  ["grpc-web (node)", "retry-status"],
  ["grpc-web (node)", "retry-status-streamed"],
  ["connect (node)", "retry-status"],
] as const)("%s: UNAVAILABLE from the origin (%s) is retried by retry.linkerd.io/grpc", async (kind, mode) => {
  const before = calls();
  const res = await demoClient(env.worker.url, kind).echo({ message: "m" }, via(mode));
  expect(res.backend).toBe("alpha");
  expect(calls()).toEqual({ alpha: before.alpha + 1, bad: before.bad + 1 });
});

test("a retried call is mirrored once: mirrors go with the first attempt only", async () => {
  const before = { ...calls(), mirror: env.mirror.calls.length };
  const res = await demoClient(env.worker.url, "grpc-web (node)").echo({ message: "m" }, via("retry-status-mirrored"));
  expect(res.backend).toBe("alpha");
  expect(calls()).toEqual({ alpha: before.alpha + 1, bad: before.bad + 1 });
  // Mirrors are fire-and-forget (waitUntil): wait for the copy, then give a second one time to show up.
  expect(await eventually(() => env.mirror.calls.length > before.mirror)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  expect(env.mirror.calls.length).toBe(before.mirror + 1);
});

test("without the annotation an origin's UNAVAILABLE is not retried", async () => {
  const before = calls();
  const res = await fetch(`${env.worker.url}/${demoService}/Echo`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", [caseHeader]: "retry-status-off" },
    body: frame(0, toBinary(EchoRequestSchema, create(EchoRequestSchema, {}))),
  });
  await res.arrayBuffer();
  expect(calls().alpha).toBe(before.alpha);
});

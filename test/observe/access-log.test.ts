/**
 * The access log in workerd with real origins and clients: exactly one JSON line per call
 * on every path (answered by the origin, by the edge, retried, refused by a policy, an
 * origin reset, a client that goes away), the fields' values, no credential in any line,
 * and trace context kept or started.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { deadOriginUrl, eventually, startOrigin, startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoClient, via, type ClientKind } from "../worker/setup.ts";

const apiKey = "key-that-must-never-be-logged";

function manifests(alpha: string, dead: string, raw: string): string {
  const rule = (name: string, backend: string) =>
    `  - name: ${name}\n    matches: [{method: {service: ${demoService}}, headers: [{name: x-route, value: ${name}}]}]\n    backendRefs: [{name: ${backend}, port: 80}]`;
  return [
    edgeGateway(),
    originService("alpha", alpha),
    originService("dead", dead),
    originService("raw", raw),
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: logged}
spec:
  parentRefs: [{name: edge}]
  rules:
${[rule("ok", "alpha"), rule("dead", "dead"), rule("reset", "raw"), rule("keyed", "alpha")].join("\n")}`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: keyed}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: logged, sectionName: keyed}]
  apiKeyAuth:
    credentialRefs: [{name: keys}]
    extractFrom: [{headers: [x-api-key]}]`,
  ].join("\n---\n");
}

let alpha: RunningOrigin;
let raw: RunningOrigin;
let table: RouteTable;
let worker: RunningWorker;
const lines: string[] = [];
const other: string[] = [];

beforeAll(async () => {
  const dead = await deadOriginUrl();
  alpha = await startOrigin("alpha");
  // One message, then the connection is reset mid-stream.
  raw = await startRawOrigin("raw", (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": String(req.headers["content-type"]) });
    res.write(Buffer.from([0, 0, 0, 0, 0]));
    setTimeout(() => res.socket?.destroy(), 30);
  });
  const loaded = loadSources([{ file: "log.yaml", text: manifests(alpha.url, dead, raw.url) }]);
  table = compile(loaded.resources).table;
  worker = await startWorker(table, {
    vars: { EG_SECRET_DEFAULT_KEYS: JSON.stringify({ client: apiKey }) },
    onLogLine: (line, stream) => (stream === "stdout" && line.startsWith('{"v":1') ? lines : other).push(line),
  });
});
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([alpha?.close(), raw?.close()]);
});

type LogRecord = { [k: string]: unknown };
let serial = 0;
/** A fresh request id, so each call's lines can be found. */
const rid = () => `req-${++serial}-${Math.random().toString(36).slice(2)}`;
async function lineOf(id: string): Promise<LogRecord> {
  await eventually(() => lines.some((l) => l.includes(`"request_id":"${id}"`)), 150);
  const mine = lines.filter((l) => JSON.parse(l).request_id === id);
  expect(mine, `exactly one line for ${id}`).toHaveLength(1);
  return JSON.parse(mine[0]!) as LogRecord;
}
async function settle(p: Promise<unknown>): Promise<void> {
  await p.catch((e: unknown) => ConnectError.from(e));
}

describe("one line per call", () => {
  const kinds: [ClientKind, string][] = [
    ["grpc-web (node)", "grpc-web"],
    ["connect (node)", "connect"],
    ["connect GET (web)", "connect-get"],
  ];
  test.each(kinds)("a unary call through %s, answered by the origin", async (kind, protocol) => {
    const id = rid();
    await demoClient(worker.url, kind).echo({ message: "hi" }, via("ok", { "x-request-id": id }));
    const r = await lineOf(id);
    expect(r).toMatchObject({
      v: 1,
      request_id: id,
      protocol,
      service: demoService,
      method: "Echo",
      route: "default/logged",
      rule: 0,
      rule_name: "ok",
      backend: "default/alpha:80",
      origin_host: new URL(alpha.url).host,
      attempts: 1,
      grpc_status: "OK",
      grpc_code: 0,
      http_status: 200,
      status_source: "origin",
      response_messages: 1,
    });
    expect(r.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(String(r.ts))).toBeGreaterThan(0);
    expect(r.duration_ms as number).toBeGreaterThanOrEqual(r.ttfb_ms as number);
    expect(r.response_bytes as number).toBeGreaterThan(0);
    if (protocol !== "connect-get") expect([r.request_messages, (r.request_bytes as number) > 0]).toEqual([1, true]);
    expect(r).not.toHaveProperty("edge_reason");
    expect(Object.values(r)).not.toContain(null);
  });

  test("a server stream: after its last message, counting the messages", async () => {
    for (const [kind, protocol] of [
      ["grpc-web (node)", "grpc-web"],
      ["connect (node)", "connect-stream"],
    ] as const) {
      const id = rid();
      for await (const _ of demoClient(worker.url, kind).count({ count: 3 }, via("ok", { "x-request-id": id }))) void _;
      expect(await lineOf(id)).toMatchObject({
        protocol,
        method: "Count",
        grpc_status: "OK",
        response_messages: 3,
        status_source: "origin",
      });
    }
  });

  test("the origin's own error passes with source origin", async () => {
    const id = rid();
    await settle(
      demoClient(worker.url, "grpc-web (node)").fail({ code: Code.FailedPrecondition, message: "nope" }, via("ok", { "x-request-id": id })),
    );
    expect(await lineOf(id)).toMatchObject({ grpc_status: "FAILED_PRECONDITION", grpc_code: 9, status_source: "origin" });
  });

  test("the edge's answers: no route, an unreachable origin, a reset mid-stream, a policy's refusal", async () => {
    const client = demoClient(worker.url, "connect (node)");
    const none = rid();
    await settle(client.echo({ message: "hi" }, { headers: { "x-request-id": none } }));
    expect(await lineOf(none)).toMatchObject({
      grpc_status: "UNIMPLEMENTED",
      status_source: "edge",
      edge_reason: expect.stringContaining("no route"),
    });
    expect(await lineOf(none)).not.toHaveProperty("route");
    const dead = rid();
    await settle(client.echo({ message: "hi" }, via("dead", { "x-request-id": dead })));
    expect(await lineOf(dead)).toMatchObject({
      grpc_status: "UNAVAILABLE",
      grpc_code: 14,
      status_source: "edge",
      http_status: 503,
      attempts: 2,
    });
    // Why it failed goes into a second line, level error, with the same request id.
    await eventually(() => other.some((l) => l.includes(`"request_id":"${dead}"`)), 100);
    const why = other.filter((l) => l.includes(`"request_id":"${dead}"`)).map((l) => JSON.parse(l) as LogRecord);
    expect(why[0]).toMatchObject({ v: 1, level: "error", message: expect.stringContaining("is unreachable") });
    const reset = rid();
    await settle(
      (async () => {
        for await (const _ of demoClient(worker.url, "grpc-web (node)").count({ count: 3 }, via("reset", { "x-request-id": reset })))
          void _;
      })(),
    );
    expect(await lineOf(reset)).toMatchObject({ grpc_status: "UNAVAILABLE", status_source: "edge", edge_reason: "origin stream broke" });
    const denied = rid();
    await settle(client.echo({ message: "hi" }, via("keyed", { "x-request-id": denied, "x-api-key": "wrong" })));
    expect(await lineOf(denied)).toMatchObject({ grpc_status: "UNAUTHENTICATED", status_source: "edge" });
  });

  test("a client that goes away mid-stream is CANCELLED, from the edge", async () => {
    const id = rid();
    const abort = new AbortController();
    await settle(
      (async () => {
        for await (const _ of demoClient(worker.url, "connect (node)").count(
          { count: 50, delayMs: 50 },
          { ...via("ok", { "x-request-id": id }), signal: abort.signal },
        )) {
          abort.abort();
        }
      })(),
    );
    expect(await lineOf(id)).toMatchObject({
      grpc_status: "CANCELLED",
      grpc_code: 1,
      status_source: "edge",
      edge_reason: "client went away",
    });
  });

  test("no credential ever reaches a line", async () => {
    const id = rid();
    await demoClient(worker.url, "connect (node)").echo(
      { message: "hi" },
      via("keyed", { "x-request-id": id, "x-api-key": apiKey, authorization: "Bearer secret-token" }),
    );
    await lineOf(id);
    for (const l of [...lines, ...other]) {
      expect(l).not.toContain(apiKey);
      expect(l).not.toContain("secret-token");
    }
  });
});

describe("trace context and request id", () => {
  test("a client's traceparent reaches the origin unchanged, and its trace id is logged", async () => {
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const id = rid();
    const r = await demoClient(worker.url, "connect (node)").echo({ message: "hi" }, via("ok", { traceparent: tp, "x-request-id": id }));
    expect(r.headers.traceparent).toBe(tp);
    expect(r.headers["x-request-id"]).toBe(id);
    expect((await lineOf(id)).trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  test("without one the edge starts a trace; its request id comes back to the client, exposed to browsers", async () => {
    const res = await fetch(`${worker.url}/${demoService}/Echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-route": "ok" },
      body: "{}",
    });
    const echoed = (await res.json()) as { headers: Record<string, string> };
    const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(echoed.headers.traceparent ?? "");
    expect(m).not.toBeNull();
    const id = res.headers.get("x-request-id")!;
    expect(id).toBe(echoed.headers["x-request-id"]);
    expect((await lineOf(id)).trace_id).toBe(m![1]);
  });

  test("TRACEPARENT off starts none", async () => {
    const off = await startWorker(table, { vars: { TRACEPARENT: "off" } });
    try {
      const r = await demoClient(off.url, "connect (node)").echo({ message: "hi" }, via("ok"));
      expect(r.headers.traceparent).toBeUndefined();
    } finally {
      await off.dispose();
    }
  });
});

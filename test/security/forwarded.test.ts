/**
 * The worker strips client-supplied `x-forwarded-for`, `x-forwarded-host`,
 * `x-forwarded-proto` and `forwarded`: an origin that trusts them (for logging, rate
 * limiting, allow-lists, absolute URLs) sees the edge's values, never the client's. For
 * every protocol the edge speaks, translated calls and mirrored copies too.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoRequestSchema, EchoResponseSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { demoService, demoTable, routeHeader } from "../fixtures/demo-routes.ts";
import { deadOriginUrl, eventually, startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { frame, parseFrames } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { rawRequest } from "../support/raw-http.ts";

const spoofedIp = "6.6.6.6";
const spoofedHost = "evil.example";
/** What a client could send to make an origin believe anything. */
const spoofed: Record<string, string> = {
  "x-forwarded-for": `${spoofedIp}, 10.0.0.1`,
  "X-Forwarded-Host": spoofedHost,
  "x-forwarded-proto": "https",
  forwarded: `for=${spoofedIp};host=${spoofedHost};proto=https`,
  // The ones the edge does not set itself are removed too: some origins trust them.
  "x-forwarded-port": "6666",
  "x-forwarded-prefix": "/evil",
  "x-forwarded-client-cert": `By=spiffe://evil;URI=spiffe://${spoofedHost}`,
  "x-forwarded-server": spoofedHost,
};
const edgeHost = "api.example.com";

let alpha: RunningOrigin;
let beta: RunningOrigin;
let worker: RunningWorker;
beforeAll(async () => {
  const dead = await deadOriginUrl();
  [alpha, beta] = await Promise.all([startOrigin("alpha"), startOrigin("beta")]);
  worker = await startWorker(demoTable({ alpha: alpha.url, beta: beta.url, dead, html: dead, raw: dead }));
});
afterAll(async () => {
  await worker?.dispose();
  await Promise.all([alpha, beta].map((o) => o?.close()));
});

function expectEdgeValues(seen: Record<string, string>, what: string): void {
  const all = JSON.stringify(seen);
  expect(all, `${what}: the client's address reached the origin`).not.toContain(spoofedIp);
  expect(all, `${what}: the client's host reached the origin`).not.toContain(spoofedHost);
  expect(seen.forwarded, `${what}: forwarded`).toBeUndefined();
  for (const name of ["x-forwarded-port", "x-forwarded-prefix", "x-forwarded-client-cert", "x-forwarded-server"]) {
    expect(seen[name], `${what}: ${name}`).toBeUndefined();
  }
  expect(seen["x-forwarded-host"], `${what}: x-forwarded-host`).toBe(edgeHost);
  expect(seen["x-forwarded-proto"], `${what}: x-forwarded-proto`).toBe("http");
  // x-forwarded-for comes only from cf-connecting-ip (set by Cloudflare; Miniflare sets
  // it from the socket): a loopback address here, and always present.
  expect(seen["x-forwarded-for"], `${what}: x-forwarded-for`).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
}

const echoBody = (codec: "proto" | "json") =>
  codec === "proto"
    ? toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "who am i" }))
    : new TextEncoder().encode('{"message":"who am i"}');

/** Unary Echo in each protocol, by hand (chosen Host, duplicate header lines); returns what the origin saw. */
const protocols = {
  "gRPC-web binary": async (headers: Record<string, string>) => {
    const res = await rawRequest(worker.url, {
      host: edgeHost,
      path: `/${demoService}/Echo`,
      headers: { ...headers, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      body: frame(0, echoBody("proto")),
    });
    return fromBinary(EchoResponseSchema, parseFrames(res.body)[0]!.data).headers;
  },
  "Connect unary proto": async (headers: Record<string, string>) => {
    const res = await rawRequest(worker.url, {
      host: edgeHost,
      path: `/${demoService}/Echo`,
      headers: { ...headers, "content-type": "application/proto", "connect-protocol-version": "1" },
      body: echoBody("proto"),
    });
    expect(res.status).toBe(200);
    return fromBinary(EchoResponseSchema, res.body).headers;
  },
  "Connect unary GET": async (headers: Record<string, string>) => {
    const message = encodeURIComponent(Buffer.from(echoBody("proto")).toString("base64url"));
    const res = await rawRequest(worker.url, {
      method: "GET",
      host: edgeHost,
      path: `/${demoService}/Echo?connect=v1&encoding=proto&base64=1&message=${message}`,
      headers,
    });
    expect(res.status).toBe(200);
    return fromBinary(EchoResponseSchema, res.body).headers;
  },
};

describe.each(Object.entries(protocols))("%s", (_name, call) => {
  test("to an origin speaking the client's protocol", async () => {
    expectEdgeValues(await call({ ...spoofed, [routeHeader]: "plain" }), "same protocol");
  });
  test("translated (connect-only and grpc-web-only origins)", async () => {
    expectEdgeValues(await call({ ...spoofed, [routeHeader]: "connect-only" }), "to a Connect-only origin");
    expectEdgeValues(await call({ ...spoofed, [routeHeader]: "grpc-web-only" }), "to a gRPC-web-only origin");
  });
  test("with a request header filter on the route", async () => {
    expectEdgeValues(await call({ ...spoofed, [routeHeader]: "filtered" }), "filtered rule");
  });
});

test("repeated and differently-cased x-forwarded-* header lines are all replaced", async () => {
  const res = await new Promise<Record<string, string>>((resolve, reject) => {
    // node:http sends an array value as separate header lines.
    import("node:http").then(({ request }) => {
      const url = new URL(worker.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: `/${demoService}/Echo`,
          timeout: 10_000,
          headers: {
            host: edgeHost,
            "content-type": "application/grpc-web+proto",
            "X-FORWARDED-FOR": [spoofedIp, `${spoofedIp}, 1.2.3.4`],
            "x-forwarded-host": [spoofedHost, spoofedHost],
            "X-Forwarded-Proto": ["https", "wss"],
            Forwarded: [`for=${spoofedIp}`, `host=${spoofedHost}`],
          },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => resolve(fromBinary(EchoResponseSchema, parseFrames(Buffer.concat(chunks))[0]!.data).headers));
          r.on("error", reject);
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
      req.end(frame(0, echoBody("proto")));
    }, reject);
  });
  expectEdgeValues(res, "repeated header lines");
});

test("a mirrored copy carries the edge's values too", async () => {
  const before = beta.calls.length;
  await protocols["gRPC-web binary"]({ ...spoofed, [routeHeader]: "mirror" });
  expect(await eventually(() => beta.calls.length > before)).toBe(true);
  expectEdgeValues(beta.calls.at(-1)!.headers, "mirror");
});

test("a server stream's request carries the edge's values", async () => {
  const before = alpha.calls.length;
  const res = await rawRequest(worker.url, {
    host: edgeHost,
    path: `/${demoService}/Count`,
    headers: { ...spoofed, "content-type": "application/connect+json", "connect-protocol-version": "1" },
    body: frame(0, new TextEncoder().encode('{"count": 2}')),
  });
  expect(res.status).toBe(200);
  const call = alpha.calls.slice(before).find((c) => c.procedure.endsWith("/Count"));
  expect(call).toBeDefined();
  expectEdgeValues(call!.headers, "server stream");
});

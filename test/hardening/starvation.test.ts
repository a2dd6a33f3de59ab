/**
 * One fast server stream must not starve other calls: unary calls through the edge while a
 * client drains a fast loopback stream through the same edge fare no worse than the same
 * calls through a bare pass-through Worker under the same load. Latencies are compared
 * within the run (medians), not against fixed numbers: the machine is shared.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, test } from "vitest";
import { envelope, trailerFrameOf } from "../harness/failing-origins.ts";
import { compatibilityDate, startWorker, type RunningWorker } from "../harness/worker.ts";
import { caseHeader, demoService, hardeningTable } from "./fixture.ts";

const grpcWeb = { "content-type": "application/grpc-web+proto" };
const ok = trailerFrameOf("grpc-status: 0\r\n");
const chunk = envelope(0, new Uint8Array(64 * 1024).fill(0x70));

/** Streams 64 KiB messages as fast as the client reads them until `stop`; answers anything else at once. */
function startOrigin(): Promise<{ url: string; stop(): void; resume(): void; server: Server }> {
  let stopped = false;
  const server = createServer((req, res) => {
    req.on("data", () => undefined);
    res.writeHead(200, grpcWeb);
    if (!req.url?.endsWith("/Count")) return void res.end(Buffer.concat([envelope(0, new Uint8Array(16)), ok]));
    const pump = (): void => {
      while (!stopped) if (!res.write(chunk)) return void res.once("drain", pump);
      res.end(ok);
    };
    pump();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        stop: () => (stopped = true),
        resume: () => (stopped = false),
        server,
      }),
    ),
  );
}

/** Reads a stream to its end as fast as possible; resolves with its bytes. */
function drain(url: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: "POST", path: `/${demoService}/Count`, headers: { ...grpcWeb, [caseHeader]: "origin" } },
      (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve(bytes));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(envelope(0, new Uint8Array(0)));
  });
}

async function unaryMs(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${url}/${demoService}/Echo`, {
    method: "POST",
    headers: { ...grpcWeb, [caseHeader]: "origin" },
    body: envelope(0, new Uint8Array(16)),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`unary answered ${res.status}`);
  return performance.now() - start;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let origin: Awaited<ReturnType<typeof startOrigin>>;
let ours: RunningWorker;
let passthrough: Miniflare;
let passthroughUrl: string;

beforeAll(async () => {
  origin = await startOrigin();
  ours = await startWorker(hardeningTable({ plain: { cases: { origin: { backends: [{ name: "fast", url: origin.url }] } } } }));
  passthrough = new Miniflare({
    modules: true,
    script: `export default { fetch(request, env) {
      const url = new URL(request.url);
      return fetch(env.ORIGIN + url.pathname, { method: request.method, headers: request.headers, body: request.body });
    } };`,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    bindings: { ORIGIN: origin.url },
  });
  passthroughUrl = (await passthrough.ready).toString().replace(/\/$/, "");
});
afterAll(async () => {
  await ours?.dispose();
  await passthrough?.dispose();
  origin?.server.closeAllConnections();
  origin?.server.close();
});

/** Median unary latency through `url` while one client drains a fast stream through it. */
async function nextToStream(url: string): Promise<{ ms: number; streamed: number }> {
  origin.resume();
  const stream = drain(url);
  // Let the stream reach full speed first.
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  for (let i = 0; i < 25; i++) times.push(await unaryMs(url));
  origin.stop();
  const streamed = await stream;
  return { ms: median(times), streamed };
}

test("unary calls next to a fast stream fare no worse than behind a pass-through Worker", async () => {
  for (const url of [ours.url, passthroughUrl]) for (let i = 0; i < 5; i++) await unaryMs(url);
  const base = await nextToStream(passthroughUrl);
  const edge = await nextToStream(ours.url);
  // Both streams moved real data while the calls were timed.
  expect(base.streamed).toBeGreaterThan(16 * 1024 * 1024);
  expect(edge.streamed).toBeGreaterThan(16 * 1024 * 1024);
  expect(edge.ms).toBeLessThanOrEqual(2 * base.ms + 20);
}, 60_000);

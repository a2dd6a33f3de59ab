/**
 * Real origins for the worker tests: @connectrpc/connect-node servers on 127.0.0.1
 * ephemeral ports over HTTP/1.1, serving Connect and gRPC-web (not native gRPC, which a
 * Worker cannot reach). Each knows its backend name and records the calls it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DemoService } from "../gen/grpcroute/demo/v1/demo_pb.ts";

/** One request an origin received. */
export interface SeenCall {
  method: string;
  procedure: string;
  headers: Record<string, string>;
  contentType: string;
}

export interface RunningOrigin {
  name: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  calls: SeenCall[];
  close(): Promise<void>;
}

const loopback = "127.0.0.1";
/** Bounds the Count stream so a bad request cannot keep a test origin busy. */
const maxCount = 100;

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new ConnectError("canceled", Code.Canceled));
    }, { once: true });
  });
}

function routes(name: string) {
  return (router: ConnectRouter) =>
    router.service(DemoService, {
      async echo(req, ctx) {
        await sleep(req.delayMs, ctx.signal);
        return {
          message: req.message,
          backend: name,
          headers: headerRecord(ctx.requestHeader),
          contentType: ctx.requestHeader.get("content-type") ?? "",
        };
      },
      async *count(req, ctx) {
        for (let i = 1; i <= Math.min(req.count, maxCount); i++) {
          await sleep(req.delayMs, ctx.signal);
          yield { number: i, backend: name };
        }
      },
      fail(req) {
        throw new ConnectError(req.message, req.code as Code);
      },
    });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, loopback, resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** Start a demo-service origin named `name`. */
export async function startOrigin(name: string): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const handler = connectNodeAdapter({ routes: routes(name), connect: true, grpcWeb: true, grpc: false });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    calls.push({ method: req.method ?? "", procedure: req.url ?? "", headers: headerRecord(headers), contentType: headers.get("content-type") ?? "" });
    handler(req, res);
  });
  const port = await listen(server);
  return { name, url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** An origin that is not a gRPC server at all: a load balancer answering an HTML error page. */
export async function startHtmlOrigin(status: number): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method ?? "", procedure: req.url ?? "", headers: {}, contentType: String(req.headers["content-type"] ?? "") });
    req.resume();
    res.writeHead(status, { "content-type": "text/html" });
    res.end(`<html><body><h1>${status} Bad Gateway</h1></body></html>`);
  });
  const port = await listen(server);
  return { name: `html-${status}`, url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** A 127.0.0.1 URL nothing listens on (the port was bound and released). */
export async function deadOriginUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await closer(server)();
  return `http://${loopback}:${port}`;
}

/** An origin whose answers the test writes by hand (protocol violations, resets). */
export async function startRawOrigin(name: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method ?? "", procedure: req.url ?? "", headers: {}, contentType: String(req.headers["content-type"] ?? "") });
    handler(req, res);
  });
  const port = await listen(server);
  return { name, url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** Poll `check` every 20 ms, at most `tries` times; resolves with its last answer. */
export async function eventually(check: () => boolean, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

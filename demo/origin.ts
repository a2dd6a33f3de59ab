/**
 * The one DemoService implementation: a @connectrpc/connect-node server on a 127.0.0.1
 * ephemeral port over HTTP/1.1, serving Connect and gRPC-web (not native gRPC, which a
 * Worker cannot reach). Every answer names the backend that produced it, and the server
 * records each request it saw, so the demo page and the tests can show where a call went.
 * Used by `npm run demo`, the worker tests (test/harness/origins.ts re-exports it) and the
 * benchmarks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DemoService } from "./gen/grpcroute/demo/v1/demo_pb.ts";

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

export const loopback = "127.0.0.1";
/** Bounds the Count stream so a bad request cannot keep an origin busy. */
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
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(new ConnectError("canceled", Code.Canceled));
      },
      { once: true },
    );
  });
}

/** DemoService answering as backend `name`. */
export function demoRoutes(name: string) {
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

/** Listen on 127.0.0.1, on a free port unless `port` is given; resolves with the port. */
export async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, loopback, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Close `server`, cutting open (keep-alive, streaming) connections so it never hangs. */
export function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** Start a demo-service origin named `name`. */
export async function startOrigin(name: string, port = 0): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const handler = connectNodeAdapter({ routes: demoRoutes(name), connect: true, grpcWeb: true, grpc: false });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    calls.push({
      method: req.method ?? "",
      procedure: req.url ?? "",
      headers: headerRecord(headers),
      contentType: headers.get("content-type") ?? "",
    });
    handler(req, res);
  });
  const bound = await listen(server, port);
  return { name, url: `http://${loopback}:${bound}`, port: bound, calls, close: closer(server) };
}

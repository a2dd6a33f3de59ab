/**
 * One environment per test file: real origins, the demo table, the worker in Miniflare.
 * Started in beforeAll, disposed in afterAll.
 */
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import * as node from "@connectrpc/connect-node";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DemoService } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { deadOriginUrl, startHtmlOrigin, startOrigin, startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoTable, routeHeader } from "../fixtures/demo-routes.ts";

export interface Env {
  alpha: RunningOrigin;
  beta: RunningOrigin;
  delta: RunningOrigin;
  html: RunningOrigin;
  raw: RunningOrigin;
  worker: RunningWorker;
  close(): Promise<void>;
}

export const allowedOrigin = "https://app.example.com";

/** Start everything; `raw` answers with `rawHandler`. */
export async function startEnv(rawHandler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.end()): Promise<Env> {
  const [alpha, beta, delta, html, raw, dead] = await Promise.all([
    startOrigin("alpha"),
    startOrigin("beta"),
    startOrigin("delta"),
    startHtmlOrigin(502),
    startRawOrigin("raw", rawHandler),
    deadOriginUrl(),
  ]);
  const worker = await startWorker(demoTable({ alpha: alpha.url, beta: beta.url, dead, html: html.url, raw: raw.url }), {
    vars: {
      ALLOWED_ORIGINS: `${allowedOrigin}, https://other.example.com`,
      // The most specific key wins: gamma.default:9000 → beta, not gamma → dead.
      ORIGINS: JSON.stringify({ "gamma.default:9000": beta.url, gamma: dead, bound: "binding:BOUND" }),
    },
    serviceBindings: { BOUND: { external: { address: `127.0.0.1:${delta.port}`, http: {} } } },
  });
  return {
    alpha,
    beta,
    delta,
    html,
    raw,
    worker,
    async close() {
      await worker.dispose();
      await Promise.all([alpha, beta, delta, html, raw].map((o) => o.close()));
    },
  };
}

export type Demo = Client<typeof DemoService>;
export type ClientKind = "grpc-web (web)" | "connect (web)" | "connect GET (web)" | "grpc-web (node)" | "connect (node)";

/** A DemoService client of the given kind against the worker. */
export function demoClient(baseUrl: string, kind: ClientKind): Demo {
  switch (kind) {
    case "grpc-web (web)":
      return createClient(DemoService, createGrpcWebTransport({ baseUrl }));
    case "connect (web)":
      return createClient(DemoService, createConnectTransport({ baseUrl }));
    case "connect GET (web)":
      return createClient(DemoService, createConnectTransport({ baseUrl, useHttpGet: true }));
    case "grpc-web (node)":
      return createClient(DemoService, node.createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }));
    case "connect (node)":
      return createClient(DemoService, node.createConnectTransport({ baseUrl, httpVersion: "1.1" }));
  }
}

/** Call options selecting a rule of the demo table. */
export function via(route: string, headers: Record<string, string> = {}) {
  return { headers: { [routeHeader]: route, ...headers } };
}

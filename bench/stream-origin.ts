import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DemoService } from "../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { closer, listen, loopback } from "../demo/origin.ts";

/**
 * A DemoService origin for the streaming benchmark: `Count` answers `count` messages of
 * 64 KiB each (the payload rides in `backend`, a string field, so the demo proto needs
 * no new field), at most 4,096 (256 MiB). `Echo` answers its message back, so the relay
 * benchmark's unary calls and uploads share this origin with its streams.
 */
export const STREAM_MESSAGE_BYTES = 64 * 1024;
const maxCount = 4096;

function routes(router: ConnectRouter): void {
  const payload = "p".repeat(STREAM_MESSAGE_BYTES);
  router.service(DemoService, {
    echo: (req) => ({ message: req.message, backend: "stream", headers: {}, contentType: "" }),
    async *count(req) {
      for (let i = 1; i <= Math.min(req.count, maxCount); i++) yield { number: i, backend: payload };
    },
    fail: () => ({}),
  });
}

/** TCP connections clients opened so far, and how many distinct ones carried a request since the last look. */
export interface ConnectionCount {
  opened: number;
  used: number;
}

/**
 * `connections()` counts the TCP connections clients open to it: a relay that does not reuse
 * its origin connections shows as one per call (bench/relay.ts).
 */
export async function startStreamOrigin(): Promise<{ url: string; connections(): ConnectionCount; close(): Promise<void> }> {
  const handler = connectNodeAdapter({ routes, connect: true, grpcWeb: true, grpc: false });
  const server = createServer(handler);
  let opened = 0;
  let used = new Set<Socket>();
  server.on("connection", () => opened++);
  server.on("request", (req: IncomingMessage) => used.add(req.socket));
  const port = await listen(server);
  const connections = () => {
    const out = { opened, used: used.size };
    used = new Set();
    return out;
  };
  return { url: `http://${loopback}:${port}`, connections, close: closer(server) };
}

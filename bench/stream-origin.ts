import { createServer } from "node:http";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DemoService } from "../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { closer, listen, loopback } from "../demo/origin.ts";

/**
 * A DemoService origin for the streaming benchmark: `Count` answers `count` messages of
 * 64 KiB each (the payload rides in `backend`, a string field, so the demo proto needs
 * no new field), at most 4,096 (256 MiB).
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

export async function startStreamOrigin(): Promise<{ url: string; close(): Promise<void> }> {
  const handler = connectNodeAdapter({ routes, connect: true, grpcWeb: true, grpc: false });
  const server = createServer(handler);
  const port = await listen(server);
  return { url: `http://${loopback}:${port}`, close: closer(server) };
}

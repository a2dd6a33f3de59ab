import { request } from "node:http";
import { create, toBinary } from "@bufbuild/protobuf";
import { CountRequestSchema } from "../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { summarize, type Summary } from "./measure.ts";
import { DEMO_SERVICE, spawnOrigin, startOurs, startPassthrough, tableWithDemo } from "./proxy.ts";
import { STREAM_MESSAGE_BYTES } from "./stream-origin.ts";

/**
 * A gRPC-web server stream of `mib` MiB (64 KiB messages) read to its end, directly from
 * the origin and through our worker: throughput, and the time to the first complete
 * message after the request is sent.
 */
export interface StreamRun {
  mib_per_s: number;
  first_message_ms: number;
  bytes: number;
}

function frame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + msg.length);
  new DataView(out.buffer).setUint32(1, msg.length);
  out.set(msg, 5);
  return out;
}

export function streamOnce(url: string, mib: number): Promise<StreamRun> {
  const count = Math.round((mib * 1024 * 1024) / STREAM_MESSAGE_BYTES);
  const body = frame(toBinary(CountRequestSchema, create(CountRequestSchema, { count })));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = NaN;
    let bytes = 0;
    // Bytes still needed to complete the first frame (header included), once known.
    let head = Buffer.alloc(0);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: `/${DEMO_SERVICE}/Count`,
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", "content-length": String(body.length) },
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`stream answered HTTP ${res.statusCode}`));
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (Number.isNaN(first)) {
            head = Buffer.concat([head, c]);
            if (head.length >= 5 && head.length >= 5 + head.readUInt32BE(1)) first = performance.now() - t0;
          }
        });
        res.on("end", () => {
          const seconds = (performance.now() - t0) / 1000;
          const want = count * (STREAM_MESSAGE_BYTES + 5);
          if (bytes < want) reject(new Error(`stream ended after ${bytes} of at least ${want} bytes`));
          else resolve({ mib_per_s: bytes / 1048576 / seconds, first_message_ms: first, bytes });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface StreamFigures {
  mib: number;
  direct: { mib_per_s: Summary; first_message_ms: Summary };
  ours: { mib_per_s: Summary; first_message_ms: Summary };
  /** The pass-through worker of the proxy benchmark: what workerd itself costs. */
  passthrough: { mib_per_s: Summary; first_message_ms: Summary };
}

export async function measureStream(opts: { mib: number; runs: number; rules: number }): Promise<StreamFigures> {
  const origin = await spawnOrigin("stream");
  const worker = await startOurs(tableWithDemo(opts.rules), origin.url);
  const passthrough = await startPassthrough(origin.url);
  const urls = { direct: origin.url, passthrough: passthrough.url, ours: worker.url };
  const runs: Record<keyof typeof urls, StreamRun[]> = { direct: [], passthrough: [], ours: [] };
  const order = Object.keys(urls) as (keyof typeof urls)[];
  try {
    for (const k of order) await streamOnce(urls[k], 4);
    for (let i = 0; i < opts.runs; i++) {
      // Alternate the order so none always goes first.
      for (const k of i % 2 === 0 ? order : [...order].reverse()) runs[k].push(await streamOnce(urls[k], opts.mib));
    }
  } finally {
    await Promise.all([worker.dispose(), passthrough.dispose()]);
    origin.stop();
  }
  const sum = (rs: StreamRun[]) => ({
    mib_per_s: summarize(rs.map((r) => r.mib_per_s)),
    first_message_ms: summarize(rs.map((r) => r.first_message_ms)),
  });
  return { mib: opts.mib, direct: sum(runs.direct), ours: sum(runs.ours), passthrough: sum(runs.passthrough) };
}

export async function main(): Promise<number> {
  const f = await measureStream({ mib: 64, runs: 3, rules: 10 });
  console.log(JSON.stringify(f, null, 1));
  return 0;
}

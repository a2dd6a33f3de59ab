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

/**
 * Walks length-prefixed envelopes (gRPC-web and Connect share the 5-byte prefix) across
 * chunk boundaries, keeping the first complete one's arrival and the last one whole, so a
 * stream is judged by its end-of-stream frame and not by its byte count alone.
 */
class Envelopes {
  messages = 0;
  firstAt = Number.NaN;
  last: { flags: number; payload: Buffer } | undefined;
  private head = Buffer.alloc(0);
  private left = 0;
  private flags = 0;
  private parts: Buffer[] = [];
  constructor(private readonly t0: number) {}

  push(c: Buffer): void {
    let i = 0;
    while (i < c.length) {
      if (this.left === 0 && this.parts.length === 0) {
        const take = Math.min(5 - this.head.length, c.length - i);
        this.head = Buffer.concat([this.head, c.subarray(i, i + take)]);
        i += take;
        if (this.head.length < 5) return;
        this.flags = this.head[0]!;
        this.left = this.head.readUInt32BE(1);
        this.head = Buffer.alloc(0);
        this.parts = [Buffer.alloc(0)];
        if (this.left === 0) this.done();
        continue;
      }
      const take = Math.min(this.left, c.length - i);
      // Only end-of-stream frames are kept whole: the 64 KiB messages are only counted.
      if (this.flags !== 0) this.parts.push(c.subarray(i, i + take));
      this.left -= take;
      i += take;
      if (this.left === 0) this.done();
    }
  }

  private done(): void {
    if (this.flags === 0) {
      this.messages++;
      if (Number.isNaN(this.firstAt)) this.firstAt = performance.now() - this.t0;
    }
    this.last = { flags: this.flags, payload: Buffer.concat(this.parts) };
    this.parts = [];
  }

  /** True when no envelope was left half read. */
  get whole(): boolean {
    return this.left === 0 && this.head.length === 0 && this.parts.length === 0;
  }
}

type StreamProtocol = "grpc-web" | "connect";

function streamCall(url: string, mib: number, protocol: StreamProtocol, extraHeaders: Record<string, string>): Promise<StreamRun> {
  const count = Math.round((mib * 1024 * 1024) / STREAM_MESSAGE_BYTES);
  const body = frame(toBinary(CountRequestSchema, create(CountRequestSchema, { count })));
  const u = new URL(url);
  const protocolHeaders: Record<string, string> =
    protocol === "connect"
      ? { "content-type": "application/connect+proto", "connect-protocol-version": "1" }
      : { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    const env = new Envelopes(t0);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: `/${DEMO_SERVICE}/Count`,
        headers: { ...protocolHeaders, ...extraHeaders, "content-length": String(body.length) },
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${protocol} stream answered HTTP ${res.statusCode}`));
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          env.push(c);
        });
        res.on("end", () => {
          const seconds = (performance.now() - t0) / 1000;
          const last = env.last;
          const text = last?.payload.toString("latin1") ?? "";
          // gRPC-web ends on a trailer frame (flag 0x80) saying grpc-status 0; Connect on an
          // end-of-stream frame (flag 0x02) whose JSON holds no error.
          const ended =
            protocol === "connect"
              ? last?.flags === 0x02 && !text.includes('"error"')
              : last !== undefined && (last.flags & 0x80) !== 0 && /grpc-status: ?0\r?\n/.test(text);
          if (env.messages !== count || !env.whole || !ended)
            reject(
              new Error(
                `${protocol} stream: ${env.messages} of ${count} messages, ${bytes} bytes, last frame flags ${String(last?.flags)} ${JSON.stringify(text.slice(0, 200))}`,
              ),
            );
          else resolve({ mib_per_s: bytes / 1048576 / seconds, first_message_ms: env.firstAt, bytes });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A gRPC-web Count stream of `mib` MiB read to its end; fails unless every message and an OK trailer arrived. */
export function streamOnce(url: string, mib: number, extraHeaders: Record<string, string> = {}): Promise<StreamRun> {
  return streamCall(url, mib, "grpc-web", extraHeaders);
}

/** The same stream over the Connect protocol (enveloped request and answer, end-of-stream frame last). */
export function connectStreamOnce(url: string, mib: number, extraHeaders: Record<string, string> = {}): Promise<StreamRun> {
  return streamCall(url, mib, "connect", extraHeaders);
}

export interface StreamFigures {
  mib: number;
  direct: { mib_per_s: Summary; first_message_ms: Summary };
  ours: { mib_per_s: Summary; first_message_ms: Summary };
  /** The pass-through worker of the proxy benchmark: `fetch()` returned as is (not the ceiling: see bench/relay.ts). */
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

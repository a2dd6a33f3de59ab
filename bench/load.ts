import { Agent, request } from "node:http";
import { percentile } from "./measure.ts";

/**
 * A closed-loop load generator on node:http: `concurrency` callers over keep-alive
 * connections, each sending its next request when the last answer is read, until
 * `requests` have completed. Bounded by count, loopback only, no dependencies.
 */
export interface LoadSpec {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  requests: number;
  concurrency: number;
  /** Throws when an answer is not the expected success (checked on every response). */
  check(status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): void;
}

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  errors: number;
  /** The first error seen, to tell what went wrong. */
  firstError?: string;
}

/** One request; resolves with status, headers and whole body. */
function once(
  agent: Agent,
  spec: LoadSpec,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(spec.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: spec.path,
        headers: { ...spec.headers, "content-length": String(spec.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${spec.url}${spec.path} in 10 s`)));
    req.end(spec.body);
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  const caller = async () => {
    while (issued < spec.requests) {
      issued++;
      const t0 = performance.now();
      try {
        const r = await once(agent, spec);
        spec.check(r.status, r.headers, r.body);
        latencies.push(performance.now() - t0);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: spec.concurrency }, caller));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const out: LoadResult = {
    rps: latencies.length / seconds,
    p50_ms: latencies.length > 0 ? percentile(latencies, 0.5) : NaN,
    p99_ms: latencies.length > 0 ? percentile(latencies, 0.99) : NaN,
    requests: latencies.length,
    errors,
  };
  if (firstError !== undefined) out.firstError = firstError;
  return out;
}

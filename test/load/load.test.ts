/**
 * Load: the worker in workerd against two real, weighted connect-node origins,
 * driven by real clients (@connectrpc/connect-node gRPC-web and Connect transports over
 * HTTP/1.1, mixed by a seeded draw):
 *
 * - N unary calls at concurrency 64 (a seeded 2% are `Fail` calls: errors the origin
 *   causes on purpose, which must come back with exactly the origin's code and message),
 * - M concurrent server streams, each a few messages with small delays,
 *
 * and asserts: no error the origins did not cause (counted per code, printed on failure),
 * every stream complete (all messages, in order, one backend, a clean OK end), every call
 * reaching exactly one origin exactly once, the 3 : 1 backend split within 5 σ, and
 * memory flat: workerd's RSS (read from /proc) and Node's heapUsed (after a forced GC)
 * grow by less than their bounds between the warm-up and the end of the run (in the soak,
 * workerd's growth is compared with a pass-through Worker's under the same workload).
 *
 * `npm test` runs the reduced form (N = 2,000, M = 40); SOAK=1 the issue's full form
 * (N = 20,000, M = 200). LOAD_SEED=<n> replays another seeded workload. Every call has a
 * 15 s deadline and the whole run an abort signal, so nothing can hang.
 */
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { setMaxListeners } from "node:events";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DemoService } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { compileRoutes, demoService } from "../fixtures/demo-routes.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { compatibilityDate, startWorker, type RunningWorker } from "../harness/worker.ts";
import { fdCount, heapUsedAfterGc, MiB, mib, rssBytes, workerdDescendants } from "./proc.ts";
import { prng } from "../support/prng.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";

const soak = process.env.SOAK === "1";
const N = soak ? 20_000 : 2_000;
const M = soak ? 200 : 40;
const concurrency = 64;
const seed = Number(process.env.LOAD_SEED ?? 20_260_426);
/** Whole-run budget; the reduced form takes a few seconds on 2 cores. */
const runBudgetMs = soak ? 240_000 : 45_000;
const callTimeoutMs = 15_000;
const weights = { heavy: 3, light: 1 } as const;

/**
 * Memory bounds, growth from after the warm-up to after the run and a settle.
 *
 * workerd: once warm (see below), the isolate's V8 heap, the KJ/HTTP buffers and the
 * allocator's arenas have their working size for this concurrency (64 + M open calls);
 * what remains is V8 growing its old generation lazily before a major GC, and memory the
 * allocator does not give back. 64 MiB leaves room for that and still catches a leak of
 * ~3 KiB per call in the soak (20,200 calls: a retained request or response, a body, a
 * stream, a timer with its closure), ~32 KiB per call in the reduced form.
 *
 * Node (clients and origins live here): heapUsed after a forced full GC, with the origins'
 * call logs cleared, should return to its post-warm-up level; 32 MiB is ~1.5 KiB per call
 * in the soak, and is far above the noise (a few MiB) seen here.
 */
const workerdGrowthBound = 64 * MiB;
/**
 * The reduced form measures inside workerd's own early climb (a pass-through Worker grows
 * ~9 KiB per call there, see below), and measured 38–83 MiB here depending on what else
 * the machine runs: its bound is 128 MiB, a smoke check for gross leaks (≥ ~64 KiB per
 * call: a retained body buffer or stream per call). The soak is the real leak test.
 */
const reducedWorkerdGrowthBound = 128 * MiB;
/**
 * The warm-up. workerd's RSS climbs for the first ~16,000 calls under this load and then
 * flattens, whatever the Worker does: measured here, a five-line pass-through Worker
 * (`fetch(origin + path, request)`) in the same Miniflare went 129 → 164 → 182 → 238 →
 * 246 → 249 MiB over six blocks of 4,000 calls, the edge 151 → 194 → 218 → 287 → 298 →
 * 301 MiB. So the reduced form (2,040 calls after a 528-call warm-up, measured growth
 * ~40 MiB) only catches gross leaks. The soak first runs a warm-up as large as the run
 * (20,200 calls), and even then workerd keeps growing with the issue's mixed workload:
 * measured, 88 MiB for the edge and 142 MiB for the pass-through Worker over the next
 * 20,200 calls. So the soak asserts the edge's growth against that control's plus 64 MiB.
 */
const warmUnary = soak ? N : 512;
const warmStreams = soak ? M : 16;
const nodeHeapGrowthBound = 32 * MiB;

type TransportKind = "grpc-web" | "connect";
type Unary =
  | { kind: "echo"; transport: TransportKind; message: string; delayMs: number }
  | { kind: "fail"; transport: TransportKind; code: Code; message: string };
interface Stream {
  transport: TransportKind;
  count: number;
  delayMs: number;
}

/** Codes an origin may fail with; all pass the edge unchanged. */
const failCodes = [
  Code.InvalidArgument,
  Code.NotFound,
  Code.FailedPrecondition,
  Code.PermissionDenied,
  Code.ResourceExhausted,
  Code.Aborted,
];
const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 -_.:/%ÄÖé€";

function workload(random: () => number, n: number, m: number, tag: string): { unary: Unary[]; streams: Stream[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const transport = (): TransportKind => (random() < 0.5 ? "grpc-web" : "connect");
  const text = (max: number) => Array.from({ length: Math.floor(random() * max) }, () => pick([...alphabet])).join("");
  const unary = Array.from({ length: n }, (_, i): Unary => {
    if (random() < 0.02) return { kind: "fail", transport: transport(), code: pick(failCodes), message: `${tag} fail ${i}: ${text(40)}` };
    return {
      kind: "echo",
      transport: transport(),
      message: `${tag} ${i} ${text(200)}`,
      delayMs: random() < 0.1 ? 1 + Math.floor(random() * 3) : 0,
    };
  });
  const streams = Array.from(
    { length: m },
    (): Stream => ({ transport: transport(), count: 3 + Math.floor(random() * 6), delayMs: 5 + Math.floor(random() * 16) }),
  );
  return { unary, streams };
}

/** What went wrong, per code (or problem), with the first few messages of each. */
class Tally {
  readonly byKind = new Map<string, { count: number; samples: string[] }>();
  add(kind: string, detail: string): void {
    const e = this.byKind.get(kind) ?? this.byKind.set(kind, { count: 0, samples: [] }).get(kind)!;
    e.count++;
    if (e.samples.length < 5) e.samples.push(detail);
  }
  addError(e: unknown, what: string): void {
    const err = ConnectError.from(e);
    this.add(Code[err.code] ?? String(err.code), `${what}: ${err.rawMessage}`);
  }
  get total(): number {
    return [...this.byKind.values()].reduce((s, e) => s + e.count, 0);
  }
  report(): string {
    return [...this.byKind].map(([k, e]) => `${k}: ${e.count}\n    ${e.samples.join("\n    ")}`).join("\n");
  }
}

interface RunStats {
  errors: Tally;
  originErrors: number;
  expectedOriginErrors: number;
  streamsComplete: number;
  backends: Map<string, number>;
  latencies: number[];
  ms: number;
}

let heavy: RunningOrigin;
let light: RunningOrigin;
let worker: RunningWorker;
let workerdPid: number;
let clients: Clients;

beforeAll(async () => {
  [heavy, light] = await Promise.all([startOrigin("heavy"), startOrigin("light")]);
  const before = new Set(workerdDescendants());
  worker = await startWorker(
    compileRoutes(`${edgeGateway()}
---
${originService("heavy", heavy.url)}
---
${originService("light", light.url)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: load}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{method: {service: ${demoService}}}]
    backendRefs:
    - {name: heavy, port: 80, weight: ${weights.heavy}}
    - {name: light, port: 80, weight: ${weights.light}}
`),
  );
  const spawned = workerdDescendants().filter((p) => !before.has(p));
  if (spawned.length !== 1) throw new Error(`expected one new workerd process below pid ${process.pid}, found ${JSON.stringify(spawned)}`);
  workerdPid = spawned[0]!;
  clients = clientsFor(worker.url);
});

afterAll(async () => {
  await worker?.dispose();
  await Promise.all([heavy, light].map((o) => o?.close()));
});

/** Calls each origin received since the last reset; clears the logs (they would hold memory). */
function takeOriginCalls(): Map<string, number> {
  const out = new Map([heavy, light].map((o) => [o.name, o.calls.length] as const));
  for (const o of [heavy, light]) o.calls.length = 0;
  return out;
}

type Clients = Record<TransportKind, Client<typeof DemoService>>;

function clientsFor(baseUrl: string): Clients {
  const transports: Record<TransportKind, Transport> = {
    "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
    connect: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
  };
  return { "grpc-web": createClient(DemoService, transports["grpc-web"]), connect: createClient(DemoService, transports.connect) };
}

async function run(clients: Clients, unary: readonly Unary[], streams: readonly Stream[]): Promise<RunStats> {
  const errors = new Tally();
  const backends = new Map<string, number>();
  const latencies: number[] = [];
  let originErrors = 0;
  let streamsComplete = 0;
  const abort = AbortSignal.timeout(runBudgetMs);
  // Every call in flight listens on the run's signal: 64 + M at once.
  setMaxListeners(concurrency + streams.length + 16, abort);
  const opts = { timeoutMs: callTimeoutMs, signal: abort };
  const seen = (b: string) => backends.set(b, (backends.get(b) ?? 0) + 1);
  const started = performance.now();

  let next = 0;
  const unaryWorker = async () => {
    while (next < unary.length && !abort.aborted) {
      const i = next++;
      const c = unary[i]!;
      const t0 = performance.now();
      try {
        if (c.kind === "echo") {
          const res = await clients[c.transport].echo({ message: c.message, delayMs: c.delayMs }, opts);
          if (res.message !== c.message)
            errors.add("WRONG_ANSWER", `#${i} ${c.transport}: sent ${JSON.stringify(c.message)}, got ${JSON.stringify(res.message)}`);
          else if (res.backend !== "heavy" && res.backend !== "light") errors.add("WRONG_BACKEND", `#${i}: ${res.backend}`);
          else seen(res.backend);
        } else {
          await clients[c.transport].fail({ code: c.code, message: c.message }, opts);
          errors.add("FAIL_SUCCEEDED", `#${i} ${c.transport}: Fail(${Code[c.code]}) returned OK`);
        }
      } catch (e) {
        const err = ConnectError.from(e);
        if (c.kind === "fail" && err.code === c.code && err.rawMessage === c.message) originErrors++;
        else errors.addError(e, `#${i} ${c.kind} via ${c.transport}`);
      }
      latencies.push(performance.now() - t0);
    }
  };

  const stream = async (s: Stream, i: number) => {
    const numbers: number[] = [];
    const from = new Set<string>();
    try {
      for await (const r of clients[s.transport].count({ count: s.count, delayMs: s.delayMs }, opts)) {
        numbers.push(r.number);
        from.add(r.backend);
      }
    } catch (e) {
      errors.addError(e, `stream ${i} via ${s.transport} after ${numbers.length}/${s.count} messages`);
      return;
    }
    const expected = Array.from({ length: s.count }, (_, k) => k + 1);
    if (JSON.stringify(numbers) !== JSON.stringify(expected)) {
      errors.add("STREAM_INCOMPLETE", `stream ${i} via ${s.transport}: got ${JSON.stringify(numbers)}, expected 1..${s.count}`);
    } else if (from.size !== 1) {
      errors.add("STREAM_MIXED_BACKENDS", `stream ${i}: ${[...from].join(", ")}`);
    } else {
      streamsComplete++;
      seen([...from][0]!);
    }
  };

  await Promise.all([...streams.map(stream), ...Array.from({ length: concurrency }, unaryWorker)]);
  if (abort.aborted)
    errors.add("RUN_BUDGET_EXCEEDED", `the run did not finish in ${runBudgetMs} ms; ${unary.length - next} unary calls never started`);
  return {
    errors,
    originErrors,
    expectedOriginErrors: unary.filter((c) => c.kind === "fail").length,
    streamsComplete,
    backends,
    latencies,
    ms: performance.now() - started,
  };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

function expectClean(stats: RunStats, what: string, streams: number): void {
  expect(stats.errors.total, `${what}: errors the origins did not cause:\n${stats.errors.report()}`).toBe(0);
  expect(stats.originErrors, `${what}: origin-caused errors passed through unchanged`).toBe(stats.expectedOriginErrors);
  expect(stats.streamsComplete, `${what}: complete streams`).toBe(streams);
}

test(
  `load: ${N} unary calls at concurrency ${concurrency} + ${M} concurrent server streams, 2 weighted origins${soak ? " (SOAK)" : ""}`,
  async () => {
    const random = prng(seed);
    // Generated before any memory reading, so they count in every sample alike.
    const warm = workload(random, warmUnary, warmStreams, "warm");
    const main = workload(random, N, M, "load");

    const rssStart = rssBytes(workerdPid);
    const warmStats = await run(clients, warm.unary, warm.streams);
    expectClean(warmStats, "warm-up", warm.streams.length);
    takeOriginCalls();
    await new Promise((r) => setTimeout(r, 250));
    const rssWarm = rssBytes(workerdPid);
    const heapWarm = heapUsedAfterGc();
    const fdWarm = fdCount(workerdPid);

    const stats = await run(clients, main.unary, main.streams);
    const originCalls = takeOriginCalls();
    await new Promise((r) => setTimeout(r, soak ? 2_000 : 1_000));
    const rssEnd = rssBytes(workerdPid);
    const heapEnd = heapUsedAfterGc();
    const fdEnd = fdCount(workerdPid);

    const calls = N + M;
    const heavyCalls = originCalls.get("heavy")!;
    const share = heavyCalls / calls;
    const p = weights.heavy / (weights.heavy + weights.light);
    const sigma = Math.sqrt((p * (1 - p)) / calls);
    console.log(
      [
        `load (seed ${seed}${soak ? ", SOAK" : ""}): ${N} unary + ${M} streams in ${(stats.ms / 1000).toFixed(2)} s` +
          ` (${Math.round((N * 1000) / stats.ms)} unary/s); unary p50 ${quantile(stats.latencies, 0.5).toFixed(1)} ms, p99 ${quantile(stats.latencies, 0.99).toFixed(1)} ms, max ${Math.max(...stats.latencies).toFixed(0)} ms`,
        `  origin calls: heavy ${heavyCalls}, light ${originCalls.get("light")} (heavy share ${share.toFixed(4)}, expected ${p}, σ ${sigma.toFixed(4)}); origin-caused errors ${stats.originErrors}/${stats.expectedOriginErrors}`,
        `  workerd pid ${workerdPid} RSS: start ${mib(rssStart)}, after warm-up ${mib(rssWarm)}, after run ${mib(rssEnd)} (growth ${mib(rssEnd - rssWarm)}, bound ${soak ? `control's + ${mib(workerdGrowthBound)}` : mib(reducedWorkerdGrowthBound)}); fds ${fdWarm} → ${fdEnd}`,
        `  node heapUsed after GC: after warm-up ${mib(heapWarm)}, after run ${mib(heapEnd)} (growth ${mib(heapEnd - heapWarm)}, bound ${mib(nodeHeapGrowthBound)})`,
      ].join("\n"),
    );

    expectClean(stats, "run", M);
    // Each call reached exactly one origin, once: no retries, no duplicates, nothing lost.
    expect(heavyCalls + originCalls.get("light")!, "origin calls = calls made").toBe(calls);
    // Successful answers name their backend; they agree with what the origins saw.
    expect((stats.backends.get("heavy") ?? 0) + (stats.backends.get("light") ?? 0)).toBe(calls - stats.expectedOriginErrors);
    // The weighted split: 5 σ (binomial) either side of 3/4; the edge draws with crypto
    // randomness, not seedable, so this is statistical (false alarm ~6e-7).
    expect(Math.abs(share - p), `heavy share ${share}, expected ${p} ± ${5 * sigma}`).toBeLessThan(5 * sigma);
    if (!soak) {
      expect(rssEnd - rssWarm, `workerd RSS growth after warm-up`).toBeLessThan(reducedWorkerdGrowthBound);
    } else {
      // workerd's own RSS keeps climbing at this scale whatever the Worker does (see
      // warmUnary), so the soak compares with a control: the same seeded workload through a
      // pass-through Worker in its own workerd. The edge may not grow more than 64 MiB
      // beyond what workerd grows by itself.
      const control = await controlGrowth();
      console.log(`  control pass-through workerd RSS growth after warm-up ${mib(control)}; edge ${mib(rssEnd - rssWarm)}`);
      expect(rssEnd - rssWarm, `workerd RSS growth after warm-up, beyond the pass-through control's ${mib(control)}`).toBeLessThan(
        control + workerdGrowthBound,
      );
    }
    expect(heapEnd - heapWarm, `Node heapUsed growth after warm-up`).toBeLessThan(nodeHeapGrowthBound);
  },
  soak ? 900_000 : 60_000,
);

/** RSS growth of a pass-through Worker's workerd after the same seeded warm-up and run. */
async function controlGrowth(): Promise<number> {
  const before = new Set(workerdDescendants());
  const mf = new Miniflare({
    modules: true,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    bindings: { ORIGIN: heavy.url },
    script: `export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.ORIGIN + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};`,
  });
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    const pid = workerdDescendants().filter((p) => !before.has(p))[0]!;
    const c = clientsFor(url);
    const random = prng(seed);
    const warm = workload(random, warmUnary, warmStreams, "warm");
    const main = workload(random, N, M, "load");
    expectClean(await run(c, warm.unary, warm.streams), "control warm-up", warm.streams.length);
    takeOriginCalls();
    await new Promise((r) => setTimeout(r, 250));
    const rssWarm = rssBytes(pid);
    expectClean(await run(c, main.unary, main.streams), "control run", main.streams.length);
    takeOriginCalls();
    await new Promise((r) => setTimeout(r, 2_000));
    return rssBytes(pid) - rssWarm;
  } finally {
    await mf.dispose();
  }
}

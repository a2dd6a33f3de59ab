import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { COMPATIBILITY_DATE, startWorker, type RunningWorker } from "../src/cli/workerd.ts";
import { compile } from "../src/compiler/index.ts";
import { loadSources } from "../src/compiler/index.ts";
import type { RouteTable } from "../src/table/types.ts";
import { startOrigin } from "../demo/origin.ts";
import { EchoRequestSchema } from "../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { compiledSet, root } from "./build.ts";
import { runLoad, type LoadResult, type LoadSpec } from "./load.ts";
import { summarize, type Summary } from "./measure.ts";
import { startStreamOrigin, type ConnectionCount } from "./stream-origin.ts";

/**
 * Proxy overhead: unary calls with 1 KiB messages, gRPC-web and Connect, at a fixed
 * concurrency against a real connect-node origin on 127.0.0.1, (a) directly, (b) through
 * a pass-through Worker with no routing, (c) through our Worker with the 10,000-rule table
 * plus the demo route. The origin runs in its own process so it never shares an event
 * loop with the load generator; both workers run in Miniflare (workerd) alike.
 */
export const DEMO_SERVICE = "grpcroute.demo.v1.DemoService";

/** A child process serving DemoService (`unary`: the test origin; `stream`: big Count messages). */
export interface OriginProcess {
  url: string;
  /** TCP connections clients opened to the origin so far, and the distinct ones used since the last call (`stream` origin only). */
  connections(): Promise<ConnectionCount>;
  stop(): void;
}

export async function spawnOrigin(kind: "unary" | "stream"): Promise<OriginProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts", "run-ts.js"), "bench/proxy.ts", "--origin", kind], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  // Answers to `connections` queries, in order: the child answers one line per query.
  const waiting: ((n: ConnectionCount | undefined) => void)[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = out.match(/ORIGIN (\S+)\n/);
      if (m) resolve(m[1]!);
      for (let k = out.match(/CONNECTIONS (.*)\n/); k !== null; k = out.match(/CONNECTIONS (.*)\n/)) {
        out = out.replace(k[0], "");
        waiting.shift()?.((JSON.parse(k[1]!) as ConnectionCount | null) ?? undefined);
      }
    });
    child.once("exit", (code) => reject(new Error(`bench origin exited with ${code} before listening`)));
  });
  const connections = () =>
    new Promise<ConnectionCount>((resolve, reject) => {
      waiting.push((n) => (n === undefined ? reject(new Error(`the ${kind} origin does not count connections`)) : resolve(n)));
      child.stdin!.write("connections\n");
    });
  return { url, connections, stop: () => child.kill() };
}

/** The demo route appended to a synthetic set: hostless, so any Host reaches it. */
export function demoRouteYaml(gateway: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: demo}
spec:
  parentRefs: [{name: ${gateway}}]
  rules:
  - matches: [{method: {service: ${DEMO_SERVICE}}}]
    backendRefs: [{name: demo-origin, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: demo-origin}
spec: {type: ExternalName, externalName: demo.origin.test, ports: [{port: 80}]}`;
}

/** The `rules`-rule synthetic table with the demo route, compiled. */
export function tableWithDemo(rules: number): RouteTable {
  const yaml = `${compiledSet(rules).synthetic.yaml}\n---\n${demoRouteYaml("bench")}`;
  const loaded = loadSources([{ file: "proxy.yaml", text: yaml }]);
  return compile(loaded.resources).table;
}

/** One GRPCRoute sending DemoService to `origin`: the worker of the relay, observe and profile benchmarks. */
export function demoTable(origin: string) {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: grpcroute-edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: bench-origin, annotations: {grpcroute-edge.dev/origin: "${origin}"}}
spec: {type: ClusterIP, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: bench}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{method: {service: ${DEMO_SERVICE}}}]
    backendRefs: [{name: bench-origin, port: 80}]`;
  const loaded = loadSources([{ file: "bench.yaml", text: yaml }]);
  const compiled = compile(loaded.resources);
  const errors = [...loaded.diagnostics, ...compiled.diagnostics].filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`bench manifests: ${errors.map((e) => e.message).join("; ")}`);
  return compiled.table;
}

/** Our worker in Miniflare with `table`, its demo backend pointed at `origin`. */
export function startOurs(table: RouteTable, origin: string): Promise<RunningWorker> {
  return startWorker(table, { vars: { ORIGINS: JSON.stringify({ "demo-origin": origin }) } });
}

/** bench/passthrough-worker.ts in Miniflare, bundled and started like ours. */
export function startPassthrough(origin: string): Promise<RunningWorker> {
  return startBaseline("passthrough-worker.ts", origin);
}

/** A baseline worker from bench/ (`file`), bundled for workerd. */
export async function bundleBaseline(file: string): Promise<string> {
  const out = await build({
    entryPoints: [join(root, "bench", file)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** A baseline worker from bench/ (`file`), with `ORIGIN` bound, bundled and started in Miniflare like ours. */
export async function startBaseline(file: string, origin: string): Promise<RunningWorker> {
  const mf = new Miniflare({
    modules: true,
    script: await bundleBaseline(file),
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port: 0,
    bindings: { ORIGIN: origin },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return { url, dispose: () => mf.dispose() };
}

type Protocol = "grpc-web" | "connect";

function frame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + msg.length);
  new DataView(out.buffer).setUint32(1, msg.length);
  out.set(msg, 5);
  return out;
}

const TRAILER_OK = /grpc-status: ?0\r?\n/;

/** One unary Echo call of a 1 KiB message, as a load spec. */
export function echoSpec(url: string, protocol: Protocol, requests: number, concurrency: number): LoadSpec {
  const msg = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "x".repeat(1024) }));
  const path = `/${DEMO_SERVICE}/Echo`;
  if (protocol === "connect") {
    return {
      url,
      path,
      requests,
      concurrency,
      // Identity, as the gRPC-web side: otherwise workerd asks the origin for gzip on the pass-through.
      headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
      body: msg,
      check(status, h, body) {
        // Miniflare, like Cloudflare, sends origins `Accept-Encoding: br, gzip`: through a
        // worker the Connect answer arrives compressed.
        const enc = h["content-encoding"];
        if (enc === "br") body = brotliDecompressSync(body);
        else if (enc === "gzip") body = gunzipSync(body);
        if (status !== 200 || body.length < 1024)
          throw new Error(`Connect answer HTTP ${status}, ${body.length} bytes: ${body.subarray(0, 200).toString()}`);
      },
    };
  }
  return {
    url,
    path,
    requests,
    concurrency,
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: frame(msg),
    check(status, headers, body) {
      const inHeaders = headers["grpc-status"];
      if (
        status !== 200 ||
        (inHeaders !== undefined && inHeaders !== "0") ||
        body.length < 1024 ||
        !TRAILER_OK.test(body.subarray(body.length - 64).toString("latin1"))
      ) {
        throw new Error(`gRPC-web answer HTTP ${status}, grpc-status ${String(inHeaders)}, ${body.length} bytes`);
      }
    },
  };
}

export type Setup = "direct" | "passthrough" | "ours";

export interface ProxyRow {
  protocol: Protocol;
  setup: Setup;
  rps: Summary;
  p50_ms: Summary;
  p99_ms: Summary;
  errors: number;
}

export interface ProxyFigures {
  concurrency: number;
  requests: number;
  rows: ProxyRow[];
}

export async function measureProxy(opts: { requests: number; runs: number; concurrency: number; rules: number }): Promise<ProxyFigures> {
  const origin = await spawnOrigin("unary");
  const passthrough = await startPassthrough(origin.url);
  const ours = await startOurs(tableWithDemo(opts.rules), origin.url);
  const urls: Record<Setup, string> = { direct: origin.url, passthrough: passthrough.url, ours: ours.url };
  const setups: Setup[] = ["direct", "passthrough", "ours"];
  const results = new Map<string, LoadResult[]>();
  try {
    for (const protocol of ["grpc-web", "connect"] as const) {
      for (const s of setups) {
        const warm = await runLoad(echoSpec(urls[s], protocol, Math.min(300, opts.requests), opts.concurrency));
        if (warm.errors > 0) throw new Error(`${protocol} via ${s}: ${warm.firstError}`);
      }
      for (let run = 0; run < opts.runs; run++) {
        // Alternate the order so no setup always runs first (or last) on a drifting machine.
        for (const s of run % 2 === 0 ? setups : [...setups].reverse()) {
          const r = await runLoad(echoSpec(urls[s], protocol, opts.requests, opts.concurrency));
          const key = `${protocol}/${s}`;
          results.set(key, [...(results.get(key) ?? []), r]);
        }
      }
    }
  } finally {
    await Promise.all([passthrough.dispose(), ours.dispose()]);
    origin.stop();
  }
  const rows: ProxyRow[] = [];
  for (const [key, rs] of results) {
    const [protocol, setup] = key.split("/") as [Protocol, Setup];
    rows.push({
      protocol,
      setup,
      rps: summarize(rs.map((r) => r.rps)),
      p50_ms: summarize(rs.map((r) => r.p50_ms)),
      p99_ms: summarize(rs.map((r) => r.p99_ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
    });
  }
  return { concurrency: opts.concurrency, requests: opts.requests, rows };
}

export async function main(argv: string[]): Promise<number> {
  const origin = argv.indexOf("--origin");
  if (origin >= 0) {
    // Child mode: serve until the parent goes away.
    const o = argv[origin + 1] === "stream" ? await startStreamOrigin() : await startOrigin("bench");
    process.stdout.write(`ORIGIN ${o.url}\n`);
    process.stdin.on("close", () => process.exit(0));
    // One `connections` line in, one `CONNECTIONS <json>` line out (null: this origin does not count).
    process.stdin.on("data", (c: Buffer) => {
      for (const line of c.toString().split("\n"))
        if (line.trim() === "connections")
          process.stdout.write(`CONNECTIONS ${JSON.stringify("connections" in o ? o.connections() : null)}\n`);
    });
    return new Promise(() => undefined);
  }
  const f = await measureProxy({ requests: 2000, runs: 2, concurrency: 16, rules: Number(process.env.RULES ?? 10000) });
  for (const r of f.rows)
    console.log(
      r.protocol,
      r.setup,
      r.rps.median.toFixed(0),
      "rps",
      r.p50_ms.median.toFixed(2),
      "ms p50",
      r.p99_ms.median.toFixed(2),
      "p99",
      r.errors,
      "errors",
    );
  return 0;
}

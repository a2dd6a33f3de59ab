import type { Readable } from "node:stream";
import { WebSocket } from "undici";
import { Miniflare } from "miniflare";
import { bundleWorker, COMPATIBILITY_DATE, COMPATIBILITY_FLAGS } from "../src/cli/workerd.ts";
import { runLoad } from "./load.ts";
import { demoTable, echoSpec, spawnOrigin } from "./proxy.ts";

/**
 * Where a call's CPU goes inside workerd: `node scripts/run-ts.js bench/profile.ts
 * [grpc-web|connect] [calls]` runs the worker (one DemoService route) under load with V8's
 * sampling profiler attached through workerd's inspector (the Chrome DevTools Protocol,
 * https://chromedevtools.github.io/devtools-protocol/tot/Profiler/), and prints the
 * functions with the most samples, self and inclusive. A sample is a share of the worker's
 * time, idle included; read it as where to look, not as a figure to report (BENCHMARKS.md has those).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

const inspectorPort = 9229;

/** One CDP session over the inspector's WebSocket. */
async function devtools(url: string): Promise<{ send(method: string, params?: object): Promise<unknown>; close(): void }> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
    if (m.id !== undefined) pending.delete(m.id);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

function label(n: ProfileNode): string {
  const file = n.callFrame.url.split("/").pop() || "native";
  return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
}

function top(counts: Map<string, number>, total: number, n: number): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

export async function main(argv: string[]): Promise<number> {
  const protocol = argv[0] === "connect" ? "connect" : "grpc-web";
  const calls = Number(argv[1] ?? 3000);
  const origin = await spawnOrigin("unary");
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    inspectorPort,
    // The access log must be read off the pipe, or workerd blocks once it fills.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.resume();
      stderr.resume();
    },
    workers: [
      {
        name: "edge",
        modules: true,
        script: await bundleWorker(demoTable(origin.url)),
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: COMPATIBILITY_FLAGS,
      },
    ],
  });
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    await runLoad(echoSpec(url, protocol, 500, 16));
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
      webSocketDebuggerUrl: string;
      title: string;
    }[];
    const target = targets.find((t) => t.title.includes("edge")) ?? targets[0];
    if (target === undefined) throw new Error("workerd's inspector lists no worker");
    const cdp = await devtools(target.webSocketDebuggerUrl);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
    const load = await runLoad(echoSpec(url, protocol, calls, 16));
    const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
    cdp.close();
    if (load.errors > 0) throw new Error(`profile: ${load.errors} calls failed: ${load.firstError}`);
    const nodes = profile.nodes;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const total = nodes.reduce((a, n) => a + n.hitCount, 0);
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const n of nodes) self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount);
    // A function on the stack twice (recursion) counts once per stack.
    const walk = (n: ProfileNode, onStack: Set<string>): number => {
      const k = label(n);
      const inner = new Set(onStack).add(k);
      let sum = n.hitCount;
      for (const c of n.children ?? []) sum += walk(byId.get(c)!, inner);
      if (!onStack.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + sum);
      return sum;
    };
    walk(nodes[0]!, new Set());
    console.log(`${protocol}, ${calls} calls at concurrency 16, ${total} samples (one per 50 µs of the isolate's time, idle included)`);
    console.log("\nself:");
    for (const line of top(self, total, 30)) console.log(line);
    console.log("\ninclusive:");
    for (const line of top(inclusive, total, 40)) console.log(line);
  } finally {
    await mf.dispose();
    origin.stop();
  }
  return 0;
}

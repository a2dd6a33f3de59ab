import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { RunningWorker } from "../src/cli/workerd.ts";

/**
 * workerd's CPU time, read from /proc: what Cloudflare bills, and a figure that queueing on
 * a busy shared machine does not blur the way wall-clock latency is blurred. Linux only.
 */

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process, in ticks, summed over all its threads. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses; fields are counted from its closing one.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** The workerd processes Miniflare started for us: direct or indirect children of this process. */
export function workerdPids(): number[] {
  const parent = new Map<number, number>();
  const name = new Map<number, string>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      name.set(Number(d), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...name].filter(([pid, n]) => n.startsWith("workerd") && mine(pid)).map(([pid]) => pid);
}

/**
 * Miniflare spawns workerd itself and exposes no pid, so it is found as the one workerd
 * process descending from this Node process that was not there before the worker started.
 * Workers must therefore be started one at a time.
 */
export async function startWithPid(start: () => Promise<RunningWorker>): Promise<{ worker: RunningWorker; pid: number }> {
  const before = new Set(workerdPids());
  const worker = await start();
  const fresh = workerdPids().filter((p) => !before.has(p));
  if (fresh.length !== 1) {
    await worker.dispose();
    throw new Error(`expected one new workerd process, found ${fresh.length}`);
  }
  return { worker, pid: fresh[0]! };
}

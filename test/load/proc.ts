/**
 * Memory readings for the load test, from Linux /proc: the workerd process Miniflare
 * spawned for this test (a descendant of this Node process), and Node's own heap after
 * a forced collection.
 */
import { readFileSync, readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** ppid of every process we may read, from /proc/<pid>/stat (comm may hold spaces and parens). */
function processTable(): Map<number, { ppid: number; comm: string }> {
  const out = new Map<number, { ppid: number; comm: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const open = stat.indexOf("(");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(open + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.set(Number(entry), { ppid, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Pids of the workerd processes descending from `root` (default: this process). */
export function workerdDescendants(root = process.pid): number[] {
  const table = processTable();
  const isDescendant = (pid: number): boolean => {
    for (let p = table.get(pid)?.ppid, hops = 0; p !== undefined && p > 1 && hops < 64; p = table.get(p)?.ppid, hops++) {
      if (p === root) return true;
    }
    return false;
  };
  return [...table].filter(([pid, { comm }]) => comm.startsWith("workerd") && isDescendant(pid)).map(([pid]) => pid);
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open file descriptors of `pid` (sockets included). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

let gcFn: (() => void) | undefined;

/** Node's heapUsed after a full collection (gc exposed at run time, no CLI flag needed). */
export function heapUsedAfterGc(): number {
  if (gcFn === undefined) {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc") as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { COMPATIBILITY_DATE } from "../src/cli/workerd.ts";
import { root } from "./build.ts";

/**
 * A bundled worker under `workerd serve` itself, without Miniflare: no entry worker in front
 * of it, so the process's CPU is the worker's own and its two HTTP legs. The config is the
 * smallest that serves one module on a loopback socket, with text bindings and an outbound
 * network that may reach 127.0.0.1 (workerd's default internet service refuses private and
 * local addresses). Config schema: https://github.com/cloudflare/workerd/blob/main/src/workerd/server/workerd.capnp
 */
/** The binary the `workerd` package installs, the one Miniflare runs. */
const workerdPath = join(root, "node_modules", "workerd", "bin", "workerd");

export interface DirectWorker {
  url: string;
  pid: number;
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Resolves once anything answers HTTP on `port`. */
async function answering(port: number, exited: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (exited()) throw new Error("workerd exited before listening");
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "GET" }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error(`workerd did not listen on ${port} in 10 s`);
}

export async function startDirect(script: string, opts: { bindings: Record<string, string>; flags?: string[] }): Promise<DirectWorker> {
  const dir = mkdtempSync(join(tmpdir(), "grpcroute-edge-workerd-"));
  const port = await freePort();
  writeFileSync(join(dir, "worker.js"), script);
  const bindings = Object.entries(opts.bindings)
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(", ");
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = [${(opts.flags ?? []).map((f) => JSON.stringify(f)).join(", ")}],
  bindings = [${bindings}],
  globalOutbound = "net",
);
`,
  );
  const child = spawn(workerdPath, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  // Read and dropped, as a log collector would: the access log writes a line per call.
  child.stdout.resume();
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    await answering(port, () => exited);
  } catch (e) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}: ${err}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    dispose: async () => {
      if (!exited) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

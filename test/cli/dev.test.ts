import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { grpcWebCall } from "../support/raw-http.ts";

const root = join(import.meta.dirname, "../..");

/** `grpcroute-edge dev` as a newcomer runs it, until it prints its address. */
function startDev(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(root, "bin/grpcroute-edge.js"), "dev", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev printed no address in 20 s:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done());
              child.kill("SIGINT");
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => reject(new Error(`dev exited with ${code}:\n${out}`)));
  });
}

describe("grpcroute-edge dev", () => {
  let origin: RunningOrigin;
  let dev: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    origin = await startOrigin("local-foo");
    dev = await startDev(["--port", "0", "--origin", `foo-svc=${origin.url}`]);
  });
  afterAll(async () => {
    await dev?.stop();
    await origin?.close();
  });

  it("serves routes/ on 127.0.0.1 with the --origin override", async () => {
    await grpcWebCall(dev.url, "foo.example.com", "/com.example.User/Login");
    expect(origin.calls.at(-1)?.procedure).toBe("/com.example.User/Login");
  });

  it("answers unrouted calls itself", async () => {
    const a = await grpcWebCall(dev.url, "foo.example.com", "/com.example.User/Logout");
    expect(a.grpcStatus).toBe("12");
  });
});

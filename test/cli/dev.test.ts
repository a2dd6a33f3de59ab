import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { grpcWebCall } from "../support/raw-http.ts";

const root = join(import.meta.dirname, "../..");

/** `grpcroute-edge dev` as a newcomer runs it, until it prints its address. */
function startDev(args: string[]): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
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
          output: () => out,
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
  let dev: { url: string; output(): string; stop(): Promise<void> };
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

describe("grpcroute-edge dev with .dev.vars and --secret", () => {
  let dev: { url: string; output(): string; stop(): Promise<void> };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "gre-devvars-"));
    cpSync(join(root, "routes"), dir, { recursive: true });
    // Vars travel the same way as secrets and the worker names the first bad one it reads,
    // so which one it names shows both that the file arrived and that the flag won.
    writeFileSync(join(dir, ".dev.vars"), `# local only\nMAX_MESSAGE_BYTES=4MB\nSTREAM_IDLE_TIMEOUT_MS="soon"\n`);
    dev = await startDev(["-f", dir, "--port", "0", "--secret", "MAX_MESSAGE_BYTES=65536", "--secret", "EG_SECRET_DEFAULT_X=hidden-value"]);
  });
  afterAll(async () => {
    await dev?.stop();
  });

  it("prints the names it loaded and where from, never a value", () => {
    const line = dev
      .output()
      .split("\n")
      .find((l) => l.startsWith("secrets:"));
    expect(line).toMatch(
      /^secrets: {2}MAX_MESSAGE_BYTES \(--secret\), STREAM_IDLE_TIMEOUT_MS \(.*\.dev\.vars\), EG_SECRET_DEFAULT_X \(--secret\)$/,
    );
    expect(dev.output()).not.toContain("hidden-value");
    expect(dev.output()).not.toContain("soon");
  });

  it("binds the file's values and lets --secret win", async () => {
    const a = await grpcWebCall(dev.url, "foo.example.com", "/com.example.User/Login");
    expect(a.grpcStatus).toBe("13");
    expect(a.grpcMessage).toContain("STREAM_IDLE_TIMEOUT_MS");
  });
});

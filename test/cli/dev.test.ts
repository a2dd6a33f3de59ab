import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { grpcWebCall } from "../support/raw-http.ts";

const root = join(import.meta.dirname, "../..");

interface Dev {
  url: string;
  /** stdout and stderr, interleaved as they came. */
  output(): string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `grpcroute-edge dev` as a newcomer runs it, until it prints its address (on stdout, or stderr with --log-format json). */
function startDev(args: string[]): Promise<Dev> {
  const child = spawn(process.execPath, [join(root, "bin/grpcroute-edge.js"), "dev", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev printed no address in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          output: () => out,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done());
              child.kill("SIGINT");
            }),
        });
      }
    };
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      stdout += c.toString();
      check();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
      stderr += c.toString();
      check();
    });
    child.once("exit", (code) => reject(new Error(`dev exited with ${code}:\n${out}`)));
  });
}

describe("grpcroute-edge dev", () => {
  let origin: RunningOrigin;
  let dev: Dev;
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

  it("prints its address on stdout in text mode", () => {
    expect(dev.stdout()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
  });
});

/** Resolves once `text()` matches, or fails after `ms`. */
async function eventually(text: () => string, pattern: RegExp, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pattern.test(text())) {
    if (Date.now() > end) throw new Error(`no ${pattern} within ${ms} ms in:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("grpcroute-edge dev --log-format json", () => {
  let origin: RunningOrigin;
  let dev: Dev;
  beforeAll(async () => {
    origin = await startOrigin("local-foo");
    const dir = mkdtempSync(join(tmpdir(), "gre-devlog-"));
    cpSync(join(root, "routes"), dir, { recursive: true });
    // A shadow limit that the second call exceeds makes the worker console.log free text,
    // which workerd prints on its stdout: exactly what must not reach dev's stdout in json mode.
    writeFileSync(
      join(dir, "shadow-policy.yaml"),
      `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: shadow}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: foo-route}]
  rateLimit:
    global:
      rules:
      - limit: {requests: 1, unit: Hour}
        shadowMode: true
`,
    );
    dev = await startDev([
      "-f",
      dir,
      "--port",
      "0",
      "--log-format",
      "json",
      "--origin",
      `foo-svc=${origin.url}`,
      "--secret",
      "EG_SECRET_DEFAULT_X=v",
    ]);
  });
  afterAll(async () => {
    await dev?.stop();
    await origin?.close();
  });

  it("keeps stdout to JSON log objects while calls are made, with the worker's free text on stderr unchanged", async () => {
    const before = origin.calls.length;
    for (let i = 0; i < 3; i++) await grpcWebCall(dev.url, "foo.example.com", "/com.example.User/Login");
    // Shadow mode: over the limit, yet every call still reached the origin.
    expect(origin.calls.length - before).toBe(3);
    await grpcWebCall(dev.url, "foo.example.com", "/com.example.User/Logout");
    await eventually(dev.stderr, /^grpcroute-edge: shadow rate limit of .* would have limited this call$/m);
    for (const line of dev
      .stdout()
      .split("\n")
      .filter((l) => l !== "")) {
      expect(JSON.parse(line)).toMatchObject({ v: 1 });
    }
    expect(dev.stdout()).not.toContain("grpcroute-edge:");
  });

  it("moves its own lines to stderr", () => {
    expect(dev.stderr()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(dev.stderr()).toMatch(/^secrets: {2}EG_SECRET_DEFAULT_X \(--secret\)$/m);
    expect(dev.stdout()).not.toMatch(/listening on|secrets:/);
  });

  it("refuses an unknown format", async () => {
    await expect(startDev(["--log-format", "yaml"])).rejects.toThrow(/exited with 2[\s\S]*--log-format must be text or json, not yaml/);
  });
});

describe("grpcroute-edge dev with .dev.vars and --secret", () => {
  let dev: Dev;
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

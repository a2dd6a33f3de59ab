/**
 * `dev`'s Worker secrets: .dev.vars read as wrangler reads it, `--secret` over the file, a
 * warning per secret a policy needs and nobody gave, and the bindings reaching the worker.
 * Policies are put into the compiled table by hand: the table is what the worker enforces.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devBindings, loadDevSecrets, loadedLine, missingSecretWarnings, parseDotenv, parseSecretFlags } from "../../src/cli/dev-vars.ts";
import { compilePaths } from "../../src/cli/pipeline.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { startWorker, type RunningWorker } from "../../src/cli/workerd.ts";
import type { RouteTable, SecurityRow } from "../../src/table/types.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { grpcWebCall } from "../support/raw-http.ts";

const root = join(import.meta.dirname, "../..");

describe(".dev.vars", () => {
  it("reads NAME=value, quoted values, comments and export as dotenv does", () => {
    const text = [
      "# Worker secrets for dev",
      "PLAIN=value # trailing comment",
      "export EXPORTED=yes",
      `EG_SECRET_DEFAULT_API_KEYS={"client-a":"key-a"}`,
      `SINGLE='{"a":"b # not a comment"}'`,
      `DOUBLE="two\\nlines"`,
      "  SPACED  =  padded  ",
      "EMPTY=",
      `MULTI="first`,
      `second"`,
      "PLAIN=again",
      "not a line",
    ].join("\r\n");
    expect(parseDotenv(text)).toEqual({
      PLAIN: "again",
      EXPORTED: "yes",
      EG_SECRET_DEFAULT_API_KEYS: `{"client-a":"key-a"}`,
      SINGLE: `{"a":"b # not a comment"}`,
      DOUBLE: "two\nlines",
      SPACED: "padded",
      EMPTY: "",
      MULTI: "first\nsecond",
    });
  });

  it("is found beside the routes first, else in the current directory, and --secret wins over it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "gre-dev-"));
    mkdirSync(join(cwd, "routes"));
    writeFileSync(join(cwd, "routes", "a.yaml"), "");
    writeFileSync(join(cwd, ".dev.vars"), "FROM_CWD=1\n");
    const inCwd = await loadDevSecrets(["routes"], cwd, {});
    expect(inCwd.vars).toEqual({ FROM_CWD: "1" });
    expect(inCwd.file).toBe(".dev.vars");
    writeFileSync(join(cwd, "routes", ".dev.vars"), "A=file\nB=file\n");
    for (const first of ["routes", join(cwd, "routes"), join("routes", "a.yaml")]) {
      const s = await loadDevSecrets([first, "elsewhere"], cwd, parseSecretFlags(["B=flag", "C=x=y"]));
      expect(s.vars).toEqual({ A: "file", B: "flag", C: "x=y" });
      expect(loadedLine(s)).toBe(
        `secrets:  A (${join(first === join("routes", "a.yaml") ? "routes" : first, ".dev.vars")}), B (--secret), C (--secret)`,
      );
    }
    expect((await loadDevSecrets(["-"], cwd, {})).vars).toEqual({ FROM_CWD: "1" });
    const empty = mkdtempSync(join(tmpdir(), "gre-dev-"));
    mkdirSync(join(empty, "routes"));
    const none = await loadDevSecrets(["routes"], empty, {});
    expect(loadedLine(none)).toBeUndefined();
    expect(none.hintFile).toBe(join("routes", ".dev.vars"));
  });

  it("refuses a --secret without NAME=", () => {
    for (const bad of ["NOVALUE", "=v", "BAD-NAME=v", "1X=v"]) expect(() => parseSecretFlags([bad]), bad).toThrow(UsageError);
  });

  it("warns once per secret a policy reads that no binding holds, naming where to put it; never a value", async () => {
    const s = await loadDevSecrets(
      ["-"],
      mkdtempSync(join(tmpdir(), "gre-dev-")),
      parseSecretFlags(["EG_SECRET_DEFAULT_KEYS_A=secret-value"]),
    );
    const table = {
      security: [
        {
          policy: "default/keys",
          apiKey: { secrets: ["EG_SECRET_DEFAULT_KEYS_A", "EG_SECRET_DEFAULT_KEYS_B"], sources: [], sanitize: false },
        },
        { policy: "default/more-keys", apiKey: { secrets: ["EG_SECRET_DEFAULT_KEYS_B"], sources: [], sanitize: false } },
        { policy: "default/basic", basic: { secret: "EG_SECRET_DEFAULT_HTPASSWD" } },
      ],
    } as unknown as RouteTable;
    const warnings = missingSecretWarnings(table, s);
    expect(warnings).toEqual([
      `warning: Worker secret EG_SECRET_DEFAULT_KEYS_B (apiKeyAuth of SecurityPolicy default/keys) is not set: add EG_SECRET_DEFAULT_KEYS_B='{"client-id":"the-key"}' to .dev.vars or pass --secret EG_SECRET_DEFAULT_KEYS_B=...; calls that need it fail with INTERNAL`,
      `warning: Worker secret EG_SECRET_DEFAULT_HTPASSWD (basicAuth of SecurityPolicy default/basic) is not set: add EG_SECRET_DEFAULT_HTPASSWD='{".htpasswd":"user:{SHA}..."}' to .dev.vars or pass --secret EG_SECRET_DEFAULT_HTPASSWD=...; calls that need it fail with INTERNAL`,
    ]);
    expect(`${loadedLine(s)}${warnings.join("")}`).not.toContain("secret-value");
    expect(missingSecretWarnings({ ...table, security: [] }, s)).toEqual([]);
  });
});

describe("dev's bindings in the worker", () => {
  let origin: RunningOrigin;
  let worker: RunningWorker;
  beforeAll(async () => {
    origin = await startOrigin("local-foo");
    const r = await compilePaths([join(root, "routes")]);
    const row: SecurityRow = {
      policy: "default/keys",
      apiKey: {
        secrets: ["EG_SECRET_DEFAULT_KEYS_A", "EG_SECRET_DEFAULT_KEYS_B"],
        sources: [{ from: "header", name: "x-api-key" }],
        sanitize: true,
      },
    };
    r.table.security = [row];
    r.table.rules.find((rule) => r.table.routes[rule.route]!.name === "foo-route")!.security = 0;
    const dir = mkdtempSync(join(tmpdir(), "gre-dev-"));
    writeFileSync(
      join(dir, ".dev.vars"),
      `EG_SECRET_DEFAULT_KEYS_A='{"client-a":"key-a"}'\nEG_SECRET_DEFAULT_KEYS_B='{"client-b":"key-b-old"}'\n`,
    );
    const secrets = await loadDevSecrets([dir], root, parseSecretFlags([`EG_SECRET_DEFAULT_KEYS_B={"client-b":"key-b-new"}`]));
    worker = await startWorker(r.table, { vars: devBindings(secrets, { "foo-svc": origin.url }, undefined) });
  }, 30_000);
  afterAll(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  const call = async (key: string) => {
    const before = origin.calls.length;
    const a = await grpcWebCall(worker.url, "foo.example.com", "/com.example.User/Login", { "x-api-key": key });
    return { status: a.grpcStatus, reached: origin.calls.length > before };
  };

  it("a key from .dev.vars is accepted, a --secret replaces the file's value of the same secret", async () => {
    expect(await call("key-a")).toMatchObject({ reached: true });
    expect(await call("key-b-new")).toMatchObject({ reached: true });
    expect(await call("key-b-old")).toEqual({ status: "16", reached: false });
  });
});

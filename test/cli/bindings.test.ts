/**
 * The bindings a table needs, end to end through the CLI: `compile --bindings` writes the
 * wrangler.toml fragment, `check` fails when the project's wrangler.toml (or `--config`)
 * lacks one, at the top level or in an environment, and passes with the fragment in place.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const examples = [
  "-f",
  "routes/",
  "-f",
  "examples/security/api-key.yaml",
  "-f",
  "examples/traffic/local-limit.yaml",
  "-f",
  "examples/traffic/global-limit.yaml",
];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin/grpcroute-edge.js"), ...args], { cwd: root, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("bindings", () => {
  const dir = mkdtempSync(join(tmpdir(), "bindings-"));
  const fragment = join(dir, "bindings.toml");

  it("compile prints the bindings and --bindings writes them as wrangler.toml", () => {
    const r = cli(["compile", ...examples, "-o", join(dir, "t.json"), "--bindings", fragment]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("needs [[ratelimits]] RATE_LIMIT_100_PER_MINUTE (simple = { limit = 100, period = 60 })");
    expect(r.out).toContain('needs [[durable_objects.bindings]] RATE_LIMITER (class_name = "RateLimiter", with a migration)');
    const toml = readFileSync(fragment, "utf8");
    expect(toml).toContain('[[ratelimits]]\nname = "RATE_LIMIT_100_PER_MINUTE"');
    expect(toml).toContain('[[durable_objects.bindings]]\nname = "RATE_LIMITER"\nclass_name = "RateLimiter"');
    expect(toml).toContain('new_sqlite_classes = ["RateLimiter"]');
    // The shipped example fragment is what compile writes.
    expect(readFileSync(join(root, "examples/traffic/wrangler.bindings.toml"), "utf8")).toBe(toml);
  });

  it("check fails against a wrangler.toml without them, naming each, and passes with the fragment", () => {
    const bare = cli(["check", ...examples]);
    expect(bare.code).toBe(1);
    expect(bare.out).toContain("wrangler.toml:1:1: error: wrangler.toml: no [[ratelimits]] named RATE_LIMIT_100_PER_MINUTE");
    expect(bare.out).toContain("no [[durable_objects.bindings]]");
    const ok = cli(["check", ...examples, "--config", fragment]);
    expect(ok.out).toMatch(/^valid: 5 routes, 0 errors/m);
    expect(ok.code).toBe(0);
  });

  it("an environment without the bindings fails, since environments do not inherit them; a wrong limit fails", () => {
    const withEnv = join(dir, "with-env.toml");
    writeFileSync(withEnv, `${readFileSync(fragment, "utf8")}\n[env.production]\nname = "edge-prod"\n`);
    const r = cli(["check", ...examples, "--config", withEnv]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("[env.production]: no [[ratelimits]] named RATE_LIMIT_100_PER_MINUTE");
    const wrong = join(dir, "wrong.toml");
    writeFileSync(wrong, readFileSync(fragment, "utf8").replace("limit = 100", "limit = 10"));
    expect(cli(["check", ...examples, "--config", wrong]).out).toContain("must have simple = { limit = 100, period = 60 }");
  });

  it("routes that need no bindings never read wrangler.toml", () => {
    const r = cli(["check", "--config", join(dir, "missing.toml")]);
    expect(r.code).toBe(0);
  });
});

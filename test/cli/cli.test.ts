import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/** The CLI exactly as users and CI run it: a child process, exit code and output. */
function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(root, "bin/grpcroute-edge.js"), ...args], {
    cwd: root,
    input,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const broken = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: broken
spec:
  parentRefs:
    - name: prod
  rules:
    - matches:
        - method:
            service: com.example.User
            method: Log-in
`;

const outsider = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: outsider
  namespace: team
spec:
  parentRefs:
    - name: prod
      namespace: default
  rules:
    - {}
`;

/** The shipped routes plus a route in a namespace the prod listener does not allow. */
function withOutsider(): string {
  const file = join(mkdtempSync(join(tmpdir(), "gre-")), "outsider.yaml");
  writeFileSync(file, outsider);
  return file;
}

describe("grpcroute-edge check", () => {
  it("exits 0 on the shipped routes/", () => {
    const r = cli(["check"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^valid: 5 routes, 0 errors, 0 warnings$/m);
  });

  it("exits 1 with file:line:col diagnostics for a broken manifest", () => {
    const dir = mkdtempSync(join(tmpdir(), "gre-"));
    writeFileSync(join(dir, "broken.yaml"), broken);
    const r = cli(["check", "-f", "routes", "-f", join(dir, "broken.yaml")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${join(dir, "broken.yaml")}:12:21: error: GRPCRoute default/broken spec.rules[0].matches[0].method.method: "Log-in"`,
    );
  });

  it("prints diagnostics and statuses as JSON with --format json", () => {
    const r = cli(["check", "-f", "-", "--format", "json"], broken);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { valid: boolean; diagnostics: { file: string; line: number; path: string }[] };
    expect(j.valid).toBe(false);
    expect(j.diagnostics).toContainEqual(
      expect.objectContaining({ file: "<stdin>", line: 12, path: "spec.rules[0].matches[0].method.method" }),
    );
    const ok = JSON.parse(cli(["check", "--format", "json"]).out) as {
      statuses: { route: string; parents: { conditions: { type: string; status: string }[] }[] }[];
    };
    expect(ok.statuses.map((s) => s.route)).toContain("default/smiley-a-b");
  });

  it("exits 0 when a listener does not accept a route: a warning and Accepted=False", () => {
    const file = withOutsider();
    const r = cli(["check", "-f", "routes", "-f", file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `${file}:8:7: warning: GRPCRoute team/outsider spec.parentRefs[0]: no listener of Gateway default/prod allows GRPCRoutes from namespace team`,
    );
    expect(r.out).toContain("GRPCRoute team/outsider\n  Gateway default/prod: Accepted=False (NotAllowedByListeners), ResolvedRefs=True");
    expect(r.out).toMatch(/^valid: 6 routes, 0 errors, 1 warning$/m);
  });

  it("--strict makes a route that is not accepted an error, exit 1", () => {
    const file = withOutsider();
    const r = cli(["check", "--strict", "-f", "routes", "-f", file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:8:7: error: GRPCRoute team/outsider spec.parentRefs[0]: no listener of Gateway default/prod`);
    expect(r.out).toMatch(/^invalid: 6 routes, 1 error, 0 warnings$/m);
    const j = JSON.parse(cli(["check", "--strict", "--format", "json", "-f", "routes", "-f", file]).out) as { valid: boolean };
    expect(j.valid).toBe(false);
    expect(cli(["check", "--strict"]).code).toBe(0);
  });

  it("exits 2 for usage errors", () => {
    expect(cli(["check", "--format", "xml"]).code).toBe(2);
    expect(cli(["check", "-f", "/does/not/exist"]).code).toBe(2);
    expect(cli(["frobnicate"]).code).toBe(2);
    expect(cli(["check", "--bogus"]).code).toBe(2);
  });
});

describe("grpcroute-edge compile", () => {
  it("writes the table and prints a one-line summary", () => {
    const out = join(mkdtempSync(join(tmpdir(), "gre-")), "t.json");
    const r = cli(["compile", "-o", out]);
    expect(r.code).toBe(0);
    const bytes = readFileSync(out).length;
    expect(r.out.trim()).toBe(`compiled 5 routes, 6 rules, 7 hosts into ${out} (${bytes} bytes)`);
    expect(JSON.parse(readFileSync(out, "utf8")).version).toBe(3);
  });

  it("compiles the other routes when one is not accepted; --strict refuses", () => {
    const file = withOutsider();
    const out = join(mkdtempSync(join(tmpdir(), "gre-")), "t.json");
    const r = cli(["compile", "-f", "routes", "-f", file, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning: GRPCRoute team/outsider spec.parentRefs[0]");
    expect(r.out).toMatch(/^compiled 6 routes, 7 rules, 7 hosts into /);
    const strict = cli(["compile", "--strict", "-f", "routes", "-f", file]);
    expect(strict.code).toBe(1);
    expect(strict.out).toBe("");
    expect(strict.err).toContain("error: GRPCRoute team/outsider spec.parentRefs[0]");
    expect(strict.err).toContain("not compiled: 1 error");
    const explained = cli(["explain", "-f", "routes", "-f", file, "--host", "foo.example.com", "--path", "/com.example.User/Login"]);
    expect(explained.code).toBe(0);
    expect(explained.out).toContain("winner:   GRPCRoute default/foo-route spec.rules[0]");
  });

  it("writes nothing and exits 1 when there are errors", () => {
    const r = cli(["compile", "-f", "-"], broken);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("not compiled");
  });
});

describe("grpcroute-edge explain", () => {
  it("answers one JSON line per request line, to the letter", () => {
    const lines = [
      { host: "foo.example.com", path: "/com.example.User/Login" },
      { host: "bar.example.com", path: "/any.Svc/Any", headers: { env: "canary" } },
      { host: "smiley.example.com", path: "/smiley.v1.Smiley/Get" },
      { host: "nowhere.test", path: "/com.example.User/Login" },
    ];
    const r = cli(["explain", "--json"], lines.map((l) => JSON.stringify(l)).join("\n"));
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { status: "OK", route: "default/foo-route", rule: 0, backends: [{ name: "foo-svc", namespace: "default", port: 50051, weight: 1 }] },
      {
        status: "OK",
        route: "default/bar-route",
        rule: 0,
        backends: [{ name: "bar-svc-canary", namespace: "default", port: 50051, weight: 1 }],
      },
      {
        status: "OK",
        route: "default/smiley-route",
        rule: 0,
        backends: [
          { name: "smiley", namespace: "default", port: 50051, weight: 40 },
          { name: "smiley2", namespace: "default", port: 80, weight: 50051 },
        ],
      },
      { status: "UNIMPLEMENTED", route: null, rule: null, backends: [] },
    ]);
  });

  it("says which rule wins and why", () => {
    const r = cli(["explain", "--host", "bar.example.com", "--path", "/any.Svc/Any", "-H", "env: canary"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("winner:   GRPCRoute default/bar-route spec.rules[0]");
    expect(r.out).toContain("header matches=1");
    expect(r.out).toContain("https://bar-canary.origins.example.net:50051");
  });

  it("needs --path or --json", () => {
    expect(cli(["explain", "--host", "x"]).code).toBe(2);
  });
});

describe("grpcroute-edge <command> --help", () => {
  const flags: Record<string, string[]> = {
    check: ["--file", "--format", "--strict", "--help"],
    compile: ["--file", "--output", "--strict", "--help"],
    explain: ["--file", "--host", "--path", "--header", "--json", "--jwt-claims", "--client-ip", "--country", "--api-key-client", "--help"],
    dev: ["--file", "--port", "--origin", "--allowed-origins", "--secret", "--help"],
    stats: ["--since", "--by", "--json", "--print-sql", "--dataset", "--help"],
  };
  it.each(Object.keys(flags))("%s --help and -h print its usage with one line per flag, exit 0", (command) => {
    for (const h of ["--help", "-h"]) {
      const r = cli([command, h]);
      expect(r.code).toBe(0);
      expect(r.err).toBe("");
      expect(r.out).toMatch(new RegExp(`^usage: grpcroute-edge ${command} `));
      for (const f of flags[command]!) expect(r.out).toMatch(new RegExp(`^  (-\\w, )?${f} `, "m"));
    }
  });

  it("help works ahead of the flags a command needs, and the top-level usage stays", () => {
    expect(cli(["explain", "--help"]).code).toBe(0);
    expect(cli(["help", "dev"]).out).toMatch(/^usage: grpcroute-edge dev /);
    const top = cli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^usage: grpcroute-edge <command> \[options\]\n\ncommands:\n {2}check /);
  });

  it("dev --help says where cf-connecting-ip comes from, locally and on Cloudflare", () => {
    const out = cli(["dev", "--help"]).out.replace(/\s+/g, " ");
    expect(out).toContain("In dev a cf-connecting-ip header sent by the client is honoured, so clientCIDRs rules can be tried locally");
    expect(out).toContain("On Cloudflare that header is always set by Cloudflare itself");
    expect(out).toContain(".dev.vars");
  });
});

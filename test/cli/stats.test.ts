/**
 * `grpcroute-edge stats` run as users run it, a child process, against a local HTTP server on
 * 127.0.0.1 standing in for the Analytics Engine SQL API: the real API cannot be reached from
 * here. The server answers in the API's documented `FORMAT JSON` shape
 * (https://developers.cloudflare.com/analytics/analytics-engine/sql-api/): `meta`, `data`,
 * `rows`, `rows_before_limit_at_least`, with 64-bit integers quoted as ClickHouse writes them.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

let server: Server;
let base = "";
let seen: Seen[] = [];
let answer: { status: number; body: string } = { status: 200, body: "" };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  answer = { status: 200, body: sqlAnswer(byRoute) };
});

/** Async, not spawnSync: the server answering the CLI runs in this process's event loop. */
function cli(args: string[], env: Record<string, string | undefined> = credentials()) {
  const clean = { ...process.env };
  delete clean.CLOUDFLARE_ACCOUNT_ID;
  delete clean.CLOUDFLARE_API_TOKEN;
  delete clean.GRPCROUTE_EDGE_ANALYTICS_URL;
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin/grpcroute-edge.js"), "stats", ...args], {
      cwd: root,
      env: { ...clean, ...env },
      timeout: 30_000,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

function credentials() {
  return {
    CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
    CLOUDFLARE_API_TOKEN: "tok-secret",
    GRPCROUTE_EDGE_ANALYTICS_URL: base,
  };
}

function sqlAnswer(data: Record<string, unknown>[], group: string[] = ["route"]) {
  return JSON.stringify({
    meta: [
      ...group.map((name) => ({ name, type: "String" })),
      { name: "calls", type: "UInt64" },
      { name: "ok", type: "UInt64" },
      { name: "p50_ms", type: "Float64" },
      { name: "p99_ms", type: "Float64" },
    ],
    data,
    rows: data.length,
    rows_before_limit_at_least: data.length,
  });
}

// Deliberately not in calls order: the CLI sorts, most calls first.
const byRoute = [
  { route: "default/smiley-route", calls: "300", ok: "300", p50_ms: 12, p99_ms: 95.57 },
  { route: "", calls: "18", ok: "0", p50_ms: 0.4, p99_ms: 1.2 },
  { route: "default/foo-route", calls: "1200", ok: "1176", p50_ms: 3.14, p99_ms: 40.2 },
];

describe("grpcroute-edge stats", () => {
  it("POSTs the SQL to the account's endpoint with the bearer token", async () => {
    const r = await cli([]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(1);
    const [q] = seen;
    expect(q!.method).toBe("POST");
    expect(q!.url).toBe("/client/v4/accounts/0123456789abcdef0123456789abcdef/analytics_engine/sql");
    expect(q!.authorization).toBe("Bearer tok-secret");
    expect(q!.body).toBe(
      [
        "SELECT blob5 AS route,",
        "  SUM(_sample_interval) AS calls,",
        "  SUM(IF(blob8 = 'OK', _sample_interval, 0)) AS ok,",
        "  quantileWeighted(0.5, double1, _sample_interval) AS p50_ms,",
        "  quantileWeighted(0.99, double1, _sample_interval) AS p99_ms",
        "FROM grpcroute_edge",
        "WHERE timestamp > NOW() - INTERVAL '15' MINUTE",
        "GROUP BY route",
        "ORDER BY calls DESC",
        "FORMAT JSON",
      ].join("\n"),
    );
  });

  it("prints a table like linkerd viz stat, most calls first", async () => {
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "ROUTE                  CALLS   SUCCESS   RPS       LATENCY_P50   LATENCY_P99",
        "default/foo-route      1200    98.00%    1.33rps   3.1ms         40.2ms",
        "default/smiley-route   300     100.00%   0.33rps   12ms          95.6ms",
        "-                      18      0.00%     0.02rps   0.4ms         1.2ms",
        "",
      ].join("\n"),
    );
  });

  it.each([
    ["route", ["blob5 AS route"], "route"],
    ["backend", ["blob7 AS backend"], "backend"],
    ["method", ["blob3 AS service", "blob4 AS method"], "service, method"],
    ["status", ["blob8 AS status"], "status"],
  ])("--by %s groups by its column", async (by, selects, groupBy) => {
    const r = await cli(["--by", by]);
    expect(r.code).toBe(0);
    const lines = seen[0]!.body.split("\n");
    expect(lines[0]).toBe(`SELECT ${selects.join(", ")},`);
    expect(lines).toContain(`GROUP BY ${groupBy}`);
    expect(r.out.split("\n")[0]).toMatch(new RegExp(`^${by.toUpperCase()} +CALLS `));
  });

  it.each([
    ["30s", "'30' SECOND", 30],
    ["15m", "'15' MINUTE", 900],
    ["6h", "'6' HOUR", 21600],
    ["7d", "'7' DAY", 604800],
  ])("--since %s looks back INTERVAL %s and divides calls by the window for RPS", async (since, interval, seconds) => {
    answer = { status: 200, body: sqlAnswer([{ route: "default/foo-route", calls: String(seconds * 3), ok: "0", p50_ms: 1, p99_ms: 2 }]) };
    const r = await cli(["--since", since, "--json"]);
    expect(r.code).toBe(0);
    expect(seen[0]!.body.split("\n")).toContain(`WHERE timestamp > NOW() - INTERVAL ${interval}`);
    expect(JSON.parse(r.out)).toMatchObject({ since, rows: [{ rps: 3 }] });
  });

  it("--json prints one document keyed by the --by value", async () => {
    const r = await cli(["--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      since: "15m",
      by: "route",
      rows: [
        { route: "default/foo-route", calls: 1200, success_rate: 0.98, rps: 1.333, p50_ms: 3.1, p99_ms: 40.2 },
        { route: "default/smiley-route", calls: 300, success_rate: 1, rps: 0.333, p50_ms: 12, p99_ms: 95.6 },
        { route: "", calls: 18, success_rate: 0, rps: 0.02, p50_ms: 0.4, p99_ms: 1.2 },
      ],
    });

    answer = {
      status: 200,
      body: sqlAnswer(
        [
          { service: "com.example.User", method: "Login", calls: "40", ok: "30", p50_ms: 5, p99_ms: 9 },
          { service: "smiley.v1.Smiley", method: "Get", calls: "60", ok: "60", p50_ms: 2, p99_ms: 4 },
        ],
        ["service", "method"],
      ),
    };
    const m = await cli(["--by", "method", "--since", "1m", "--json"]);
    expect(JSON.parse(m.out)).toEqual({
      since: "1m",
      by: "method",
      rows: [
        { method: "smiley.v1.Smiley/Get", calls: 60, success_rate: 1, rps: 1, p50_ms: 2, p99_ms: 4 },
        { method: "com.example.User/Login", calls: 40, success_rate: 0.75, rps: 0.667, p50_ms: 5, p99_ms: 9 },
      ],
    });
  });

  it("says so when there were no calls", async () => {
    answer = { status: 200, body: sqlAnswer([]) };
    const r = await cli(["--since", "1h"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("no calls in the last 1h in dataset grpcroute_edge\n");
    expect(JSON.parse((await cli(["--json"])).out)).toEqual({ since: "15m", by: "route", rows: [] });
  });

  it("--dataset names the table queried", async () => {
    expect((await cli(["--dataset", "edge_prod"])).code).toBe(0);
    expect(seen[0]!.body.split("\n")).toContain("FROM edge_prod");
  });

  it("--print-sql prints the query it would send and needs no credentials", async () => {
    await cli([]);
    const sent = seen[0]!.body;
    seen = [];
    const r = await cli(["--print-sql"], {});
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toBe(`${sent}\n`);
    expect(seen).toEqual([]);
    const byStatus = await cli(["--print-sql", "--by", "status", "--since", "2h"], {});
    expect(byStatus.out).toContain("GROUP BY status\n");
    expect(byStatus.out).toContain("INTERVAL '2' HOUR\n");
  });

  it("exits 2 naming the missing credentials, without calling the API", async () => {
    const none = await cli([], { GRPCROUTE_EDGE_ANALYTICS_URL: base });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^grpcroute-edge: stats needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in the environment/);
    const noToken = await cli([], { CLOUDFLARE_ACCOUNT_ID: "acc", GRPCROUTE_EDGE_ANALYTICS_URL: base });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(/^grpcroute-edge: stats needs CLOUDFLARE_API_TOKEN in/);
    expect(seen).toEqual([]);
  });

  it("exits 2 for a bad --since, --by or --dataset", async () => {
    const bad = [
      ["--since", "15"],
      ["--since", "0m"],
      ["--since", "5w"],
      ["--by", "colo"],
      ["--dataset", "x; DROP"],
    ];
    const runs = await Promise.all(bad.map((args) => cli(args)));
    runs.forEach((r, i) => {
      expect(r.code, bad[i]!.join(" ")).toBe(2);
      expect(r.err).toContain(`grpcroute-edge: ${bad[i]![0]} must be`);
    });
    expect(seen).toEqual([]);
  });

  it("exits 1 with the API's message when it answers an HTTP error", async () => {
    answer = { status: 401, body: JSON.stringify({ success: false, errors: [{ code: 10000, message: "Authentication error" }] }) };
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe("grpcroute-edge: stats: the Analytics Engine SQL API answered HTTP 401: Authentication error\n");

    answer = { status: 422, body: "unknown table grpcroute_edge" };
    const text = await cli([]);
    expect(text.code).toBe(1);
    expect(text.err).toBe("grpcroute-edge: stats: the Analytics Engine SQL API answered HTTP 422: unknown table grpcroute_edge\n");
  });

  it("exits 1 when a 200 answer carries errors or no data", async () => {
    answer = { status: 200, body: JSON.stringify({ errors: [{ message: "cannot parse query" }] }) };
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("grpcroute-edge: stats: the Analytics Engine SQL API answered an error: cannot parse query\n");

    answer = { status: 200, body: "SELECT 1" };
    const junk = await cli([]);
    expect(junk.code).toBe(1);
    expect(junk.err).toContain("answered no data rows");
  });
});

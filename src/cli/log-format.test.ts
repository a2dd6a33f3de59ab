import { describe, expect, it } from "vitest";
import { formatRecord, type LogRecord, logRouter, parseLogRecord, useColor } from "./log-format.ts";

// Minutes can shift with odd time zones, seconds and milliseconds never do.
const at = "2026-12-03T12:03:04.123Z";
const time = /^\d\d:\d\d:04\.123 /;

const ok: LogRecord = {
  v: 1,
  ts: at,
  request_id: "r-1",
  trace_id: "t-1",
  host: "demo.example.com",
  protocol: "connect",
  service: "grpcroute.demo.v1.DemoService",
  method: "Echo",
  route: "default/demo-route",
  rule: 1,
  backend: "default/demo-svc:8080",
  origin_host: "demo.origins.example.net",
  attempts: 1,
  grpc_status: "OK",
  grpc_code: 0,
  http_status: 200,
  status_source: "origin",
  duration_ms: 3.24,
  ttfb_ms: 2.1,
  request_bytes: 12,
  response_bytes: 40,
  colo: "ZRH",
};

const edge: LogRecord = {
  v: 1,
  ts: Date.parse(at),
  protocol: "grpc-web",
  service: "com.example.User",
  method: "Logout",
  grpc_status: "UNIMPLEMENTED",
  grpc_code: 12,
  http_status: 200,
  status_source: "edge",
  edge_reason: "no_route",
  duration_ms: 0.4,
};

const plain = (r: LogRecord) => formatRecord(r, { color: false });
const ESC = "\x1b";

describe("text format", () => {
  it("an OK call: time, status, HTTP status, duration, protocol, procedure, route#rule → backend", () => {
    const line = plain(ok);
    expect(line).toMatch(time);
    expect(line.slice(13)).toBe(
      "OK                  200   3.2 ms  connect         grpcroute.demo.v1.DemoService/Echo  default/demo-route#1 → default/demo-svc:8080",
    );
    expect(line).not.toContain(ESC);
  });

  it("an edge error says so, with its reason, and the columns stay where an OK call has them", () => {
    const line = plain(edge);
    expect(line.slice(13)).toBe("UNIMPLEMENTED       200   0.4 ms  grpc-web        com.example.User/Logout  (no route)  edge: no_route");
    expect(line.indexOf("grpc-web")).toBe(plain(ok).indexOf("connect"));
  });

  it("prefers the rule's name and counts retries", () => {
    const line = plain({ ...ok, rule_name: "echo", attempts: 3, duration_ms: 1234.5 });
    expect(line).toContain("default/demo-route#echo → default/demo-svc:8080  3 attempts");
    expect(line).toContain(" 1235 ms ");
  });

  it("a piped stream without a status the edge saw: a dash, not painted as an error, and says piped", () => {
    const { grpc_status: _, grpc_code: __, ...unseen } = ok;
    const line = formatRecord({ ...unseen, relay: "piped" }, { color: true });
    expect(line).toContain(`-                   200`);
    expect(line).not.toContain(`${ESC}[31m`);
    expect(line).toMatch(/ {2}\x1b\[2mpiped\x1b\[22m$/);
  });

  it("missing optional fields become dashes, never undefined", () => {
    const line = plain({ v: 1, grpc_code: 14 });
    expect(line.slice(13)).toBe("UNAVAILABLE           -        -  -               -  (no route)");
    expect(line).not.toMatch(/undefined|null|NaN/);
    expect(plain({ v: 1, service: "a.B", backend: "default/b:80" })).toContain("a.B/?  (no route) → default/b:80");
    expect(plain({ v: 1, route: "default/r", origin_host: "o.example.net" })).toContain("default/r → o.example.net");
    expect(plain({ v: 1, status_source: "edge", grpc_status: "INTERNAL" })).toMatch(/ {2}edge$/);
  });

  it("an error record: level, message, request id", () => {
    const line = plain({ v: 1, ts: at, level: "error", request_id: "r-9", message: "origin stream broke: reset" });
    expect(line).toMatch(time);
    expect(line.slice(13)).toBe("ERROR               origin stream broke: reset  request r-9");
    // Without a ts (or with one that is no date) the line shows when it arrived.
    expect(formatRecord({ v: 1, level: "warn" }, { color: false, now: new Date(at) })).toMatch(/^\d\d:\d\d:04\.123 WARN {16}-$/);
    expect(formatRecord({ v: 1, ts: "soon", grpc_code: 0 }, { color: false, now: new Date(at) })).toMatch(time);
  });

  it("colours the status: green OK, yellow what the caller can fix, red the rest; padding stays outside the colour", () => {
    const status = (r: LogRecord) => formatRecord(r, { color: true }).slice(13);
    expect(status(ok)).toMatch(/^\x1b\[32mOK\x1b\[39m {18}200/);
    for (const s of ["INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"]) {
      expect(status({ ...ok, grpc_status: s })).toMatch(new RegExp(`^\\x1b\\[33m${s}\\x1b\\[39m {${20 - s.length}}200`));
    }
    for (const s of ["UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "UNKNOWN"]) {
      expect(status({ ...ok, grpc_status: s })).toMatch(new RegExp(`^\\x1b\\[31m${s}\\x1b\\[39m`));
    }
    expect(status(edge)).toContain("\x1b[31medge: no_route\x1b[39m");
    expect(formatRecord({ v: 1, level: "error", message: "m" }, { color: true })).toContain("\x1b[31mERROR\x1b[39m");
  });

  it("colour only on a terminal and without NO_COLOR", () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });
});

describe("parseLogRecord", () => {
  it("takes version 1 objects only", () => {
    expect(parseLogRecord(JSON.stringify(ok))).toEqual(ok);
    expect(parseLogRecord('{"v":2}')).toBeUndefined();
    expect(parseLogRecord("[1]")).toBeUndefined();
    expect(parseLogRecord('{"v":1')).toBeUndefined();
    expect(parseLogRecord("grpcroute-edge: ORIGINS: not JSON")).toBeUndefined();
    expect(parseLogRecord('{ "a": 1 } trailing')).toBeUndefined();
  });
});

describe("logRouter", () => {
  function route(format: "text" | "json", lines: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const write = logRouter({
      format,
      color: false,
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    });
    for (const l of lines) write(l);
    return { out: out.join(""), err: err.join("") };
  }
  // Spacing, key order and escapes exactly as the worker wrote them.
  const raw = [`{"v":1, "ts":"${at}","grpc_status":"OK","message":"caf\\u00e9 → ok"}`, JSON.stringify(ok), JSON.stringify(edge)];
  const free = ["grpcroute-edge: shadow rate limit of default/p would have limited this call", "plain { o: 1 }", '{"not":"a record"}', ""];

  it("json: records byte for byte on stdout, one per line, and nothing else there", () => {
    const { out, err } = route("json", [raw[0]!, free[0]!, raw[1]!, free[1]!, free[2]!, raw[2]!, free[3]!]);
    expect(out).toBe(`${raw.join("\n")}\n`);
    for (const l of out.trimEnd().split("\n")) expect(JSON.parse(l)).toMatchObject({ v: 1 });
    expect(err).toBe(`${free.join("\n")}\n`);
  });

  it("text: one formatted line per record on stdout, free text on stderr unchanged", () => {
    const { out, err } = route("text", [free[0]!, JSON.stringify(ok), free[2]!]);
    expect(out).toBe(`${plain(ok)}\n`);
    expect(err).toBe(`${free[0]}\n${free[2]}\n`);
  });
});

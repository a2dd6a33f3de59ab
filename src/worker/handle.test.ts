/**
 * Internal errors never leak: an exception the edge did not mean to
 * throw becomes a generic INTERNAL, and a bad var becomes INTERNAL naming the var, logged.
 * Runs handleRequest in Node with a matcher that throws.
 */
import { afterEach, expect, test, vi } from "vitest";
import { handleRequest } from "./handle.ts";
import { edgeConfig } from "./config.ts";
import type { Matcher } from "../runtime/matcher.ts";
import type { RouteTable } from "../table/types.ts";

const exploding: Matcher = {
  table: {} as RouteTable,
  match: () => ({ candidate: -1, rule: -1 }),
  matchFrom: () => ({ candidate: -1, rule: -1 }),
  regexes: [],
  route: () => {
    throw new TypeError("secret at http://10.0.0.7:8080/internal");
  },
};
const ctx = { env: {}, waitUntil: () => undefined, random: () => 0.5 };

afterEach(() => vi.restoreAllMocks());

test("a forced internal error: generic INTERNAL, no message, no stack, logged", async () => {
  const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const res = await handleRequest(
    new Request("http://edge.example/pkg.Svc/Method", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    exploding,
    ctx,
  );
  expect(res.status).toBe(500);
  const body = await res.text();
  expect(JSON.parse(body)).toEqual({ code: "internal", message: "internal error at the edge" });
  expect(body).not.toContain("10.0.0.7");
  expect(body).not.toMatch(/\bat \S+:\d+/);
  expect(log).toHaveBeenCalled();
});

test("gRPC-web: the same, as a trailers-only status", async () => {
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  const res = await handleRequest(
    new Request("http://edge.example/pkg.Svc/Method", {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: new Uint8Array(5),
    }),
    exploding,
    ctx,
  );
  expect([res.status, res.headers.get("grpc-status"), res.headers.get("grpc-message")]).toEqual([200, "13", "internal error at the edge"]);
});

test.each([
  [{ ORIGINS: "{nope" }, "ORIGINS"],
  [{ ORIGINS: '{"a": "ftp://x"}' }, "ORIGINS"],
  [{ ALLOWED_ORIGINS: "[1, 2]" }, "ALLOWED_ORIGINS"],
  [{ MAX_MESSAGE_BYTES: "4MB" }, "MAX_MESSAGE_BYTES"],
  [{ ORIGIN_HEADERS_TIMEOUT_MS: "-1" }, "ORIGIN_HEADERS_TIMEOUT_MS"],
  [{ STREAM_IDLE_TIMEOUT_MS: "soon" }, "STREAM_IDLE_TIMEOUT_MS"],
])("var %j → INTERNAL naming %s, and a console.error line", async (vars, name) => {
  const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const config = edgeConfig(vars);
  expect(config).toHaveProperty("variable", name);
  expect(log.mock.calls.flat().join(" ")).toContain(name);
  const res = await handleRequest(
    new Request("http://edge.example/pkg.Svc/M", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    exploding,
    { ...ctx, env: vars },
  );
  expect(res.status).toBe(500);
  expect(((await res.json()) as { message: string }).message).toContain(name);
});

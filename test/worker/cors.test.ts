/** CORS at the edge: preflights answered without any origin, actual responses decorated. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demoService } from "../fixtures/demo-routes.ts";
import { allowedOrigin, demoClient, startEnv, type Env } from "./setup.ts";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

const preflight = (origin: string, requestHeaders: string) =>
  fetch(`${env.worker.url}/${demoService}/Echo`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
  });

describe("preflight", () => {
  test("allowed origin: 204 echoing the origin, protocol and requested headers, max-age; no origin contacted", async () => {
    const calls = env.alpha.calls.length + env.beta.calls.length;
    const res = await preflight(allowedOrigin, "x-grpc-web, content-type, x-custom");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/GET/);
    const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const h of ["x-grpc-web", "grpc-timeout", "connect-protocol-version", "connect-timeout-ms", "x-user-agent", "x-custom"]) {
      expect(allowed).toContain(h);
    }
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("vary")).toMatch(/Origin/);
    expect(env.alpha.calls.length + env.beta.calls.length).toBe(calls);
  });

  test("origin not in ALLOWED_ORIGINS: no allow-origin", async () => {
    const res = await preflight("https://evil.example", "x-grpc-web");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("actual responses", () => {
  test("expose grpc-status, grpc-message, grpc-status-details-bin and every response header", async () => {
    let headers: Headers | undefined;
    const client = demoClient(env.worker.url, "grpc-web (web)");
    await client.echo(
      { message: "c" },
      { headers: { origin: "https://other.example.com", "x-route": "filtered" }, onHeader: (h) => (headers = h) },
    );
    expect(headers?.get("access-control-allow-origin")).toBe("https://other.example.com");
    const exposed = headers!.get("access-control-expose-headers")!.toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin", "x-resp-set"]));
  });

  test("errors produced by the edge carry CORS headers too", async () => {
    const res = await fetch(`${env.worker.url}/other.v1.Nothing/Call`, {
      method: "POST",
      headers: { origin: allowedOrigin, "content-type": "application/grpc-web+proto" },
      body: new Uint8Array(5),
    });
    expect(res.headers.get("grpc-status")).toBe("12");
    expect(res.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(res.headers.get("access-control-expose-headers")).toMatch(/grpc-status/i);
  });
});

/**
 * CORS allows only the configured origins (ALLOWED_ORIGINS), and with credentials on
 * never `*`. CORS is enforced by browsers, so what matters is which headers the edge
 * sends: an unlisted origin must get no `access-control-allow-origin` on a preflight, on
 * an actual answer, or on an error the edge produced itself — and not from the origin
 * server either, whose own CORS headers must not override the edge's decision.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoResponseSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { demoService, demoTable, routeHeader } from "../fixtures/demo-routes.ts";
import { deadOriginUrl, startHtmlOrigin, startOrigin, startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { frame } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { emptyGrpcWebBody, header, rawRequest, type RawResponse } from "../support/raw-http.ts";

const listed = "https://app.example.com";
const alsoListed = "https://other.example.com";
/** Origins a browser could send that are not listed: near misses of the listed ones. */
const unlisted = [
  "https://evil.example",
  "https://app.example.com.evil.example",
  "https://evilapp.example.com",
  "http://app.example.com",
  "https://app.example.com:8443",
  "null",
];

/**
 * An origin server with its own, permissive CORS headers (as an origin behind a misused
 * CORS middleware would send): a valid gRPC-web or Connect unary Echo answer carrying
 * `access-control-allow-origin: *` and `access-control-allow-credentials: true`.
 */
function permissiveOrigin(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const message = toBinary(EchoResponseSchema, create(EchoResponseSchema, { message: "hi", backend: "raw" }));
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": "*",
  };
  if (String(req.headers["content-type"]).startsWith("application/grpc-web")) {
    res.writeHead(200, { ...cors, "content-type": "application/grpc-web+proto" });
    res.write(frame(0, message));
    res.end(frame(0x80, new TextEncoder().encode("grpc-status: 0\r\n")));
  } else {
    res.writeHead(200, { ...cors, "content-type": "application/proto" });
    res.end(message);
  }
}

let origins: RunningOrigin[] = [];
/** ALLOWED_ORIGINS = two listed origins, credentials off. */
let listOnly: RunningWorker;
/** ALLOWED_ORIGINS = `*` and one listed origin, ALLOW_CREDENTIALS = true: `*` is ignored. */
let withCredentials: RunningWorker;
/** ALLOWED_ORIGINS = `*`, credentials off: the control showing `*` is honoured where allowed. */
let anyOrigin: RunningWorker;
const workers = (): RunningWorker[] => [listOnly, withCredentials, anyOrigin];
let calls = (): number => 0;

beforeAll(async () => {
  const [alpha, html, raw, dead] = await Promise.all([
    startOrigin("alpha"),
    startHtmlOrigin(502),
    startRawOrigin("raw", permissiveOrigin),
    deadOriginUrl(),
  ]);
  origins = [alpha, html, raw];
  calls = () => alpha.calls.length + html.calls.length + raw.calls.length;
  const table = demoTable({ alpha: alpha.url, beta: alpha.url, dead, html: html.url, raw: raw.url });
  [listOnly, withCredentials, anyOrigin] = await Promise.all([
    startWorker(table, { vars: { ALLOWED_ORIGINS: `${listed}, ${alsoListed}` } }),
    startWorker(table, { vars: { ALLOWED_ORIGINS: JSON.stringify(["*", listed]), ALLOW_CREDENTIALS: "true" } }),
    startWorker(table, { vars: { ALLOWED_ORIGINS: "*" } }),
  ]);
});
afterAll(async () => {
  await Promise.all(workers().map((w) => w?.dispose()));
  await Promise.all(origins.map((o) => o.close()));
});

const preflight = (w: RunningWorker, origin: string) =>
  rawRequest(w.url, {
    method: "OPTIONS",
    path: `/${demoService}/Echo`,
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-grpc-web, x-route" },
  });

/** The actual requests a page could make, as (name, request) pairs; `route` picks the rule. */
const actuals = (route: string) =>
  [
    [
      "gRPC-web POST",
      {
        path: `/${demoService}/Echo`,
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", [routeHeader]: route },
        body: emptyGrpcWebBody,
      },
    ],
    [
      "Connect POST",
      {
        path: `/${demoService}/Echo`,
        headers: { "content-type": "application/proto", "connect-protocol-version": "1", [routeHeader]: route },
        body: new Uint8Array(0),
      },
    ],
    ["Connect GET", { method: "GET", path: `/${demoService}/Echo?connect=v1&encoding=proto&message=`, headers: { [routeHeader]: route } }],
  ] as const;

/** Routes of the demo table: a real answer, an edge error, an origin's HTML error. */
const answers = [
  ["routed call", "plain"],
  ["edge error (rule rejects)", "reject"],
  ["origin HTML 502", "html"],
] as const;

function expectNoCors(res: RawResponse, what: string): void {
  for (const h of [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
  ]) {
    expect(header(res, h), `${what}: ${h}`).toBeUndefined();
  }
}

function expectNoStar(res: RawResponse, what: string): void {
  expect(header(res, "access-control-allow-origin"), `${what}: allow-origin`).not.toBe("*");
  expect(header(res, "access-control-allow-origin") ?? "", `${what}: allow-origin`).not.toContain("*");
}

describe("preflights", () => {
  test.each(unlisted)("from unlisted %s: no CORS headers at all, no origin contacted", async (origin) => {
    const before = calls();
    for (const w of [listOnly, withCredentials]) {
      const res = await preflight(w, origin);
      expect(res.status).toBe(204);
      expectNoCors(res, `preflight from ${origin}`);
    }
    expect(calls()).toBe(before);
  });

  test("from a listed origin: exactly that origin echoed (never *), credentials only where configured", async () => {
    const a = await preflight(listOnly, alsoListed);
    expect(header(a, "access-control-allow-origin")).toBe(alsoListed);
    expect(header(a, "access-control-allow-credentials")).toBeUndefined();
    const b = await preflight(withCredentials, listed);
    expect(header(b, "access-control-allow-origin")).toBe(listed);
    expect(header(b, "access-control-allow-credentials")).toBe("true");
  });

  test("a listed origin only counts on its own, not inside a list", async () => {
    const res = await preflight(listOnly, `${listed}, https://evil.example`);
    expectNoCors(res, "preflight with a list as origin");
  });

  test("control: with ALLOWED_ORIGINS = * and credentials off, any origin gets *", async () => {
    const res = await preflight(anyOrigin, "https://evil.example");
    expect(header(res, "access-control-allow-origin")).toBe("*");
    expect(header(res, "access-control-allow-credentials")).toBeUndefined();
  });

  test("with credentials on, * is never sent, for any origin", async () => {
    for (const origin of [...unlisted, listed]) expectNoStar(await preflight(withCredentials, origin), `preflight from ${origin}`);
  });
});

describe.each(answers)("actual requests: %s", (_name, route) => {
  test.each(actuals(route).map(([n, r]) => [n, r] as const))(
    "%s from unlisted origins: no allow-origin, Vary: Origin",
    async (what, req) => {
      for (const w of [listOnly, withCredentials]) {
        for (const origin of unlisted) {
          const res = await rawRequest(w.url, { ...req, headers: { ...req.headers, origin } });
          expectNoCors(res, `${what} from ${origin}`);
          expect(header(res, "vary") ?? "", `${what}: Vary`).toMatch(/\borigin\b/i);
        }
      }
    },
  );

  test.each(actuals(route).map(([n, r]) => [n, r] as const))(
    "%s with credentials on: never *, the listed origin echoed",
    async (what, req) => {
      for (const origin of [...unlisted, listed]) {
        const res = await rawRequest(withCredentials.url, { ...req, headers: { ...req.headers, origin } });
        expectNoStar(res, `${what} from ${origin}`);
      }
      const ok = await rawRequest(withCredentials.url, { ...req, headers: { ...req.headers, origin: listed } });
      expect(header(ok, "access-control-allow-origin")).toBe(listed);
      expect(header(ok, "access-control-allow-credentials")).toBe("true");
    },
  );

  test.each(actuals(route).map(([n, r]) => [n, r] as const))("%s without an Origin header: no allow-origin", async (_what, req) => {
    const res = await rawRequest(listOnly.url, req);
    expect(header(res, "access-control-allow-origin")).toBeUndefined();
  });
});

/*
 * FAILS TODAY (bug, reported): the edge relays the origin's response headers, including
 * its `access-control-*`, and `applyCors` (src/worker/cors.ts) returns early for an
 * unlisted or absent Origin without removing them. An origin answering
 * `access-control-allow-origin: *` thus opens every route it serves to every site,
 * whatever ALLOWED_ORIGINS says, and with ALLOW_CREDENTIALS = true sends `*` anyway.
 * The edge must own these headers: drop the origin's `access-control-*` before deciding.
 */
describe("an origin sending its own access-control-allow-origin: * does not override ALLOWED_ORIGINS", () => {
  const requests = actuals("raw").map(([n, r]) => [n, r] as const);

  test.each(requests)("%s from unlisted origins: no CORS headers reach the client", async (what, req) => {
    for (const w of [listOnly, withCredentials]) {
      for (const origin of unlisted) {
        const res = await rawRequest(w.url, { ...req, headers: { ...req.headers, origin } });
        expect(res.status, `${what}: the origin answered`).toBe(200);
        expectNoCors(res, `${what} from ${origin}`);
      }
    }
  });

  test.each(requests)("%s with credentials on: never *", async (what, req) => {
    for (const origin of [...unlisted, listed]) {
      expectNoStar(await rawRequest(withCredentials.url, { ...req, headers: { ...req.headers, origin } }), `${what} from ${origin}`);
    }
  });

  test.each(requests)("%s from a listed origin: the edge's answer, not the origin's", async (what, req) => {
    const res = await rawRequest(listOnly.url, { ...req, headers: { ...req.headers, origin: listed } });
    expect(header(res, "access-control-allow-origin"), what).toBe(listed);
    expect(header(res, "access-control-allow-credentials"), what).toBeUndefined();
    expect(header(res, "access-control-expose-headers") ?? "", what).not.toMatch(/(^|,)\s*\*\s*(,|$)/);
  });
});

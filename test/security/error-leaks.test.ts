/**
 * Internal errors never leak origin addresses or stack traces to clients. When an origin
 * is unreachable, resets, or answers an HTML 502, the message the client sees
 * (`grpc-message`, the Connect JSON `message`, the end-stream frame's error) names the
 * failure, not where the origin lives: no `127.0.0.1`, no origin port, no `http://`,
 * no `    at fn (file:line)` frames, nothing of the origin's HTML page.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demoClient, type ClientKind } from "../worker/setup.ts";
import { demoService, demoTable, routeHeader } from "../fixtures/demo-routes.ts";
import { deadOriginUrl, startHtmlOrigin, startOrigin, startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { decodeText } from "../harness/wire.ts";
import { emptyGrpcWebBody, frames, header, rawRequest } from "../support/raw-http.ts";

let worker: RunningWorker;
let origins: RunningOrigin[] = [];
/** Everything that identifies where an origin lives. */
let secrets: string[] = [];

beforeAll(async () => {
  const [alpha, beta, html, dead, deadOverride] = await Promise.all([
    startOrigin("alpha"),
    startOrigin("beta"),
    startHtmlOrigin(502),
    deadOriginUrl(),
    deadOriginUrl(),
  ]);
  // `raw` resets the connection after the response headers and one frame's worth of bytes.
  const raw = await startRawOrigin("raw", (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": String(req.headers["content-type"]) });
    res.write(Buffer.from([0, 0, 0, 0, 0]));
    setTimeout(() => res.socket?.destroy(), 20);
  });
  origins = [alpha, beta, html, raw];
  worker = await startWorker(demoTable({ alpha: alpha.url, beta: beta.url, dead, html: html.url, raw: raw.url }), {
    // `override` → gamma.default:9000, sent by ORIGINS to a second dead address.
    vars: { ORIGINS: JSON.stringify({ "gamma.default:9000": deadOverride }) },
  });
  secrets = [dead, deadOverride, html.url, raw.url].flatMap((u) => {
    const url = new URL(u);
    return [u, url.host, url.port];
  });
});
afterAll(async () => {
  await worker?.dispose();
  await Promise.all(origins.map((o) => o.close()));
});

/** Stack frames as V8 and workerd print them. */
const stackFrame = /(^|\n)\s*at\s+\S|\bat\s+[^\s()]+\s+\([^)]*:\d+:\d+\)|:\d+:\d+\)?\s*$/m;

function expectNoLeak(message: string | undefined, what: string): void {
  expect(message, `${what}: no message at all`).toBeTypeOf("string");
  const m = message!;
  const decoded = safeDecode(m);
  for (const text of [m, decoded]) {
    expect(text, `${what}: ${JSON.stringify(text)}`).not.toContain("127.0.0.1");
    expect(text, `${what}: ${JSON.stringify(text)}`).not.toContain("localhost");
    expect(text, `${what}: ${JSON.stringify(text)}`).not.toMatch(/https?:\/\//);
    expect(text, `${what}: ${JSON.stringify(text)}`).not.toMatch(stackFrame);
    expect(text, `${what}: ${JSON.stringify(text)}`).not.toMatch(/<html|<body|Bad Gateway<\/h1>/i);
    for (const s of secrets) expect(text, `${what}: ${JSON.stringify(text)} names ${s}`).not.toContain(s);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

test("the leak check itself catches addresses, URLs, stack frames and HTML", () => {
  for (const leaky of [
    "connect ECONNREFUSED 127.0.0.1:41234",
    "fetch failed: http://origin.internal:8080/x",
    "TypeError: boom\n    at forward (worker.js:12:34)",
    "at callOrigin (file:///src/worker/upstream.ts:20:10)",
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
    `unreachable ${secrets[0]!}`,
  ]) {
    expect(() => expectNoLeak(leaky, "self-check"), leaky).toThrow();
  }
  expectNoLeak("origin for dead.default is unreachable", "self-check");
});

/** The failure cases: rule names of the demo table. */
const failures = [
  { route: "dead", what: "unreachable origin (127.0.0.1:<closed port>)" },
  { route: "override", what: "unreachable origin from an ORIGINS override" },
  { route: "html", what: "origin answering HTML 502" },
  // After a 200 and its headers a Connect unary answer cannot turn into an error (the
  // status is gone), so this case covers only the framed protocols.
  { route: "raw", what: "origin resetting the connection mid-answer", framedOnly: true },
] as const;

describe.each(failures)("$what", (failure) => {
  const route = failure.route;
  const unaryToo = !("framedOnly" in failure);
  test("gRPC-web binary (by hand): grpc-message", async () => {
    const res = await rawRequest(worker.url, {
      path: `/${demoService}/Echo`,
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", [routeHeader]: route },
      body: emptyGrpcWebBody,
    });
    const trailer =
      frames(res.body)
        .find((f) => f.flags & 0x80)
        ?.data.toString("utf8") ?? "";
    const status = header(res, "grpc-status") ?? /grpc-status:\s*(\d+)/i.exec(trailer)?.[1];
    expect(status).not.toBe("0");
    expectNoLeak(header(res, "grpc-message") ?? /grpc-message:\s*([^\r\n]*)/i.exec(trailer)?.[1], "grpc-message");
    expectNoLeak(res.body.toString("utf8"), "gRPC-web body");
  });

  test("gRPC-web text (by hand): grpc-message", async () => {
    const res = await rawRequest(worker.url, {
      path: `/${demoService}/Echo`,
      headers: { "content-type": "application/grpc-web-text", "x-grpc-web": "1", [routeHeader]: route },
      body: Buffer.from(emptyGrpcWebBody).toString("base64"),
    });
    const body = decodeText(res.body.toString("latin1"));
    const trailer =
      frames(body)
        .find((f) => f.flags & 0x80)
        ?.data.toString("utf8") ?? "";
    expectNoLeak(header(res, "grpc-message") ?? /grpc-message:\s*([^\r\n]*)/i.exec(trailer)?.[1], "grpc-message (text)");
  });

  if (unaryToo)
    test("Connect unary POST (by hand): JSON message and whole body", async () => {
      const res = await rawRequest(worker.url, {
        path: `/${demoService}/Echo`,
        headers: { "content-type": "application/proto", "connect-protocol-version": "1", [routeHeader]: route },
        body: new Uint8Array(0),
      });
      expect(res.status).not.toBe(200);
      expect(header(res, "content-type")).toMatch(/^application\/json/);
      const json = JSON.parse(res.body.toString("utf8")) as { code: string; message?: string };
      expectNoLeak(json.message, "Connect JSON message");
      expectNoLeak(res.body.toString("utf8"), "Connect JSON body");
    });

  if (unaryToo)
    test("Connect unary GET (by hand): JSON message", async () => {
      const res = await rawRequest(worker.url, {
        method: "GET",
        path: `/${demoService}/Echo?connect=v1&encoding=proto&message=`,
        headers: { [routeHeader]: route },
      });
      expect(res.status).not.toBe(200);
      const json = JSON.parse(res.body.toString("utf8")) as { code: string; message?: string };
      expectNoLeak(json.message, "Connect GET JSON message");
    });

  test("Connect streaming (by hand): end-stream frame error", async () => {
    const res = await rawRequest(worker.url, {
      path: `/${demoService}/Count`,
      headers: { "content-type": "application/connect+json", "connect-protocol-version": "1", [routeHeader]: route },
      body: Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from("{}")]),
    });
    const end = frames(res.body).find((f) => f.flags & 0x02);
    expect(end, "an end-stream frame").toBeDefined();
    const json = JSON.parse(end!.data.toString("utf8")) as { error?: { code: string; message?: string } };
    expect(json.error).toBeDefined();
    expectNoLeak(json.error!.message, "Connect end-stream error message");
  });

  const kinds: ClientKind[] = ["grpc-web (node)", "connect (node)", "grpc-web (web)", "connect (web)"];
  test.each(kinds)("%s client: unary and server stream", async (kind) => {
    const client = demoClient(worker.url, kind);
    const opts = { headers: { [routeHeader]: route }, timeoutMs: 10_000 };
    for (const call of [
      ...(unaryToo || kind.startsWith("grpc-web") ? [() => client.echo({ message: "x" }, opts)] : []),
      async () => {
        for await (const _ of client.count({ count: 3 }, opts)) void _;
      },
    ]) {
      let err: ConnectError | undefined;
      try {
        await call();
      } catch (e) {
        err = ConnectError.from(e);
      }
      expect(err, "the call must fail").toBeDefined();
      expect(err!.code).not.toBe(Code.DeadlineExceeded);
      expectNoLeak(err!.rawMessage, `${kind} rawMessage`);
    }
  });
});

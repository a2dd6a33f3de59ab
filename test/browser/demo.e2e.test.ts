/**
 * The browser demo end to end: the stack `npm run demo` starts (demo/stack.ts), the page
 * opened in Chromium from http://localhost:PORT, DemoService called through the worker at
 * http://127.0.0.1:PORT with connect-web's gRPC-web and Connect transports. Asserts what
 * the page shows, that streams render message by message, that the SecurityPolicy refuses
 * a call without a token and lets it through with the issuer's token, and that the browser
 * really preflighted (seen through the DevTools protocol, which reports preflights;
 * Playwright's own request events do not).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryBackend, secureHeader, stableBackend, startDemo, type RunningDemo } from "../../demo/stack.ts";
import { launchChromium } from "./chromium.ts";

const root = join(import.meta.dirname, "../..");
const screenshot = join(root, "test", "artifacts", "demo.png");
const service = "/grpcroute.demo.v1.DemoService";
/** demo/web/app.ts streams 5 messages 400 ms apart. */
const streamCount = 5;
const streamDelayMs = 400;

interface Preflight {
  url: string;
  origin: string;
  requestHeaders: string;
  status?: number;
  allowOrigin?: string;
  allowHeaders?: string;
}

/** A call's answer as the browser got it, before CORS decides what the page may read. */
interface Answer {
  url: string;
  requestHeaders: Record<string, unknown>;
  status: number;
  responseHeaders: Record<string, unknown>;
}

function header(headers: Record<string, unknown>, name: string): string {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
  return "";
}

/** Record every CORS preflight the page's network stack sends, with its answer, and every POST's answer. */
async function recordNetwork(page: Page): Promise<{ preflights: () => Preflight[]; answers: () => Answer[] }> {
  const seen = new Map<string, Preflight>();
  const posts = new Map<string, { url: string; requestHeaders: Record<string, unknown> }>();
  const answered: Answer[] = [];
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => {
    const h = e.request.headers;
    if (e.request.method === "POST") posts.set(e.requestId, { url: e.request.url, requestHeaders: h });
    if (e.request.method !== "OPTIONS") return;
    seen.set(e.requestId, { url: e.request.url, origin: header(h, "origin"), requestHeaders: header(h, "access-control-request-headers") });
  });
  cdp.on("Network.responseReceived", (e) => {
    const post = posts.get(e.requestId);
    if (post !== undefined) answered.push({ ...post, status: e.response.status, responseHeaders: e.response.headers });
    const p = seen.get(e.requestId);
    if (p === undefined) return;
    p.status = e.response.status;
    p.allowOrigin = header(e.response.headers, "access-control-allow-origin");
    p.allowHeaders = header(e.response.headers, "access-control-allow-headers");
  });
  return { preflights: () => [...seen.values()], answers: () => [...answered] };
}

let demo: RunningDemo;
let browser: Browser;
let page: Page;
let preflights: () => Preflight[];
let answers: () => Answer[];

beforeAll(async () => {
  browser = await launchChromium();
  demo = await startDemo();
  page = await browser.newPage();
  ({ preflights, answers } = await recordNetwork(page));
  await page.goto(demo.pageUrl);
  await page.waitForSelector("body[data-ready=true]");
});

afterAll(async () => {
  if (page !== undefined) {
    mkdirSync(join(root, "test", "artifacts"), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
  }
  await browser?.close();
  await demo?.close();
});

/** Click a case's button and wait until its output settles. */
async function run(id: string): Promise<{ text: string; state: string | null }> {
  await page.click(`#${id}-run`);
  const out = await page.waitForSelector(`#${id}:is([data-state=ok], [data-state=error])`);
  return { text: (await out.textContent()) ?? "", state: await out.getAttribute("data-state") };
}

it("serves the page from another origin than the worker", () => {
  expect(new URL(demo.pageUrl).origin).not.toBe(new URL(demo.workerUrl).origin);
  expect(new URL(demo.pageUrl).hostname).toBe("localhost");
  expect(new URL(demo.workerUrl).hostname).toBe("127.0.0.1");
});

describe.each([
  { transport: "grpc-web", contentType: "application/grpc-web+proto" },
  // connect-web's Connect transport speaks JSON unless told useBinaryFormat.
  { transport: "connect", contentType: "application/json" },
])("$transport from the browser", ({ transport, contentType }) => {
  it("unary: shows the answer and the backend that gave it", async () => {
    const before = demo.stable.calls.length;
    const r = await run(`${transport}-unary`);
    expect(r).toEqual({ state: "ok", text: `answer "hello over ${transport}" from backend ${stableBackend}` });
    expect(await page.getAttribute(`#${transport}-unary`, "data-backend")).toBe(stableBackend);
    // The origin got the browser's call, in the browser's protocol, with its Origin header.
    const call = demo.stable.calls.slice(before).find((c) => c.procedure === `${service}/Echo`);
    expect(call?.contentType).toBe(contentType);
    expect(call?.headers.origin).toBe(demo.page.origin);
  });

  it("server stream: renders each message as it arrives, with its time", async () => {
    await page.click(`#${transport}-stream-run`);
    const list = `#${transport}-stream-messages`;
    await page.waitForSelector(`${list} li[data-number="1"]`);
    // The moment message 1 is on the page the origin has not yet sent the last one (4 × 400 ms to go).
    const shownWithFirst = await page.locator(`${list} li`).count();
    expect(shownWithFirst).toBeLessThan(streamCount);
    expect(await page.getAttribute(`#${transport}-stream`, "data-state")).toBe("pending");

    await page.waitForSelector(`#${transport}-stream[data-state=ok]`);
    expect(await page.textContent(`#${transport}-stream`)).toBe(`done: ${streamCount} messages`);
    const items = await page.$$eval(`${list} li`, (lis) =>
      lis.map((li) => ({ n: li.dataset.number, at: Number(li.dataset.at), backend: li.dataset.backend, text: li.textContent })),
    );
    expect(items.map((i) => i.n)).toEqual(["1", "2", "3", "4", "5"]);
    for (const i of items) {
      expect(i.backend).toBe(stableBackend);
      expect(i.text).toMatch(new RegExp(`^#${i.n} from ${stableBackend} at \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\(\\+\\d+ ms\\)$`));
    }
    // Arrival times follow the origin's pace: a buffered stream would arrive all at once at the end.
    const gaps = items.slice(1).map((i, k) => i.at - items[k]!.at);
    for (const g of gaps) expect(g).toBeGreaterThan(streamDelayMs / 2);
    expect(items.at(-1)!.at - items[0]!.at).toBeGreaterThan((streamCount - 1) * streamDelayMs * 0.75);
  });

  it("error: an unrouted method shows UNIMPLEMENTED (12) and the edge's message", async () => {
    const r = await run(`${transport}-error`);
    expect(r.text).toBe(`code 12 (unimplemented): no route for ${service}/Fail`);
    expect(await page.getAttribute(`#${transport}-error`, "data-code")).toBe("12");
    // The edge answered it: no origin ever saw Fail.
    expect([...demo.stable.calls, ...demo.canary.calls].some((c) => c.procedure.endsWith("/Fail"))).toBe(false);
  });

  it("canary: the env: canary header steers the call to the canary backend", async () => {
    const r = await run(`${transport}-canary`);
    expect(r).toEqual({ state: "ok", text: `answer "hello canary" from backend ${canaryBackend} (header env: canary)` });
    expect(await page.getAttribute(`#${transport}-canary`, "data-backend")).toBe(canaryBackend);
    expect(demo.canary.calls.at(-1)?.headers.env).toBe("canary");
  });

  it("secure, no token: the SecurityPolicy refuses with UNAUTHENTICATED (16) before any origin", async () => {
    const before = answers().length;
    const seenBefore = demo.stable.calls.length + demo.canary.calls.length;
    const r = await run(`${transport}-secure-anonymous`);
    expect(r).toEqual({ state: "ok", text: "code 16 (unauthenticated): Jwt is missing" });
    expect(await page.getAttribute(`#${transport}-secure-anonymous`, "data-code")).toBe("16");
    expect(demo.stable.calls.length + demo.canary.calls.length).toBe(seenBefore);
    // The refusal carries its challenge and the CORS headers that let the page read the status.
    const refusal = answers()
      .slice(before)
      .find((a) => a.url === `${demo.workerUrl}${service}/Echo`);
    expect(header(refusal!.requestHeaders, "authorization")).toBe("");
    expect(header(refusal!.responseHeaders, "access-control-allow-origin")).toBe(demo.page.origin);
    expect(header(refusal!.responseHeaders, "www-authenticate")).toMatch(/^Bearer realm=/);
    const exposed = header(refusal!.responseHeaders, "access-control-expose-headers")
      .split(",")
      .map((h) => h.trim().toLowerCase());
    expect(exposed).toContain("www-authenticate");
    if (transport === "grpc-web") expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message"]));
  });

  it("secure, with a token from the page server: the same call is answered", async () => {
    const before = demo.stable.calls.length;
    const r = await run(`${transport}-secure-token`);
    expect(r).toEqual({ state: "ok", text: `answer "hello secure" from backend ${stableBackend} (with a token)` });
    expect(await page.getAttribute(`#${transport}-secure-token`, "data-backend")).toBe(stableBackend);
    const call = demo.stable.calls.slice(before).find((c) => c.procedure === `${service}/Echo`);
    expect(call?.headers[secureHeader.name]).toBe(secureHeader.value);
    expect(call?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    // The edge checked the signature against the issuer's published keys.
    expect(demo.issuer.jwksRequests()).toBeGreaterThan(0);
  });
});

it("the browser preflighted the cross-origin calls and the worker allowed the page's origin", () => {
  const forWorker = preflights().filter((p) => p.url.startsWith(`${demo.workerUrl}/`));
  for (const method of ["Echo", "Count", "Fail"]) expect(forWorker.map((p) => p.url)).toContain(`${demo.workerUrl}${service}/${method}`);
  for (const p of forWorker) {
    expect(p.origin).toBe(demo.page.origin);
    expect(p.status).toBe(204);
    expect(p.allowOrigin).toBe(demo.page.origin);
  }
  const asked = forWorker.map((p) => p.requestHeaders.split(",").map((h) => h.trim().toLowerCase()));
  // gRPC-web's marker header and the canary header each had to be allowed by a preflight.
  expect(asked.some((h) => h.includes("x-grpc-web"))).toBe(true);
  expect(asked.some((h) => h.includes("env"))).toBe(true);
  // So had the secure call's selector. Its answer already allowed the token too, so Chromium's
  // preflight cache covers the call with a token: no second preflight asks for authorization.
  const secure = forWorker.filter((p) =>
    p.requestHeaders
      .toLowerCase()
      .split(",")
      .map((h) => h.trim())
      .includes(secureHeader.name),
  );
  expect(secure.length).toBeGreaterThan(0);
  for (const p of secure) {
    const allowed = p.allowHeaders!.split(",").map((h) => h.trim().toLowerCase());
    expect(allowed).toEqual(expect.arrayContaining([secureHeader.name, "authorization"]));
  }
  // Preflights are answered at the edge: no origin saw an OPTIONS request.
  expect([...demo.stable.calls, ...demo.canary.calls].some((c) => c.method === "OPTIONS")).toBe(false);
});

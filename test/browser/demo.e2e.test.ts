/**
 * The browser demo end to end: the stack `npm run demo` starts (demo/stack.ts), the page
 * opened in Chromium from http://localhost:PORT, DemoService called through the worker at
 * http://127.0.0.1:PORT with connect-web's gRPC-web and Connect transports. Asserts what
 * the page shows, that streams render message by message, and that the browser really
 * preflighted (seen through the DevTools protocol, which reports preflights; Playwright's
 * own request events do not).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryBackend, stableBackend, startDemo, type RunningDemo } from "../../demo/stack.ts";
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
}

function header(headers: Record<string, unknown>, name: string): string {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
  return "";
}

/** Record every CORS preflight the page's network stack sends, with its answer. */
async function recordPreflights(page: Page): Promise<() => Preflight[]> {
  const seen = new Map<string, Preflight>();
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => {
    if (e.request.method !== "OPTIONS") return;
    const h = e.request.headers;
    seen.set(e.requestId, { url: e.request.url, origin: header(h, "origin"), requestHeaders: header(h, "access-control-request-headers") });
  });
  cdp.on("Network.responseReceived", (e) => {
    const p = seen.get(e.requestId);
    if (p === undefined) return;
    p.status = e.response.status;
    p.allowOrigin = header(e.response.headers, "access-control-allow-origin");
  });
  return () => [...seen.values()];
}

let demo: RunningDemo;
let browser: Browser;
let page: Page;
let preflights: () => Preflight[];

beforeAll(async () => {
  browser = await launchChromium();
  demo = await startDemo();
  page = await browser.newPage();
  preflights = await recordPreflights(page);
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
  // Preflights are answered at the edge: no origin saw an OPTIONS request.
  expect([...demo.stable.calls, ...demo.canary.calls].some((c) => c.method === "OPTIONS")).toBe(false);
});

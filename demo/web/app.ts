/**
 * The demo page: DemoService through the edge worker from a browser, once per transport
 * (gRPC-web and Connect). Each panel shows a unary call and which backend answered, a
 * server stream rendered message by message as it arrives, an error the edge answers
 * itself (Fail is not routed: UNIMPLEMENTED), the `env: canary` header steering a
 * call to the canary backend, and a call the edge's SecurityPolicy guards: refused
 * (UNAUTHENTICATED) without a token, answered with one. Output elements carry
 * `data-state` for the browser test.
 */
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { DemoService } from "../gen/grpcroute/demo/v1/demo_pb.ts";

type Demo = Client<typeof DemoService>;
type Case = "unary" | "stream" | "error" | "canary" | "secure-anonymous" | "secure-token";

/** Stream length and gap: slow enough that arrival one by one is visible. */
const streamCount = 5;
const streamDelayMs = 400;

/** Selects the GRPCRoute rule that the demo's SecurityPolicy protects with a JWT. */
const secureHeaders = { "x-demo": "secure" };
const secureMessage = "hello secure";

const workerUrl = document.querySelector<HTMLMetaElement>('meta[name="worker-url"]')?.content ?? "";

const transports: Record<string, (baseUrl: string) => Transport> = {
  "grpc-web": (baseUrl) => createGrpcWebTransport({ baseUrl }),
  connect: (baseUrl) => createConnectTransport({ baseUrl }),
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** Wall-clock time with milliseconds, as shown next to each stream message. */
function clock(d = new Date()): string {
  return `${d.toLocaleTimeString("en-GB", { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** `code 12 (unimplemented): message`: the Connect name is what both protocols' specs use. */
function describeError(e: unknown): { code: number; text: string } {
  const err = ConnectError.from(e);
  const name = (Code[err.code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toLowerCase();
  return { code: err.code, text: `code ${err.code} (${name}): ${err.rawMessage}` };
}

/** A fresh token from the page server; a real page would get it from its login. */
async function fetchToken(): Promise<string> {
  const res = await fetch("/token", { cache: "no-store" });
  if (!res.ok) throw new Error(`GET /token: HTTP ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  return token;
}

function setOutput(out: HTMLElement, state: "pending" | "ok" | "error", text: string): void {
  out.dataset.state = state;
  out.textContent = text;
}

const runners: Record<Case, (client: Demo, out: HTMLOutputElement, list: HTMLOListElement, name: string) => Promise<void>> = {
  async unary(client, out, _list, name) {
    const res = await client.echo({ message: `hello over ${name}` });
    out.dataset.backend = res.backend;
    setOutput(out, "ok", `answer "${res.message}" from backend ${res.backend}`);
  },
  async stream(client, out, list) {
    list.replaceChildren();
    const started = performance.now();
    let n = 0;
    for await (const m of client.count({ count: streamCount, delayMs: streamDelayMs })) {
      const at = performance.now() - started;
      n++;
      // One element per message, appended as it arrives: nothing waits for the stream to end.
      list.append(el("li", { textContent: `#${m.number} from ${m.backend} at ${clock()} (+${Math.round(at)} ms)` }));
      const li = list.lastElementChild as HTMLLIElement;
      li.dataset.number = String(m.number);
      li.dataset.at = at.toFixed(1);
      li.dataset.backend = m.backend;
      setOutput(out, "pending", `streaming: ${n} of ${streamCount}`);
    }
    setOutput(out, "ok", `done: ${n} messages`);
  },
  async error(client, out) {
    try {
      await client.fail({ code: Code.Internal, message: "the origin would say this" });
      setOutput(out, "ok", "unexpected success");
    } catch (e) {
      const { code, text } = describeError(e);
      out.dataset.code = String(code);
      // An error is this case's expected answer.
      setOutput(out, "ok", text);
    }
  },
  async canary(client, out) {
    const res = await client.echo({ message: "hello canary" }, { headers: { env: "canary" } });
    out.dataset.backend = res.backend;
    setOutput(out, "ok", `answer "${res.message}" from backend ${res.backend} (header env: canary)`);
  },
  async "secure-anonymous"(client, out) {
    try {
      await client.echo({ message: secureMessage }, { headers: secureHeaders });
      setOutput(out, "ok", "unexpected success");
    } catch (e) {
      const { code, text } = describeError(e);
      out.dataset.code = String(code);
      // Being refused is what this case shows.
      setOutput(out, "ok", text);
    }
  },
  async "secure-token"(client, out) {
    const token = await fetchToken();
    const res = await client.echo({ message: secureMessage }, { headers: { ...secureHeaders, authorization: `Bearer ${token}` } });
    out.dataset.backend = res.backend;
    setOutput(out, "ok", `answer "${res.message}" from backend ${res.backend} (with a token)`);
  },
};

const titles: Record<Case, string> = {
  unary: "Unary: Echo",
  stream: `Server stream: Count ${streamCount} × ${streamDelayMs} ms`,
  error: "Error: Fail is not routed",
  canary: "Canary: Echo with env: canary",
  "secure-anonymous": "Secure: Echo with x-demo: secure, no token",
  "secure-token": "Secure: the same call with a token from /token",
};

/** All buttons of the page, for "Run everything". */
const buttons: HTMLButtonElement[] = [];

function panel(name: string, client: Demo): HTMLElement {
  const section = el("section", { id: name }, el("h2", { textContent: name === "connect" ? "Connect" : "gRPC-web" }));
  for (const c of Object.keys(runners) as Case[]) {
    const out = el("output", { id: `${name}-${c}` });
    const list = el("ol", { id: `${name}-${c}-messages` });
    const button = el("button", { id: `${name}-${c}-run`, textContent: "Call" });
    button.addEventListener("click", () => {
      setOutput(out, "pending", "calling…");
      runners[c](client, out, list, name).catch((e: unknown) => setOutput(out, "error", describeError(e).text));
    });
    buttons.push(button);
    section.append(el("h3", { textContent: `${titles[c]} ` }, button), out);
    if (c === "stream") section.append(list);
  }
  return section;
}

document.getElementById("page-origin")!.textContent = location.origin;
document.getElementById("worker-url")!.textContent = workerUrl;
const main = document.getElementById("transports")!;
for (const [name, make] of Object.entries(transports)) main.append(panel(name, createClient(DemoService, make(workerUrl))));
document.getElementById("run-all")!.addEventListener("click", () => buttons.forEach((b) => b.click()));
document.body.dataset.ready = "true";

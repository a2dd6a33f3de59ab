/**
 * Real origins for the worker tests: @connectrpc/connect-node servers on 127.0.0.1
 * ephemeral ports over HTTP/1.1, serving Connect and gRPC-web (not native gRPC, which a
 * Worker cannot reach). Each knows its backend name and records the calls it saw.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closer, listen, loopback, type RunningOrigin, type SeenCall } from "../../demo/origin.ts";

// The DemoService implementation lives in demo/ (the browser demo serves it too); one copy.
export { startOrigin, type RunningOrigin, type SeenCall } from "../../demo/origin.ts";

/** An origin that is not a gRPC server at all: a load balancer answering an HTML error page. */
export async function startHtmlOrigin(status: number): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method ?? "", procedure: req.url ?? "", headers: {}, contentType: String(req.headers["content-type"] ?? "") });
    req.resume();
    res.writeHead(status, { "content-type": "text/html" });
    res.end(`<html><body><h1>${status} Bad Gateway</h1></body></html>`);
  });
  const port = await listen(server);
  return { name: `html-${status}`, url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** A 127.0.0.1 URL nothing listens on (the port was bound and released). */
export async function deadOriginUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await closer(server)();
  return `http://${loopback}:${port}`;
}

/** An origin whose answers the test writes by hand (protocol violations, resets). */
export async function startRawOrigin(name: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningOrigin> {
  const calls: SeenCall[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method ?? "", procedure: req.url ?? "", headers: {}, contentType: String(req.headers["content-type"] ?? "") });
    handler(req, res);
  });
  const port = await listen(server);
  return { name, url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** Poll `check` every 20 ms, at most `tries` times; resolves with its last answer. */
export async function eventually(check: () => boolean, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

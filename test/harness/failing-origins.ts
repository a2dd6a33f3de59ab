/**
 * Misbehaving origins and raw-socket clients for the hardening tests: plain node:http
 * servers on 127.0.0.1 that refuse, reset, stall or answer garbage, and a TCP client that
 * sends bytes no HTTP library will (no Host, control characters, HTTP/1.0).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";

export const loopback = "127.0.0.1";

export interface ScriptedOrigin {
  url: string;
  port: number;
  /** Request paths seen, in order. */
  calls: string[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, loopback, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** An origin answering with `handler`; every request is recorded before it runs. */
export async function startScriptedOrigin(handler: Handler): Promise<ScriptedOrigin> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(req.url ?? "");
    handler(req, res);
  });
  const port = await listen(server);
  return { url: `http://${loopback}:${port}`, port, calls, close: closer(server) };
}

/** A 127.0.0.1 URL that refuses connections (the port was bound and released). */
export async function refusingOriginUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await closer(server)();
  return `http://${loopback}:${port}`;
}

/** `flags(1) length(4, big-endian) data`, with an optional lying length. */
export function envelope(flags: number, data: Uint8Array, length = data.length): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, length);
  out.set(data, 5);
  return out;
}

/** A gRPC-web trailer frame holding `text` verbatim. */
export function trailerFrameOf(text: string): Uint8Array<ArrayBuffer> {
  return envelope(0x80, new TextEncoder().encode(text));
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Send `head` (request line and headers, CRLF-separated, without the blank line) and
 * `body` over a plain TCP connection, and read the answer until the server closes or
 * `timeoutMs` passes. Only for small, non-chunked or chunked answers.
 */
export function rawRequest(baseUrl: string, head: string, body: Uint8Array = new Uint8Array(), timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no complete answer in ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1").slice(0, 300))}`),
      );
    }, timeoutMs);
    socket.on("connect", () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\nconnection: close\r\n\r\n`, "latin1"), Buffer.from(body)]));
    });
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      const done = complete(Buffer.concat(chunks));
      if (done !== undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve(done);
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(parseRaw(Buffer.concat(chunks)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The answer once `data` holds all of it (by content-length or the last chunk), else undefined. */
function complete(data: Buffer): RawResponse | undefined {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = data.subarray(0, end).toString("latin1").toLowerCase();
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length !== null) return data.length - end - 4 >= Number(length[1]) ? parseRaw(data) : undefined;
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) return data.includes("\r\n0\r\n\r\n", end) ? parseRaw(data) : undefined;
  return undefined;
}

function parseRaw(data: Buffer): RawResponse {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(data.toString("latin1").slice(0, 200))}`);
  const lines = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = data.subarray(end + 4);
  if (headers["transfer-encoding"]?.includes("chunked")) body = dechunk(body);
  return { status, headers, body };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (!(size > 0)) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

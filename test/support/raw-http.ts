/**
 * One HTTP/1.1 request with node:http, for what fetch() will not do (choose the Host
 * header, which host matching is about) and what the connect clients hide (raw response
 * headers and body). Bounded: every request gives up after 10 s.
 */
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export function rawRequest(baseUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method ?? "POST",
        path: r.path,
        headers: { ...(r.headers ?? {}), host: r.host ?? url.host },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${baseUrl}${r.path} in 10 s`)));
    req.end(r.body === undefined ? undefined : Buffer.from(r.body));
  });
}

/** A gRPC-web (binary proto) body holding one empty message. */
export const emptyGrpcWebBody = new Uint8Array([0, 0, 0, 0, 0]);

export function header(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Frames of a gRPC-web / Connect streaming body: `flags(1) length(4) data`. */
export function frames(body: Uint8Array): { flags: number; data: Buffer }[] {
  const out: { flags: number; data: Buffer }[] = [];
  const b = Buffer.from(body);
  for (let i = 0; i + 5 <= b.length; ) {
    const len = b.readUInt32BE(i + 1);
    out.push({ flags: b[i]!, data: b.subarray(i + 5, i + 5 + len) });
    i += 5 + len;
  }
  return out;
}

/** What a gRPC-web call came back with, read off the wire. */
export interface RawAnswer {
  httpStatus: number;
  /** From the headers (trailers-only) or the trailer frame. */
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
}

/** One gRPC-web call with an empty message to `path` on `host`. */
export async function grpcWebCall(baseUrl: string, host: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await rawRequest(baseUrl, {
    path,
    host,
    headers: { ...headers, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: emptyGrpcWebBody,
  });
  const trailer = trailerOf(res.body);
  return {
    httpStatus: res.status,
    grpcStatus: first(res.headers["grpc-status"]) ?? trailer["grpc-status"],
    grpcMessage: first(res.headers["grpc-message"]) ?? trailer["grpc-message"],
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The trailer frame (flag 0x80) of a gRPC-web body as lower-case key → value. */
function trailerOf(body: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of frames(body)) {
    if (f.flags !== 0x80) continue;
    for (const line of f.data.toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return out;
}

/** What the client does once `sent` is written: nothing more, shut its side, or end a chunked body. */
export type AfterPartial = "wait" | "half-close" | "end";

export interface PartialRequest extends Omit<RawRequest, "body"> {
  /** The bytes the client writes. */
  sent: Uint8Array;
  /** The Content-Length it declares; undefined sends the body chunked. */
  declared?: number;
  after: AfterPartial;
  timeoutMs?: number;
}

/**
 * A request whose body stops short of what it promised, with node:http: `sent` of
 * `declared` bytes, then the client waits, half-closes the connection (FIN after the
 * partial body), or ends a chunked body cleanly. Resolves with the answer and how long it
 * took; rejects when none comes within `timeoutMs` (5 s).
 */
export function partialRequest(baseUrl: string, r: PartialRequest): Promise<RawResponse & { ms: number }> {
  const url = new URL(baseUrl);
  const timeoutMs = r.timeoutMs ?? 5000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method ?? "POST",
        path: r.path,
        headers: {
          ...(r.headers ?? {}),
          host: r.host ?? url.host,
          ...(r.declared !== undefined ? { "content-length": String(r.declared) } : {}),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: Date.now() - started });
          req.destroy();
        });
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${baseUrl}${r.path} in ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (r.after === "end") return void req.end(Buffer.from(r.sent));
    req.write(Buffer.from(r.sent), () => {
      if (r.after === "half-close") req.socket?.end();
    });
  });
}

/** The status of a gRPC-web answer: trailers-only headers, else its trailer frame. */
export function grpcWebAnswer(res: RawResponse): RawAnswer {
  const trailer = trailerOf(res.body);
  return {
    httpStatus: res.status,
    grpcStatus: first(res.headers["grpc-status"]) ?? trailer["grpc-status"],
    grpcMessage: decodeURIComponent(first(res.headers["grpc-message"]) ?? trailer["grpc-message"] ?? ""),
  };
}

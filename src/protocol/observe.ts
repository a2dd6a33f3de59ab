import { Code } from "@connectrpc/connect";
import { codeFromString, endStreamFlag } from "@connectrpc/connect/protocol-connect";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import type { ClientProtocol } from "./detect.ts";
import { headerGrpcStatus } from "./grpc-web/headers.ts";
import { parseGrpcStatus } from "./grpc/status.ts";

/**
 * What a client received, read off the bytes as they pass (for the access log and metrics):
 * bytes, messages, and the status it ended with. Only envelope headers are looked at, and
 * the final envelope (or a Connect error body) is kept, up to a few KiB, to read its status;
 * data is never copied.
 */

const finalCap = 16 * 1024;
const utf8 = new TextDecoder();

/** Counts envelopes in a byte stream and keeps the final one. */
class EnvelopeReader {
  messages = 0;
  final: { flags: number; data: Uint8Array } | undefined;
  private header = new Uint8Array(5);
  private have = 0;
  private left = 0;
  private flags = 0;
  private keep: Uint8Array | undefined;
  private kept = 0;

  constructor(private readonly isFinal: (flags: number) => boolean) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.left === 0 && this.have < 5) {
        this.header[this.have++] = chunk[i++]!;
        if (this.have === 5) {
          this.flags = this.header[0]!;
          this.left = new DataView(this.header.buffer).getUint32(1);
          this.keep = this.isFinal(this.flags) ? new Uint8Array(Math.min(this.left, finalCap)) : undefined;
          this.kept = 0;
          if (this.left === 0) this.done();
        }
        continue;
      }
      const n = Math.min(this.left, chunk.length - i);
      if (this.keep !== undefined && this.kept < this.keep.length) {
        const m = Math.min(n, this.keep.length - this.kept);
        this.keep.set(chunk.subarray(i, i + m), this.kept);
        this.kept += m;
      }
      i += n;
      this.left -= n;
      if (this.left === 0) this.done();
    }
  }

  private done(): void {
    if (this.keep !== undefined) this.final = { flags: this.flags, data: this.keep.subarray(0, this.kept) };
    else this.messages++;
    this.have = 0;
    this.keep = undefined;
  }
}

/** base64 text in, bytes out, one 4-character group at a time (each text frame is padded on its own). */
class Base64Groups {
  private carry = "";
  decode(chunk: Uint8Array): Uint8Array {
    const text = this.carry + utf8.decode(chunk).replace(/\s/g, "");
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    const out: number[] = [];
    for (let i = 0; i < whole; i += 4) {
      try {
        for (const c of atob(text.slice(i, i + 4))) out.push(c.charCodeAt(0));
      } catch {
        // Not base64: the client gets what it gets; the log counts bytes only.
      }
    }
    return Uint8Array.from(out);
  }
}

export interface Observed {
  bytes: number;
  messages: number;
  /** The status the client saw; undefined when the response ended before one. */
  code: Code | 0 | undefined;
}

export interface ResponseObserver {
  /** Look at one chunk on its way to the client (the caller's own read loop hands it on). */
  see(chunk: Uint8Array): void;
  result(): Observed;
}

/** Watch a response to a `client` call on its way out. */
export function observeResponse(client: ClientProtocol, res: Response): ResponseObserver {
  let bytes = 0;
  const kind = client.kind;
  const text = kind === "grpc-web" && client.responseText ? new Base64Groups() : undefined;
  const envelopes =
    kind === "connect-unary"
      ? undefined
      : new EnvelopeReader((f) => (kind === "grpc-web" ? (f & trailerFlag) === trailerFlag : (f & endStreamFlag) === endStreamFlag));
  let errorBody = new Uint8Array(0);
  const headerStatus = kind === "grpc-web" ? res.headers.get(headerGrpcStatus) : null;
  const see = (chunk: Uint8Array): void => {
    bytes += chunk.byteLength;
    if (envelopes !== undefined) envelopes.push(text === undefined ? chunk : text.decode(chunk));
    else if (res.status !== 200 && errorBody.length < finalCap) {
      const joined = new Uint8Array(errorBody.length + chunk.length);
      joined.set(errorBody);
      joined.set(chunk, errorBody.length);
      errorBody = joined.subarray(0, finalCap);
    }
  };
  const result = (): Observed => {
    if (kind === "connect-unary") {
      if (res.status === 200) return { bytes, messages: bytes > 0 || res.body === null ? 1 : 0, code: 0 };
      return { bytes, messages: 0, code: connectErrorCode(errorBody) };
    }
    const messages = envelopes?.messages ?? 0;
    if (headerStatus !== null) return { bytes, messages, code: parseGrpcStatus(headerStatus) ?? Code.Internal };
    const final = envelopes?.final;
    if (final === undefined) return { bytes, messages, code: undefined };
    if (kind === "grpc-web") {
      const status = trailerParse(final.data).get(headerGrpcStatus);
      return { bytes, messages, code: status === null ? undefined : (parseGrpcStatus(status) ?? Code.Internal) };
    }
    return { bytes, messages, code: connectEndStreamCode(final.data) };
  };
  return { see, result };
}

function connectErrorCode(body: Uint8Array): Code | undefined {
  try {
    const code = (JSON.parse(utf8.decode(body)) as { code?: unknown }).code;
    return typeof code === "string" ? codeFromString(code) : undefined;
  } catch {
    return undefined;
  }
}

function connectEndStreamCode(data: Uint8Array): Code | 0 | undefined {
  try {
    const error = (JSON.parse(utf8.decode(data)) as { error?: { code?: unknown } }).error;
    if (error === undefined) return 0;
    return typeof error.code === "string" ? codeFromString(error.code) : Code.Unknown;
  } catch {
    return undefined;
  }
}

/** Counts the envelopes of a framed request body as it passes. */
export function countRequestMessages(framed: boolean): {
  transform: TransformStream<Uint8Array, Uint8Array>;
  count(): { bytes: number; messages: number };
} {
  let bytes = 0;
  const envelopes = framed ? new EnvelopeReader(() => false) : undefined;
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      envelopes?.push(chunk);
      controller.enqueue(chunk);
    },
  });
  return { transform, count: () => ({ bytes, messages: envelopes === undefined ? (bytes > 0 ? 1 : 0) : envelopes.messages }) };
}

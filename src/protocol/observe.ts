import { Code } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import type { ClientProtocol } from "./detect.ts";
import { EnvelopeScanner } from "./envelope-scanner.ts";
import { FINAL_ENVELOPE_CAP, type FramedProtocol } from "./framed-relay.ts";
import { connectStreamFraming } from "./connect/response.ts";
import { headerGrpcStatus } from "./grpc-web/headers.ts";
import { grpcWebFraming } from "./grpc-web/response.ts";
import { parseGrpcStatus } from "./grpc/status.ts";

/**
 * What a client received, read off the bytes as they pass (for the access log and metrics):
 * bytes, messages, and the status it ended with, for answers the relay does not report on
 * itself (edge errors, translated answers). Only envelope headers are looked at, and the
 * final envelope (or a Connect error body) is kept, up to 16 KiB, to read its status; data
 * is never copied.
 */

const errorBodyCap = 16 * 1024;
const utf8 = new TextDecoder();

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
  const framing: FramedProtocol | undefined =
    kind === "grpc-web" ? grpcWebFraming : kind === "connect-stream" ? connectStreamFraming : undefined;
  const envelopes = framing === undefined ? undefined : new EnvelopeScanner(framing.isFinal, FINAL_ENVELOPE_CAP);
  let final: { flags: number; data: Uint8Array } | undefined;
  let errorBody = new Uint8Array(0);
  const headerStatus = kind === "grpc-web" ? res.headers.get(headerGrpcStatus) : null;
  const see = (chunk: Uint8Array): void => {
    bytes += chunk.byteLength;
    if (envelopes !== undefined) {
      if (final === undefined) final = envelopes.push(text === undefined ? chunk : text.decode(chunk)).final;
    } else if (res.status !== 200 && errorBody.length < errorBodyCap) {
      const joined = new Uint8Array(errorBody.length + chunk.length);
      joined.set(errorBody);
      joined.set(chunk, errorBody.length);
      errorBody = joined.subarray(0, errorBodyCap);
    }
  };
  const result = (): Observed => {
    if (kind === "connect-unary") {
      if (res.status === 200) return { bytes, messages: bytes > 0 || res.body === null ? 1 : 0, code: 0 };
      return { bytes, messages: 0, code: connectErrorCode(errorBody) };
    }
    const messages = envelopes?.messages ?? 0;
    if (headerStatus !== null) return { bytes, messages, code: parseGrpcStatus(headerStatus) ?? Code.Internal };
    if (final === undefined || framing === undefined) return { bytes, messages, code: undefined };
    const checked = framing.checkFinal(final.flags, final.data);
    return { bytes, messages, code: checked.problem === undefined ? checked.code : Code.Internal };
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

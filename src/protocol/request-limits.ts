import { Code, ConnectError } from "@connectrpc/connect";
import { headerStreamEncoding } from "./connect/headers.ts";
import type { ClientProtocol } from "./detect.ts";
import { headerEncoding } from "./grpc-web/headers.ts";
import { TextBodyDecoder } from "./grpc-web/text-body.ts";

/**
 * Checks on a client's request body, one chunk at a time as the edge reads it, never
 * buffering it: enveloped bodies (gRPC-web, Connect streaming) are followed envelope
 * header by envelope header, a Connect unary body is counted, gRPC-web text is decoded.
 * A violation throws before the offending bytes are handed on.
 */

export function messageTooLarge(size: number, max: number): ConnectError {
  return new ConnectError(`request message of ${size} bytes exceeds the edge's limit of ${max} bytes`, Code.ResourceExhausted);
}

/** The compressed flag of an envelope (gRPC PROTOCOL-HTTP2.md "Compressed-Flag"; Connect's envelope flags). */
const compressedFlag = 0x01;

/**
 * Follows the envelopes (`flags(1) length(4, BE) data`) of a request body: a length prefix
 * above `maxMessageBytes` → RESOURCE_EXHAUSTED as soon as its header arrives; a body that
 * ends inside an envelope (a length prefix larger than what follows) → `truncatedCode`
 * (INTERNAL for gRPC-web, as grpc-go answers an unexpected EOF; INVALID_ARGUMENT for
 * Connect, as connect-go and connect-es do); an envelope flagged compressed when the
 * request names no message encoding (`encodingHeader` absent or `identity`) → INTERNAL,
 * a protocol error in gRPC's PROTOCOL-HTTP2.md (grpc-go: "compressed flag set with
 * identity or empty encoding") and in the Connect protocol. Throws the ConnectError.
 */
export class EnvelopeChecker {
  private readonly header = new Uint8Array(5);
  private headerFill = 0;
  private remaining = 0;
  /** Complete envelopes so far. */
  messages = 0;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly truncatedCode: Code,
    /** The header that names the message encoding, or undefined when the request names one. */
    private readonly unencodedBy: string | undefined = undefined,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.messages++;
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + take), this.headerFill);
      this.headerFill += take;
      at += take;
      if (this.headerFill === 5) {
        if (this.unencodedBy !== undefined && (this.header[0]! & compressedFlag) !== 0) {
          throw new ConnectError(`protocol error: compressed flag set without ${this.unencodedBy}`, Code.Internal);
        }
        const length = new DataView(this.header.buffer).getUint32(1);
        if (length > this.maxMessageBytes) throw messageTooLarge(length, this.maxMessageBytes);
        this.remaining = length;
        this.headerFill = 0;
        if (length === 0) this.messages++;
      }
    }
  }

  /** The body ended; throws if it ended inside an envelope. */
  end(): void {
    const cut = this.truncation();
    if (cut !== undefined) throw cut;
  }

  /** Why the body so far is not a whole number of envelopes, if it is not. */
  truncation(): ConnectError | undefined {
    if (this.headerFill > 0) {
      return new ConnectError(`protocol error: request ends inside an envelope header (${this.headerFill} of 5 bytes)`, this.truncatedCode);
    }
    if (this.remaining > 0) {
      return new ConnectError(`protocol error: request envelope promised ${this.remaining} more bytes than were sent`, this.truncatedCode);
    }
    return undefined;
  }
}

/** The checks on one client's body, as the edge's one reader of it feeds them. */
export interface RequestBodyCheck {
  /** Check one chunk as read from the client; returns the bytes to forward (decoded from gRPC-web text). Throws ConnectError. */
  push(chunk: Uint8Array): Uint8Array;
  /** The body ended cleanly; throws ConnectError if it ended inside an envelope or a base64 quantum. */
  end(): void;
  /**
   * The body broke off before its end (the client half-closed short of its Content-Length,
   * or went away): the protocol error naming what is missing.
   */
  broken(): ConnectError;
  /** Complete messages so far (Connect unary: 1 once a byte arrived). */
  messages(): number;
}

/** Whether a request names a message encoding (an absent header or `identity` names none). */
function encodingNamed(headers: Headers, name: string): boolean {
  const v = headers.get(name)?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "identity";
}

/** The checks for a `client` call whose request carries `headers`, with messages up to `max` bytes. */
export function requestBodyCheck(client: ClientProtocol, headers: Headers, max: number): RequestBodyCheck {
  if (client.kind === "connect-unary") {
    let total = 0;
    return {
      push(chunk) {
        total += chunk.length;
        if (total > max) throw messageTooLarge(total, max);
        return chunk;
      },
      end: () => undefined,
      broken: () =>
        new ConnectError(`protocol error: request body ended after ${total} bytes, before its Content-Length`, Code.InvalidArgument),
      messages: () => (total > 0 ? 1 : 0),
    };
  }
  const grpcWeb = client.kind === "grpc-web";
  const encodingHeader = grpcWeb ? headerEncoding : headerStreamEncoding;
  const truncatedCode = grpcWeb ? Code.Internal : Code.InvalidArgument;
  const envelopes = new EnvelopeChecker(
    max,
    truncatedCode,
    encodingNamed(headers, encodingHeader) ? undefined : encodingHeader.toLowerCase(),
  );
  const text = grpcWeb && client.text ? new TextBodyDecoder() : undefined;
  return {
    push(chunk) {
      const bytes = text === undefined ? chunk : text.push(chunk);
      envelopes.push(bytes);
      return bytes;
    },
    end() {
      text?.end();
      envelopes.end();
    },
    broken: () =>
      envelopes.truncation() ??
      new ConnectError("protocol error: request body ended between envelopes, before its Content-Length", truncatedCode),
    messages: () => envelopes.messages,
  };
}

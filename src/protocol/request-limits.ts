import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientProtocol } from "./detect.ts";

/**
 * Streaming checks on a request body on its way to the origin, never buffering it:
 * enveloped bodies (gRPC-web, Connect streaming) are followed envelope header by envelope
 * header, a Connect unary body is counted. Chunks pass through untouched; the stream
 * errors at the first violation, before the offending bytes are passed on.
 */

/** Why a request body was refused; `onError` hears it too, since fetch() replaces stream errors. */
export type BodyErrorSink = (error: ConnectError) => void;

export function messageTooLarge(size: number, max: number): ConnectError {
  return new ConnectError(`request message of ${size} bytes exceeds the edge's limit of ${max} bytes`, Code.ResourceExhausted);
}

/**
 * Follows the envelopes (`flags(1) length(4, BE) data`) of a request body: a length prefix
 * above `maxMessageBytes` → RESOURCE_EXHAUSTED as soon as its header arrives; a body that
 * ends inside an envelope (a length prefix larger than what follows) → `truncatedCode`
 * (INTERNAL for gRPC-web, as grpc-go answers an unexpected EOF; INVALID_ARGUMENT for
 * Connect, as connect-go and connect-es do). Throws the ConnectError.
 */
export class EnvelopeChecker {
  private readonly header = new Uint8Array(5);
  private headerFill = 0;
  private remaining = 0;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly truncatedCode: Code,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + take), this.headerFill);
      this.headerFill += take;
      at += take;
      if (this.headerFill === 5) {
        const length = new DataView(this.header.buffer).getUint32(1);
        if (length > this.maxMessageBytes) throw messageTooLarge(length, this.maxMessageBytes);
        this.remaining = length;
        this.headerFill = 0;
      }
    }
  }

  end(): void {
    if (this.headerFill > 0) {
      throw new ConnectError(`protocol error: request ends inside an envelope header (${this.headerFill} of 5 bytes)`, this.truncatedCode);
    }
    if (this.remaining > 0) {
      throw new ConnectError(`protocol error: request envelope promised ${this.remaining} more bytes than were sent`, this.truncatedCode);
    }
  }
}

/** EnvelopeChecker over a streaming body: chunks pass through untouched until a violation. */
export function createEnvelopeGuard(
  maxMessageBytes: number,
  truncatedCode: Code,
  onError: BodyErrorSink,
): TransformStream<Uint8Array, Uint8Array> {
  const checker = new EnvelopeChecker(maxMessageBytes, truncatedCode);
  const run = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      onError(e as ConnectError);
      throw e;
    }
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      run(() => checker.push(chunk));
      controller.enqueue(chunk);
    },
    flush() {
      run(() => checker.end());
    },
  });
}

/** Count a Connect unary body: more than `maxMessageBytes` → RESOURCE_EXHAUSTED. */
export function createByteLimit(maxMessageBytes: number, onError: BodyErrorSink): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.length;
      if (total > maxMessageBytes) {
        const error = messageTooLarge(total, maxMessageBytes);
        onError(error);
        throw error;
      }
      controller.enqueue(chunk);
    },
  });
}

/** The checks a client's request body passes through on its way out, streaming. */
export function requestBodyGuard(
  client: ClientProtocol,
  max: number,
  onError: (e: ConnectError) => void,
): TransformStream<Uint8Array, Uint8Array> {
  switch (client.kind) {
    case "connect-unary":
      return createByteLimit(max, onError);
    case "connect-stream":
      return createEnvelopeGuard(max, Code.InvalidArgument, onError);
    case "grpc-web":
      return createEnvelopeGuard(max, Code.Internal, onError);
  }
}

/** requestBodyGuard's checks on a body read whole; throws the ConnectError. */
export function checkRequestBody(client: ClientProtocol, bytes: Uint8Array, max: number): void {
  if (client.kind === "connect-unary") {
    if (bytes.length > max) throw messageTooLarge(bytes.length, max);
    return;
  }
  const checker = new EnvelopeChecker(max, client.kind === "grpc-web" ? Code.Internal : Code.InvalidArgument);
  checker.push(bytes);
  checker.end();
}

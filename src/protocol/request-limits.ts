import { Code, ConnectError } from "@connectrpc/connect";

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
 * Follow the envelopes (`flags(1) length(4, BE) data`) of a request body: a length prefix
 * above `maxMessageBytes` → RESOURCE_EXHAUSTED as soon as its header arrives; a body that
 * ends inside an envelope (a length prefix larger than what follows) → `truncatedCode`
 * (INTERNAL for gRPC-web, as grpc-go answers an unexpected EOF; INVALID_ARGUMENT for
 * Connect, as connect-go and connect-es do).
 */
export function createEnvelopeGuard(maxMessageBytes: number, truncatedCode: Code, onError: BodyErrorSink): TransformStream<Uint8Array, Uint8Array> {
  const header = new Uint8Array(5);
  let headerFill = 0;
  let remaining = 0;
  const fail = (error: ConnectError): never => {
    onError(error);
    throw error;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      let at = 0;
      while (at < chunk.length) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - at);
          remaining -= take;
          at += take;
          continue;
        }
        const take = Math.min(5 - headerFill, chunk.length - at);
        header.set(chunk.subarray(at, at + take), headerFill);
        headerFill += take;
        at += take;
        if (headerFill === 5) {
          const length = new DataView(header.buffer).getUint32(1);
          if (length > maxMessageBytes) fail(messageTooLarge(length, maxMessageBytes));
          remaining = length;
          headerFill = 0;
        }
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (headerFill > 0) fail(new ConnectError(`protocol error: request ends inside an envelope header (${headerFill} of 5 bytes)`, truncatedCode));
      if (remaining > 0) fail(new ConnectError(`protocol error: request envelope promised ${remaining} more bytes than were sent`, truncatedCode));
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

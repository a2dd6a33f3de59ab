import { concat } from "../bytes.ts";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * gRPC-web text mode (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)): the body is standard base64 with padding, and
 * padding may appear inside the stream wherever a sender flushed. connect-es and
 * connect-go origins refuse text, so the edge decodes requests and encodes responses.
 */

const whitespace = /[\s]+/g;
// Base64 is ASCII; any other byte decodes to a character atob rejects. A single-byte
// encoding decodes each chunk on its own: no half character is ever held back, so nothing
// of one request's body can carry into another's (one decoder serves every request).
const ascii = new TextDecoder("latin1");

/**
 * Decode a text request body into binary, streaming: complete 4-character quanta are
 * decoded as they arrive (each quantum may end in `=`), the rest waits for more input.
 * Input that is not base64, or a partial quantum at EOF, errors the stream with INTERNAL;
 * `onError` sees that error too, since whoever reads the stream (fetch) may replace it
 * with a generic one.
 */
export function createTextDecodeStream(onError?: (error: ConnectError) => void): TransformStream<Uint8Array, Uint8Array> {
  let pending = "";
  const fail = (error: ConnectError): never => {
    onError?.(error);
    throw error;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending += ascii.decode(chunk).replace(whitespace, "");
      const usable = pending.length - (pending.length % 4);
      if (usable === 0) return;
      let bytes: Uint8Array;
      try {
        bytes = decodeQuanta(pending.slice(0, usable));
      } catch (e) {
        return fail(e as ConnectError);
      }
      pending = pending.slice(usable);
      if (bytes.length > 0) controller.enqueue(bytes);
    },
    flush() {
      if (pending.length !== 0) fail(new ConnectError("invalid gRPC-web text body: base64 length is not a multiple of 4", Code.Internal));
    },
  });
}

/** Decode a whole text body at once (one that was read completely), with the stream's rules. */
export function decodeTextBytes(body: Uint8Array): Uint8Array {
  const text = ascii.decode(body).replace(whitespace, "");
  if (text.length % 4 !== 0) throw new ConnectError("invalid gRPC-web text body: base64 length is not a multiple of 4", Code.Internal);
  return text.length === 0 ? new Uint8Array(0) : decodeQuanta(text);
}

/** Decode whole quanta, splitting after every padded quantum so atob sees valid input. */
function decodeQuanta(text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  let start = 0;
  while (start < text.length) {
    const pad = text.indexOf("=", start);
    const end = pad < 0 ? text.length : pad - ((pad - start) % 4) + 4;
    parts.push(atobBytes(text.slice(start, end)));
    start = end;
  }
  return parts.length === 1 ? parts[0]! : concat(parts);
}

function atobBytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new ConnectError("invalid gRPC-web text body: not base64", Code.Internal);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const asciiOut = new TextEncoder();
/** Keeps String.fromCharCode's argument count well under engine limits. */
const chunkSize = 0x8000;

/**
 * Base64-encode one whole frame (Envelope style, the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)): every frame is its
 * own padded unit, which every text client decodes.
 */
export function encodeTextFrame(frame: Uint8Array): Uint8Array {
  let binary = "";
  for (let i = 0; i < frame.length; i += chunkSize) {
    binary += String.fromCharCode(...frame.subarray(i, i + chunkSize));
  }
  return asciiOut.encode(btoa(binary));
}

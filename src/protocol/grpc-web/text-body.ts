import type { ConnectError } from "@connectrpc/connect";
import { createTextDecodeStream } from "./text-codec.ts";

/** A decoded text request body, remembering why decoding failed if it did. */
export interface DecodedBody {
  stream: ReadableStream<Uint8Array>;
  /** Set once the text turned out not to be base64. */
  error(): ConnectError | undefined;
}

/**
 * Decode a gRPC-web text request body on its way to the origin, streaming. The decode
 * error is kept because fetch() reports a failed request body as its own generic error.
 */
export function decodeTextBody(body: ReadableStream<Uint8Array>): DecodedBody {
  let failed: ConnectError | undefined;
  const stream = body.pipeThrough(createTextDecodeStream((e) => (failed = e)));
  return { stream, error: () => failed };
}

import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { FrameSplitter } from "./frame-splitter.ts";

/** How one protocol ends an enveloped response stream. */
export interface FinalFrameOptions {
  /** Whether an envelope with these flags is the stream's last (gRPC-web trailer, Connect end-stream). */
  isFinal(flags: number): boolean;
  /** The final envelope to append when the origin gave none, encoded. */
  finalFrame(error: ConnectError): Uint8Array;
  /** Bytes of each envelope as the client receives them (identity, or base64 for text mode). */
  encode(frame: Uint8Array): Uint8Array;
  /** The status already travelled in the response headers (trailers-only): append nothing. */
  statusInHeaders: boolean;
  /** What the stream failing (reset, deadline) means for the caller. */
  failure(reason: unknown): ConnectError;
  /** Message of the error appended when the origin ends without a final envelope. */
  missingMessage: string;
  /** The problem with a final envelope's contents, if any: it is replaced by an edge status. */
  checkFinal?(flags: number, data: Uint8Array): ConnectError | undefined;
  /** Hears every chunk read from the origin, and the end of the relay (an idle watchdog). */
  watch?: { touch(): void; stop(): void };
  /** Hears a status the edge wrote in place of the origin's (missing, malformed, or a broken stream). */
  onEdgeStatus?(error: ConnectError): void;
}

/**
 * Relay an origin's enveloped response as it arrives (never buffered, so server streams
 * stay incremental) and make sure it ends with a status: an origin that stops without its
 * final envelope, or whose stream breaks, gets one appended (docs/edge.md,
 * "Same protocol"). Data envelopes pass as the very bytes received (whole envelopes
 * only, see FrameSplitter), so compressed messages pass untouched and nothing is copied;
 * only the final envelope is checked and re-encoded.
 */
export function ensureFinalFrame(upstream: ReadableStream<Uint8Array>, options: FinalFrameOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const splitter = new FrameSplitter(options.isFinal);
  let ended = false;
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, error?: ConnectError): void => {
    options.watch?.stop();
    if (error !== undefined) {
      options.onEdgeStatus?.(error);
      controller.enqueue(options.encode(options.finalFrame(error)));
    }
    controller.close();
    ended = true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Read until there is something to hand on, so an empty pull never stalls the consumer.
      while (!ended) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (reason) {
          end(controller, options.failure(reason));
          return;
        }
        if (next.done) {
          if (!splitter.atBoundary) end(controller, options.failure(new Error("origin stream ended inside an envelope")));
          else end(controller, options.statusInHeaders ? undefined : new ConnectError(options.missingMessage, Code.Internal));
          return;
        }
        options.watch?.touch();
        const split = splitter.push(next.value);
        for (const bytes of split.pass) controller.enqueue(options.encode(bytes));
        if (split.final !== undefined) {
          // Anything after the final envelope is a protocol violation; do not relay it.
          await reader.cancel().catch(() => undefined);
          const { flags, data } = split.final;
          const problem = options.checkFinal?.(flags, data);
          if (problem === undefined) controller.enqueue(options.encode(encodeEnvelope(flags, data)));
          end(controller, problem);
          return;
        }
        if (split.pass.length > 0) return;
      }
    },
    async cancel(reason) {
      options.watch?.stop();
      await reader.cancel(reason);
    },
  });
}

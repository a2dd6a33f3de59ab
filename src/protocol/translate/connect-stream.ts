import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { type Envelope, EnvelopeReader, EnvelopeTooLarge } from "../envelope-reader.ts";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { metadataOnly } from "../unary.ts";
import { headerGrpcStatus, headerStatusDetailsBin } from "../grpc-web/headers.ts";
import { safeTrailerError } from "../grpc-web/unary.ts";
import { invalidGrpcStatus } from "../grpc/status.ts";
import { endStreamFrame } from "../connect/error.ts";

/**
 * A Connect streaming body from a gRPC-web origin's body (docs/edge.md "Connect
 * streaming → gRPC-web upstream"): data envelopes pass unchanged (same layout), the
 * 0x80 trailer frame becomes the 0x02 EndStreamResponse, one envelope at a time (each held
 * whole, so at most `maxBytes`: larger is RESOURCE_EXHAUSTED). `statusHeaders` holds a
 * trailers-only status when the origin sent one.
 */
export function connectStreamFromGrpcWeb(
  upstream: ReadableStream<Uint8Array> | null,
  statusHeaders: Headers | undefined,
  failure: (reason: unknown) => ConnectError,
  maxBytes: number,
): ReadableStream<Uint8Array> {
  const reader = upstream === null ? undefined : new EnvelopeReader(upstream, maxBytes, "the origin's response message");
  let ended = false;
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, trailer: Headers | undefined, error?: ConnectError) => {
    const status =
      error ??
      (trailer === undefined
        ? new ConnectError("protocol error: missing status", Code.Internal)
        : ((trailer.has(headerStatusDetailsBin) ? undefined : invalidGrpcStatus(trailer.get(headerGrpcStatus))) ??
          safeTrailerError(trailer)));
    controller.enqueue(endStreamFrame(status, trailer === undefined ? new Headers() : metadataOnly(trailer)));
    controller.close();
    ended = true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (ended) return;
      if (reader === undefined) return finish(controller, statusHeaders);
      let next: Envelope | undefined;
      try {
        next = await reader.read();
      } catch (reason) {
        if (reason instanceof EnvelopeTooLarge) reader.cancel(reason).catch(() => undefined);
        return finish(controller, undefined, reason instanceof EnvelopeTooLarge ? reason : failure(reason));
      }
      if (next === undefined) return finish(controller, statusHeaders);
      if ((next.flags & trailerFlag) === trailerFlag) {
        finish(controller, trailerParse(next.data));
        // Read the origin to its end so workerd can reuse the connection; anything after
        // the trailer is a protocol violation, not relayed.
        const after = await reader.read().catch(() => undefined);
        if (after !== undefined) await reader.cancel().catch(() => undefined);
        return;
      }
      controller.enqueue(encodeEnvelope(next.flags, next.data));
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

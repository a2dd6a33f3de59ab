import { Code, ConnectError } from "@connectrpc/connect";
import { createEnvelopeReadableStream, encodeEnvelope } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { metadataOnly } from "../unary.ts";
import { headerGrpcStatus, headerStatusDetailsBin } from "../grpc-web/headers.ts";
import { safeTrailerError } from "../grpc-web/unary.ts";
import { invalidGrpcStatus } from "../grpc/status.ts";
import { endStreamFrame } from "../connect/error.ts";

/**
 * A Connect streaming body from a gRPC-web origin's body (docs/edge.md "Connect
 * streaming → gRPC-web upstream"): data envelopes pass unchanged (same layout), the
 * 0x80 trailer frame becomes the 0x02 EndStreamResponse, one envelope at a time.
 * `statusHeaders` holds a trailers-only status when the origin sent one.
 */
export function connectStreamFromGrpcWeb(
  upstream: ReadableStream<Uint8Array> | null,
  statusHeaders: Headers | undefined,
  failure: (reason: unknown) => ConnectError,
): ReadableStream<Uint8Array> {
  const reader = upstream === null ? undefined : createEnvelopeReadableStream(upstream).getReader();
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
      let next: ReadableStreamReadResult<{ flags: number; data: Uint8Array }>;
      try {
        next = await reader.read();
      } catch (reason) {
        return finish(controller, undefined, failure(reason));
      }
      if (next.done) return finish(controller, statusHeaders);
      if ((next.value.flags & trailerFlag) === trailerFlag) {
        finish(controller, trailerParse(next.value.data));
        // Read the origin to its end so workerd can reuse the connection; anything after
        // the trailer is a protocol violation, not relayed.
        const after = await reader.read().catch(() => ({ done: true }) as const);
        if (!after.done) await reader.cancel().catch(() => undefined);
        return;
      }
      controller.enqueue(encodeEnvelope(next.value.flags, next.value.data));
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

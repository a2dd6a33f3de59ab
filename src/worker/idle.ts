import { Code, ConnectError } from "../protocol/edge-error.ts";

/** Errors the edge's own clocks end a call with (not the client's deadline). */
const edgeTimeouts = new WeakSet<object>();

export function isEdgeTimeout(reason: unknown): reason is ConnectError {
  return typeof reason === "object" && reason !== null && edgeTimeouts.has(reason);
}

function edgeTimeout(message: string): ConnectError {
  const error = new ConnectError(message, Code.Unavailable);
  edgeTimeouts.add(error);
  return error;
}

export function headersTimeoutError(ms: number): ConnectError {
  return edgeTimeout(`origin sent no response headers in ${ms} ms`);
}

export function idleTimeoutError(ms: number): ConnectError {
  return edgeTimeout(`origin response stream was idle for ${ms} ms`);
}

/**
 * The origin's response body, erroring with UNAVAILABLE (STREAM_IDLE_TIMEOUT_MS) when no
 * byte arrives for `ms`; `onIdle` cuts the origin connection. Reads only on demand, so a
 * slow client is not mistaken for an idle origin.
 */
export function withIdleTimeout(body: ReadableStream<Uint8Array>, ms: number, onIdle: (error: ConnectError) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const idle = new Promise<"idle">((resolve) => (timer = setTimeout(() => resolve("idle"), ms)));
        try {
          const next = await Promise.race([reader.read(), idle]);
          if (next === "idle") {
            const error = idleTimeoutError(ms);
            onIdle(error);
            reader.cancel(error).catch(() => undefined);
            controller.error(error);
          } else if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (reason) {
          controller.error(reason);
        } finally {
          if (timer !== undefined) clearTimeout(timer);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

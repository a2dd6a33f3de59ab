import { Code, ConnectError } from "../../protocol/index.ts";

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
export function withIdleTimeout(
  body: ReadableStream<Uint8Array>,
  ms: number,
  onIdle: (error: ConnectError) => void,
): ReadableStream<Uint8Array> {
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

/**
 * An idle watchdog for a response body read by the edge's own relay. Idle means the origin
 * sent nothing while the edge waited for it: the relay reports each read's start and end,
 * and time spent writing to a slow client (backpressure) never counts. One timer, re-armed
 * only when it fires, and no stream of its own, so watching costs next to nothing per read.
 */
export class IdleWatch {
  /** When the pending read began; undefined while no read waits on the origin. */
  private since: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: (error: ConnectError) => void,
  ) {
    this.arm(ms);
  }

  reading(): void {
    this.since = Date.now();
  }

  received(): void {
    this.since = undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => {
      const quiet = this.since === undefined ? 0 : Date.now() - this.since;
      if (quiet >= this.ms) {
        this.timer = undefined;
        this.onIdle(idleTimeoutError(this.ms));
      } else this.arm(this.ms - quiet);
    }, delay);
  }
}

/** A whole small body, or the idle error if no byte of it arrives for `ms`. */
export async function readWithin(res: Response, ms: number, onIdle: (error: ConnectError) => void): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = idleTimeoutError(ms);
      onIdle(error);
      reject(error);
    }, ms);
  });
  try {
    return new Uint8Array(await Promise.race([res.arrayBuffer(), idle]));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

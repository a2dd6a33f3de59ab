/** Enough for any unary or server-streaming request; client streams are not waited for. */
const drainMaxBytes = 64 * 1024;
const drainMaxMs = 250;

/** The client's request body, which can be drained if nobody reads it to the end. */
export interface ClientBody {
  /** What the edge reads or forwards instead of `request.body`. */
  stream: ReadableStream<Uint8Array> | null;
  /** Read and discard what is left, within bounds. */
  drain(): Promise<void>;
}

/**
 * Wrap a request body so the edge can finish reading it when it answers early or the
 * origin fails before taking it all. Over HTTP/1.1 a client still writing its body when
 * the response arrives and the connection closes sees EPIPE/ECONNRESET instead of the
 * answer (met with connect-node's grpc-web transport against an unreachable origin).
 * When the consumer (fetch) cancels the stream, the rest is drained rather than dropped.
 */
export function drainableBody(body: ReadableStream<Uint8Array> | null): ClientBody {
  if (body === null) return { stream: null, drain: () => Promise.resolve() };
  const reader = body.getReader();
  let finished = false;
  // workerd's request body allows one pending read: reads are chained, never concurrent.
  let last: Promise<unknown> = Promise.resolve();
  const read = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    const next = last.then(() => reader.read());
    last = next.catch(() => undefined);
    return next.then((r) => {
      if (r.done) finished = true;
      return r;
    });
  };
  const drain = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await drainWith(read);
    reader.cancel().catch(() => undefined);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: drain,
    },
    // Read only when the consumer asks, so an unconsumed body stays drainable.
    { highWaterMark: 0 },
  );
  return { stream, drain };
}

async function drainWith(read: () => Promise<ReadableStreamReadResult<Uint8Array>>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), drainMaxMs)));
  try {
    for (let bytes = 0; bytes < drainMaxBytes; ) {
      const next = await Promise.race([read(), timeout]);
      if (next === "timeout" || next.done) break;
      bytes += next.value.byteLength;
    }
  } catch {
    // The client went away; nobody is left to answer.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Request bodies up to this size are kept while they stream, so a call can be retried (as Linkerd does). */
export const replayMaxBytes = 64 * 1024;
/** How long the edge waits for the rest of a small body before it decides a retry. */
const readAheadMs = 1000;

/**
 * A request body that streams to the origin as it arrives while its first
 * `replayMaxBytes` are kept, so it can be sent again from the start. Never buffered up
 * front: the origin sees bytes as the client sends them.
 */
export interface ReplayableBody {
  /** A fresh copy of the body for one attempt; the previous attempt's stream ends. Whole bytes when the body is complete. */
  attempt(): ReadableStream<Uint8Array> | Uint8Array;
  /** Whether the whole body is held (read ahead within bounds): only then may it be sent again. */
  complete(): Promise<boolean>;
  /** Read ahead until `bytes` are held, the body ends or fails, or `ms` pass (nothing is consumed). */
  prefetch(bytes: number, ms: number): Promise<void>;
  /** No more attempts: release the client's body (drained, see drain.ts) once the last reader lets go. */
  finish(): void;
}

/** A body already read whole: every attempt sends the same bytes. */
export function wholeBody(bytes: Uint8Array): ReplayableBody {
  return {
    attempt: () => bytes,
    complete: () => Promise.resolve(true),
    prefetch: () => Promise.resolve(),
    finish: () => undefined,
  };
}

export function replayableBody(source: ReadableStream<Uint8Array>, maxBytes = replayMaxBytes): ReplayableBody {
  const reader = source.getReader();
  const log: (Uint8Array | undefined)[] = [];
  let total = 0;
  let done = false;
  let failure: { reason: unknown } | undefined;
  let generation = 0;
  let finished = false;
  let cancelled = false;
  let reading: Promise<void> | undefined;
  const overflow = (): boolean => total > maxBytes;

  /** Read one chunk into the log (one read at a time). */
  const readOne = (): Promise<void> => {
    reading ??= reader.read().then(
      (next) => {
        reading = undefined;
        if (next.done) done = true;
        else {
          log.push(next.value);
          total += next.value.byteLength;
        }
      },
      (reason: unknown) => {
        reading = undefined;
        failure = { reason };
      },
    );
    return reading;
  };
  /** Read until `enough()`, the end, a failure, or `ms`. */
  const readAhead = async (enough: () => boolean, ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (!done && !enough() && failure === undefined && Date.now() < until) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([readOne(), new Promise<void>((r) => (timer = setTimeout(r, until - Date.now())))]);
      if (timer !== undefined) clearTimeout(timer);
    }
  };
  const release = (): void => {
    reader.cancel().catch(() => undefined);
  };

  const stream = (): ReadableStream<Uint8Array> => {
    const mine = ++generation;
    let at = 0;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (mine !== generation) return controller.close();
            if (at < log.length) {
              const chunk = log[at]!;
              // Past the replay limit nothing is sent twice: forget what was sent.
              if (overflow()) log[at] = undefined;
              at++;
              return controller.enqueue(chunk);
            }
            if (failure !== undefined) return controller.error(failure.reason);
            if (done) return controller.close();
            await readOne();
          }
        },
        cancel() {
          if (mine !== generation) return;
          cancelled = true;
          if (finished) release();
        },
      },
      { highWaterMark: 0 },
    );
  };

  return {
    attempt() {
      if (done && !overflow() && generation > 0) {
        generation++;
        const out = new Uint8Array(total);
        let offset = 0;
        for (const c of log) {
          out.set(c!, offset);
          offset += c!.byteLength;
        }
        return out;
      }
      return stream();
    },
    async prefetch(bytes, ms) {
      await readAhead(() => total >= bytes, ms);
    },
    async complete() {
      await readAhead(overflow, readAheadMs);
      return done && !overflow() && failure === undefined;
    },
    finish() {
      finished = true;
      if (cancelled || done) release();
    },
  };
}

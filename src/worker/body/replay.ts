import type { ClientBody } from "./client-body.ts";

/** Request bodies up to this size are kept while they stream, so a call can be retried (as Linkerd does). */
export const replayMaxBytes = 64 * 1024;
/** How long the edge waits for the rest of a small body before it decides a retry. */
const readAheadMs = 1000;

/** One attempt's request body, and how often fetch() asked it for more. */
export interface AttemptBody {
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** Reads fetch() made, even ones that found the end: a connection that failed before taking a byte sent nothing. */
  taken(): number;
}

/**
 * A request body that streams to the origin as it arrives while its first
 * `replayMaxBytes` are kept, so it can be sent again from the start. Never buffered up
 * front: the origin sees bytes as the client sends them.
 */
export interface ReplayableBody {
  /** A fresh copy of the body for one attempt; the previous attempt's stream ends. Whole bytes when the body is complete. */
  attempt(): AttemptBody;
  /** Whether the whole body is held (read ahead within bounds): only then may it be sent again. */
  complete(): Promise<boolean>;
  /** Read ahead until `bytes` are held, the body ends or fails, or `ms` pass (nothing is consumed). */
  prefetch(bytes: number, ms: number): Promise<void>;
  /** No more attempts: release the client's body (drained, see drain.ts) once the last reader lets go. */
  finish(): Promise<void>;
}

const untaken = (): number => 0;

/**
 * A body already read whole: every attempt sends the same bytes, as a plain buffer (with a
 * Content-Length, no JS stream). Whether the origin read them before the connection failed
 * cannot be told: workerd takes a small body in one piece while it connects (see README
 * "Retries", SECURITY.md).
 */
export function wholeBody(bytes: Uint8Array): ReplayableBody {
  return {
    attempt: () => ({ body: bytes, taken: untaken }),
    complete: () => Promise.resolve(true),
    prefetch: () => Promise.resolve(),
    finish: () => Promise.resolve(),
  };
}

/**
 * The client's own stream, handed to fetch() untouched, for a body no check, retry or
 * decoding needs to see (forward.ts says when): it can be sent once only.
 */
export function nativeBody(stream: ReadableStream<Uint8Array>): ReplayableBody {
  return {
    attempt: () => ({ body: stream, taken: untaken }),
    complete: () => Promise.resolve(false),
    prefetch: () => Promise.resolve(),
    finish: () => Promise.resolve(),
  };
}

export function replayableBody(source: ClientBody, maxBytes = replayMaxBytes): ReplayableBody {
  const log: (Uint8Array | undefined)[] = [];
  let total = 0;
  let done = false;
  let failure: { reason: unknown } | undefined;
  let generation = 0;
  let finished = false;
  let cancelled = false;
  let reading: Promise<void> | undefined;
  let released: Promise<void> | undefined;
  const overflow = (): boolean => total > maxBytes;

  /** Read one chunk into the log (one read at a time). */
  const readOne = (): Promise<void> => {
    reading ??= source.next().then(
      (chunk) => {
        reading = undefined;
        if (chunk === null) done = true;
        else {
          log.push(chunk);
          total += chunk.byteLength;
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
  const release = (): Promise<void> => (released ??= source.drain());

  const stream = (): AttemptBody => {
    const mine = ++generation;
    let at = 0;
    let taken = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          taken++;
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
          if (finished) void release();
        },
      },
      { highWaterMark: 0 },
    );
    return { body, taken: () => taken };
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
        return { body: out, taken: untaken };
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
      return cancelled || done || failure !== undefined ? release() : Promise.resolve();
    },
  };
}

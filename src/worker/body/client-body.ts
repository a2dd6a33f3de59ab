import { Code, ConnectError, type RequestBodyCheck } from "../../protocol/index.ts";
import { deadlineError, type CallTimer } from "../call/deadline-signal.ts";
import { drainWith } from "./drain.ts";

/** What one read asks of the client's body: workerd hands a BYOB reader up to this much at once. */
const readBufferBytes = 64 * 1024;

type Source =
  | { byob: true; reader: ReadableStreamBYOBReader; buffer: ArrayBuffer }
  | { byob: false; reader: ReadableStreamDefaultReader<Uint8Array> };

/**
 * The client's request body, read once, by one reader, in one pass: every chunk is
 * checked (MAX_MESSAGE_BYTES, envelopes, compressed flags, gRPC-web text decoding; see
 * request-limits.ts) and counted for the access log as it is read, and whoever forwards
 * it (replay.ts, or a whole read) takes the checked bytes. No JavaScript stream sits
 * between the client and this reader. The reader is opened on the first read, so a body
 * nobody reads stays drainable, and one another reader holds is left alone.
 */
export class ClientBody {
  private source: Source | undefined;
  /** workerd's request body allows one pending read: reads are chained, never concurrent. */
  private last: Promise<unknown> = Promise.resolve();
  private released = false;
  private draining: Promise<void> | undefined;
  private ended = false;
  private failure: ConnectError | undefined;
  /** Bytes as the client sent them, and as forwarded (decoded from gRPC-web text). */
  rawBytes = 0;
  bytes = 0;

  /**
   * `declaredBytes`, a small body's Content-Length, sizes the read buffer: zeroing 64 KiB for
   * a 1 KiB body costs more than the rest of reading it.
   */
  constructor(
    private readonly stream: ReadableStream<Uint8Array> | null,
    private readonly check?: RequestBodyCheck,
    private readonly declaredBytes?: number,
  ) {}

  private get bufferBytes(): number {
    // One byte more than declared, so the read that finds the end has room.
    return this.declaredBytes === undefined ? readBufferBytes : Math.min(readBufferBytes, this.declaredBytes + 1);
  }

  /** Why the body was refused, if it was: fetch() replaces a failed body's error with its own. */
  error(): ConnectError | undefined {
    return this.failure;
  }

  messages(): number {
    return this.check?.messages() ?? 0;
  }

  /** The next checked chunk, or null at the end. Throws the ConnectError a check raised. */
  next(): Promise<Uint8Array | null> {
    const read = this.last.then(() => this.readChecked());
    this.last = read.catch(() => undefined);
    return read;
  }

  private async readChecked(): Promise<Uint8Array | null> {
    if (this.failure !== undefined) throw this.failure;
    for (;;) {
      if (this.ended || this.released) return null;
      let raw: Uint8Array | null;
      try {
        raw = await this.readRaw();
      } catch {
        // The body broke off short of its end (the client half-closed early, or left).
        this.ended = true;
        if (this.released) return null;
        throw this.fail(this.check?.broken() ?? new ConnectError("request body broke off", Code.Canceled));
      }
      try {
        if (raw === null) {
          this.ended = true;
          if (!this.released) this.check?.end();
          return null;
        }
        this.rawBytes += raw.byteLength;
        const bytes = this.check === undefined ? raw : this.check.push(raw);
        this.bytes += bytes.byteLength;
        // A text chunk of fewer than 4 characters decodes to nothing yet.
        if (bytes.byteLength > 0) return bytes;
      } catch (e) {
        throw this.fail(e instanceof ConnectError ? e : new ConnectError(String(e), Code.Internal));
      }
    }
  }

  /** Nothing more is read for forwarding; what is left is for drain(), so the client hears the answer. */
  private fail(e: ConnectError): ConnectError {
    this.failure ??= e;
    return this.failure;
  }

  private open(): Source | undefined {
    if (this.source !== undefined || this.stream === null || this.stream.locked) return this.source;
    try {
      this.source = { byob: true, reader: this.stream.getReader({ mode: "byob" }), buffer: new ArrayBuffer(this.bufferBytes) };
    } catch {
      // Not a byte stream (a body built in JavaScript): chunks come as they were written.
      this.source = { byob: false, reader: this.stream.getReader() };
    }
    return this.source;
  }

  /** One chunk as the client sent it, or null at the end. */
  private async readRaw(): Promise<Uint8Array | null> {
    const source = this.open();
    if (source === undefined) return null;
    if (!source.byob) {
      const next = await source.reader.read();
      return next.done ? null : next.value;
    }
    const next = await source.reader.read(new Uint8Array(source.buffer, 0, source.buffer.byteLength));
    if (next.value !== undefined) source.buffer = next.value.buffer;
    if (next.done) return null;
    // The buffer is read into again; the chunk is kept (replay log, fetch), so it is copied out.
    return next.value.slice();
  }

  /**
   * The whole body, checked, for a body of known small length: bounded by the call's
   * deadline (DEADLINE_EXCEEDED) and, without one, by `idleMs` without a byte from the
   * client (DEADLINE_EXCEEDED too: the edge's own bound stands in for the missing deadline).
   */
  async readWhole(timer: CallTimer, idleMs: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let stop: ((e: ConnectError) => void) | undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    const onDeadline = (): void => stop?.(deadlineError());
    timer.signal?.addEventListener("abort", onDeadline, { once: true });
    try {
      if (timer.signal?.aborted) throw deadlineError();
      for (;;) {
        if (idle !== undefined) clearTimeout(idle);
        // With a deadline the client chose how long to wait; without one the edge does.
        if (timer.signal === undefined)
          idle = setTimeout(
            () =>
              stop?.(
                new ConnectError(
                  `request body stalled: no byte from the client for ${idleMs} ms (the edge's stream idle timeout)`,
                  Code.DeadlineExceeded,
                ),
              ),
            idleMs,
          );
        const chunk = await Promise.race([this.next(), stopped]);
        if (chunk === null) break;
        chunks.push(chunk);
        total += chunk.byteLength;
      }
    } catch (e) {
      // A stalled client is not waited for to drain: nothing more is coming. A refused body is drained by the caller.
      if (e !== this.failure) this.cancel();
      throw e;
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      timer.signal?.removeEventListener("abort", onDeadline);
    }
    if (chunks.length === 1) return chunks[0]!;
    const whole = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      whole.set(c, at);
      at += c.byteLength;
    }
    return whole;
  }

  /** Stop reading: what is left of the body is dropped. */
  cancel(): void {
    if (this.released) return;
    this.released = true;
    const source = this.open();
    source?.reader.cancel().catch(() => undefined);
  }

  /** Read and discard what is left, within bounds (drain.ts), then let the body go. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce();
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    if (this.released) return;
    if (this.ended || this.stream === null || (this.source === undefined && this.stream.locked)) {
      this.released = true;
      return;
    }
    const source = this.open();
    this.released = true;
    if (source === undefined) return;
    const read = (): Promise<{ done: boolean; bytes: number }> => {
      const next = this.last.then(async () => {
        if (!source.byob) {
          const r = await source.reader.read();
          return { done: r.done, bytes: r.value?.byteLength ?? 0 };
        }
        const r = await source.reader.read(new Uint8Array(source.buffer, 0, source.buffer.byteLength));
        if (r.value !== undefined) source.buffer = r.value.buffer;
        return { done: r.done, bytes: r.value?.byteLength ?? 0 };
      });
      this.last = next.catch(() => undefined);
      return next;
    };
    await drainWith(read);
    source.reader.cancel().catch(() => undefined);
  }
}

import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { concat } from "./bytes.ts";
import { EnvelopeScanner } from "./envelope-scanner.ts";

/**
 * The largest final envelope (gRPC-web trailer, Connect end-stream) the edge collects:
 * a status, its message and details are a few KiB; an origin declaring more gets INTERNAL.
 */
export const FINAL_ENVELOPE_CAP = 16 * 1024;

/** Bytes of a response relayed exactly, envelope by envelope, before the rest is piped natively. */
export const EXACT_PREFIX_BYTES = 64 * 1024;

/**
 * BYOB read sizes: workerd fills a 64 KiB buffer with ~32 KiB where a default reader hands
 * over ≤ 4 KiB, but each read allocates its buffer (the chunk is handed on, so it cannot be
 * reused), and zeroing 64 KiB for a 1 KiB answer was the largest single cost of a unary
 * call. Reads start small and double while they come back full.
 */
const firstReadSize = 4 * 1024;
const maxReadSize = 64 * 1024;
/** Reading to the end after the final envelope expects nothing: a byte more is a violation. */
const drainReadSize = 16;

/** Hears the relay wait for the origin (an idle watchdog: a slow client is not an idle origin). */
export interface RelayWatch {
  /** A read from the origin started. */
  reading(): void;
  /** It returned. */
  received(): void;
  stop(): void;
}

/** What the client was sent, for the access log. */
export interface RelayOutcome {
  /** Bytes written to the client by the edge (before a native pipe took over, if one did); unknown for a body passed untouched. */
  bytes?: number;
  /** Data envelopes among them. */
  messages: number;
  /** The status the response ended with, when the edge saw it. */
  code: Code | 0 | undefined;
  /** The edge wrote or decided the status (an appended final envelope, or a pipe that broke). */
  edge?: ConnectError;
  /** After the exact prefix the rest went through workerd's native pipe, unseen. */
  piped: boolean;
  /** The client went away before the end. */
  cancelled: boolean;
}

/** How one protocol ends an enveloped response stream. */
export interface FramedProtocol {
  /** Whether an envelope with these flags is the stream's last (gRPC-web trailer, Connect end-stream). */
  isFinal(flags: number): boolean;
  /** The final envelope to append when the origin gave none, encoded. */
  finalFrame(error: ConnectError): Uint8Array;
  /** The status a final envelope carries, for the log; its problem, if any, replaces it. */
  checkFinal(flags: number, data: Uint8Array): { code: Code | 0 | undefined; problem?: ConnectError };
  /** Message of the error appended when the origin ends without a final envelope. */
  missingMessage: string;
}

/** How this call's response is relayed. */
export interface FramedRelayOptions {
  /** Bytes of each envelope as the client receives them (base64 for gRPC-web text); set, the body is never piped. */
  encode?: (bytes: Uint8Array) => Uint8Array;
  /** The status already travelled in the response headers (trailers-only): append nothing. */
  statusInHeaders: boolean;
  /** What the stream failing (reset, deadline) means for the caller. */
  failure(reason: unknown): ConnectError;
  /** Bytes relayed exactly before a native pipe takes over; Infinity relays all of it exactly. */
  exactBytes: number;
  /** The largest data envelope held whole while relaying exactly (MAX_MESSAGE_BYTES); larger is RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  watch?: RelayWatch;
  /** Hears a status the edge wrote in place of the origin's (missing, malformed, or a broken stream). */
  onEdgeStatus?(error: ConnectError): void;
  /** Keeps the relay's work alive past the response (ctx.waitUntil): reading the origin to its end. */
  waitUntil?(promise: Promise<unknown>): void;
  /** Aborted when the client goes away. */
  clientSignal?: AbortSignal;
}

/** The client's body: one buffer when the whole answer came in the first reads, else a stream. */
export interface FramedRelay {
  body: Uint8Array | ReadableStream<Uint8Array>;
  outcome: Promise<RelayOutcome>;
}

interface ByteReader {
  read(size?: number): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
  release(): void;
}

/**
 * The origin body's reader. For a relay that hands over to a pipe after 64 KiB, workerd's
 * default reader costs less per call than a BYOB one (measured: a unary answer is one or
 * two reads either way); relaying a whole stream, BYOB reads get ~8 times more per read.
 */
function byteReader(stream: ReadableStream<Uint8Array>, byob: boolean): ByteReader {
  if (!byob) {
    const reader = stream.getReader();
    return { read: () => reader.read(), cancel: (reason) => reader.cancel(reason), release: () => reader.releaseLock() };
  }
  try {
    const byob = stream.getReader({ mode: "byob" });
    let size = firstReadSize;
    return {
      read: async (want?: number) => {
        const next = (await byob.read(new Uint8Array(want ?? size))) as ReadableStreamReadResult<Uint8Array>;
        if (want === undefined && !next.done && next.value.byteLength === size && size < maxReadSize) size *= 2;
        return next;
      },
      cancel: (reason) => byob.cancel(reason),
      release: () => byob.releaseLock(),
    };
  } catch {
    const reader = stream.getReader();
    return { read: () => reader.read(), cancel: (reason) => reader.cancel(reason), release: () => reader.releaseLock() };
  }
}

/** workerd's IdentityTransformStream moves bytes without JavaScript; elsewhere (Node tests) a plain TransformStream. */
function bytePipe(): TransformStream<Uint8Array, Uint8Array> {
  const native = (globalThis as { IdentityTransformStream?: new () => TransformStream<Uint8Array, Uint8Array> }).IdentityTransformStream;
  return native !== undefined ? new native() : new TransformStream<Uint8Array, Uint8Array>();
}

/**
 * Relay an origin's enveloped response (docs/edge.md "Relaying responses"). The first
 * `exactBytes` are read by the edge (64 KiB BYOB reads) and passed on in whole envelopes,
 * so a stream that breaks, stalls or ends without its final envelope there still ends with
 * exactly one status; an answer whose final envelope arrives in the first reads is sent as
 * one buffer. Past the prefix the rest is handed to workerd's native pipe, which costs no
 * JavaScript per chunk: an origin that breaks there ends the client's stream without a
 * status (the client reports it), and large messages pass as they arrive instead of being
 * held. Nothing is allocated from an origin's length prefix except a final envelope up to
 * FINAL_ENVELOPE_CAP. After the final envelope the origin's body is read to its end, so
 * workerd can reuse the connection.
 */
export async function relayFramed(
  upstream: ReadableStream<Uint8Array>,
  protocol: FramedProtocol,
  options: FramedRelayOptions,
): Promise<FramedRelay> {
  const relay = new Relay(upstream, protocol, options);
  // Gather until the answer is whole; once a message is ready, the next read gets a short
  // grace: an origin that writes message and status apart (connect-node does) still gets
  // the one-buffer answer, and a stream's first message waits at most that long.
  for (;;) {
    const next = relay.step();
    const step = relay.hasReady() ? await withGrace(next) : await next;
    if (step === "end") return { body: relay.takeAll(), outcome: Promise.resolve(relay.outcome()) };
    if (step === "pipe" || step === "grace") return relay.stream(step === "grace" ? next : step);
    if (relay.hasReady() && relay.pastGather()) return relay.stream(step);
  }
}

type Step = "more" | "end" | "pipe";

/** How long a ready message waits for the rest of a whole answer before the stream starts. */
export const GATHER_GRACE_MS = 2;

/** The read's step, or "grace" when it takes longer than GATHER_GRACE_MS. */
async function withGrace(next: Promise<Step>): Promise<Step | "grace"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<"grace">((resolve) => (timer = setTimeout(() => resolve("grace"), GATHER_GRACE_MS)));
  try {
    return await Promise.race([next, grace]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

class Relay {
  private readonly reader: ByteReader;
  private readonly scanner: EnvelopeScanner;
  private readonly canPipe: boolean;
  /** Bytes ready for the client, encoded. */
  private ready: Uint8Array[] = [];
  /** The envelope under way, from earlier chunks (not yet whole, so not yet passed on). */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private passed = 0;
  private sent = 0;
  private code: Code | 0 | undefined;
  private edge: ConnectError | undefined;
  /** Whether the origin's body must still be read to its end after the final envelope. */
  private drainAfter = false;
  private piped = false;
  private cancelled = false;

  constructor(
    private readonly upstream: ReadableStream<Uint8Array>,
    private readonly protocol: FramedProtocol,
    private readonly options: FramedRelayOptions,
  ) {
    this.canPipe = options.encode === undefined && Number.isFinite(options.exactBytes);
    this.reader = byteReader(upstream, !this.canPipe);
    this.scanner = new EnvelopeScanner(protocol.isFinal, FINAL_ENVELOPE_CAP);
  }

  hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Whether more than a first read's worth is held back: a stream, not an answer in pieces. */
  pastGather(): boolean {
    return this.passed > FINAL_ENVELOPE_CAP;
  }

  outcome(): RelayOutcome {
    const o: RelayOutcome = {
      bytes: this.sent,
      messages: this.scanner.messages,
      code: this.code,
      piped: this.piped,
      cancelled: this.cancelled,
    };
    if (this.edge !== undefined) o.edge = this.edge;
    return o;
  }

  /** The whole answer as one buffer; the origin is read to its end in the background. */
  takeAll(): Uint8Array {
    const all = this.ready.length === 1 ? this.ready[0]! : concat(this.ready);
    this.ready = [];
    this.sent += all.byteLength;
    this.finishOrigin();
    return all;
  }

  /** One read from the origin, scanned; what it means for the relay. */
  async step(): Promise<Step> {
    const { options, scanner } = this;
    options.watch?.reading();
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await this.reader.read();
    } catch (reason) {
      options.watch?.received();
      return this.end(options.failure(reason));
    }
    options.watch?.received();
    if (next.done) {
      if (!scanner.atBoundary) return this.end(options.failure(new Error("origin stream ended inside an envelope")));
      return this.end(options.statusInHeaders ? undefined : new ConnectError(this.protocol.missingMessage, Code.Internal));
    }
    const chunk = next.value;
    const scan = scanner.push(chunk);
    if (scan.complete > 0) {
      this.held.push(chunk.subarray(0, scan.complete));
      this.pass(this.held.length === 1 ? this.held[0]! : concat(this.held));
      this.held = [];
      this.heldBytes = 0;
    }
    if (scan.finalTooLarge !== undefined) {
      this.cancelOrigin();
      return this.end(
        new ConnectError(
          `protocol error: the origin's final envelope declares ${scan.finalTooLarge} bytes, over the edge's ${FINAL_ENVELOPE_CAP}`,
          Code.Internal,
        ),
      );
    }
    if (scan.final !== undefined) {
      const { flags, data } = scan.final;
      const checked = this.protocol.checkFinal(flags, data);
      if (checked.problem === undefined) {
        this.ready.push(this.encode(encodeEnvelope(flags, data)));
        this.code = checked.code;
      }
      // Anything after the final envelope is a protocol violation: it is not relayed.
      if (scan.after === true) this.cancelOrigin();
      else this.drainAfter = true;
      return this.end(checked.problem);
    }
    if (!scanner.inFinal && scan.complete < chunk.length) {
      this.held.push(scan.complete === 0 ? chunk : chunk.subarray(scan.complete));
      this.heldBytes += chunk.length - scan.complete;
    }
    if (this.canPipe) {
      if (!scanner.inFinal && (this.passed + this.heldBytes > options.exactBytes || scanner.pending > options.exactBytes)) return "pipe";
    } else if (scanner.pending > options.maxMessageBytes) {
      this.cancelOrigin();
      return this.end(
        new ConnectError(
          `the origin's response message of ${scanner.pending} bytes is over the edge's limit of ${options.maxMessageBytes} (MAX_MESSAGE_BYTES)`,
          Code.ResourceExhausted,
        ),
      );
    }
    return "more";
  }

  /** The client's body as a stream: exact until the prefix is spent, then piped natively. */
  stream(first: Step | Promise<Step>): FramedRelay {
    const pipe = bytePipe();
    const writer = pipe.writable.getWriter();
    let settle: (o: RelayOutcome) => void = () => undefined;
    const outcome = new Promise<RelayOutcome>((resolve) => (settle = resolve));
    const run = async (): Promise<void> => {
      // A read may still be under way (the gather's grace ran out): it is the next step.
      let pending = typeof first === "string" ? undefined : first;
      let step: Step = typeof first === "string" ? first : "more";
      try {
        for (;;) {
          for (const bytes of this.ready.splice(0)) {
            this.sent += bytes.byteLength;
            await writer.write(bytes);
          }
          if (step === "end") {
            await writer.close();
            break;
          }
          if (step === "pipe") {
            for (const bytes of this.held.splice(0)) {
              this.sent += bytes.byteLength;
              await writer.write(bytes);
            }
            writer.releaseLock();
            this.reader.release();
            this.options.watch?.stop();
            this.piped = true;
            try {
              await this.upstream.pipeTo(pipe.writable);
            } catch (reason) {
              if (this.options.clientSignal?.aborted) this.cancelled = true;
              else {
                // The client's stream is cut mid-way; it cannot carry a status, but the log does.
                this.edge = this.options.failure(reason);
                this.code = this.edge.code;
              }
            }
            break;
          }
          step = await (pending ?? this.step());
          pending = undefined;
        }
      } catch (reason) {
        // A write failed: the client went away.
        this.cancelled = true;
        this.options.watch?.stop();
        await this.reader.cancel(reason).catch(() => undefined);
      }
      if (!this.piped && !this.cancelled) this.finishOrigin();
      settle(this.outcome());
    };
    const running = run();
    this.options.waitUntil?.(running);
    return { body: pipe.readable, outcome };
  }

  private encode(bytes: Uint8Array): Uint8Array {
    return this.options.encode === undefined ? bytes : this.options.encode(bytes);
  }

  private pass(bytes: Uint8Array): void {
    this.passed += bytes.byteLength;
    this.ready.push(this.encode(bytes));
  }

  private end(error: ConnectError | undefined): Step {
    if (error !== undefined) {
      this.options.onEdgeStatus?.(error);
      this.ready.push(this.encode(this.protocol.finalFrame(error)));
      this.edge = error;
      this.code = error.code;
    }
    this.held = [];
    this.heldBytes = 0;
    return "end";
  }

  private cancelOrigin(): void {
    this.reader.cancel().catch(() => undefined);
  }

  /** After the final envelope: read the origin to its end (a connection workerd can reuse), cancel if more arrives. */
  private finishOrigin(): void {
    if (!this.drainAfter) {
      this.options.watch?.stop();
      return;
    }
    this.drainAfter = false;
    const drain = async (): Promise<void> => {
      try {
        const next = await this.reader.read(drainReadSize);
        if (!next.done) await this.reader.cancel();
      } catch {
        // The answer is complete; a reset after it changes nothing for the client.
      } finally {
        this.options.watch?.stop();
      }
    };
    const draining = drain();
    this.options.waitUntil?.(draining);
  }
}

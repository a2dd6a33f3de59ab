import { Code, ConnectError } from "@connectrpc/connect";
import { concat } from "./bytes.ts";

/** A whole unenveloped body (a Connect unary message), refused with RESOURCE_EXHAUSTED past `maxBytes`. */
export async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number, what: string): Promise<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new EnvelopeTooLarge(size, maxBytes, what, "at least ");
    }
    parts.push(next.value);
  }
  return parts.length === 1 ? parts[0]! : concat(parts);
}

/** One whole envelope of a gRPC-web or Connect body. */
export interface Envelope {
  flags: number;
  data: Uint8Array;
}

/** The error an envelope over the reader's limit ends the read with (RESOURCE_EXHAUSTED). */
export class EnvelopeTooLarge extends ConnectError {
  constructor(length: number, max: number, what: string, atLeast = "") {
    super(`${what} of ${atLeast}${length} bytes is over the edge's limit of ${max} (MAX_MESSAGE_BYTES)`, Code.ResourceExhausted);
  }
}

/**
 * Whole envelopes from a body, for the paths that must see each message (translation
 * between protocols). connect-es's createEnvelopeReadableStream decodes without a limit and
 * allocates each envelope's declared length up front, so a 4-byte prefix could ask for
 * 4 GiB; here the length is checked against `maxBytes` first, and the data is a view of
 * the chunk it arrived in whenever it arrived in one. `what` names the envelopes in errors.
 */
export class EnvelopeReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    stream: ReadableStream<Uint8Array>,
    private readonly maxBytes: number,
    private readonly what: string,
  ) {
    this.reader = stream.getReader();
  }

  /** The next envelope, or undefined at the end of the body; throws when it ends inside one. */
  async read(): Promise<Envelope | undefined> {
    for (;;) {
      const envelope = this.take();
      if (envelope !== undefined) return envelope;
      const next = await this.reader.read();
      if (next.done) {
        if (this.pendingBytes > 0) throw new ConnectError(`protocol error: ${this.what} ended inside an envelope`, Code.InvalidArgument);
        return undefined;
      }
      if (next.value.length === 0) continue;
      this.pending.push(next.value);
      this.pendingBytes += next.value.length;
    }
  }

  cancel(reason?: unknown): Promise<void> {
    return this.reader.cancel(reason);
  }

  /** An envelope from the bytes held, if they hold a whole one. */
  private take(): Envelope | undefined {
    if (this.pendingBytes < 5) return undefined;
    if (this.pending[0]!.length < 5) this.pending = [concat(this.pending)];
    const first = this.pending[0]!;
    const flags = first[0]!;
    const length = new DataView(first.buffer, first.byteOffset, 5).getUint32(1);
    if (length > this.maxBytes) throw new EnvelopeTooLarge(length, this.maxBytes, this.what);
    if (this.pendingBytes < 5 + length) return undefined;
    const joined = first.length >= 5 + length ? first : concat(this.pending);
    const data = joined.subarray(5, 5 + length);
    const rest = joined.subarray(5 + length);
    if (joined === first) this.pending[0] = rest;
    else this.pending = [rest];
    if (this.pending[0]!.length === 0) this.pending.shift();
    this.pendingBytes -= 5 + length;
    return { flags, data };
  }
}

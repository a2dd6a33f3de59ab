/** What one chunk of an enveloped body held, as the relay needs it. */
export interface Scan {
  /**
   * Offset in the chunk where the last data envelope completed in it ends (0: none did).
   * Together with the bytes held from earlier chunks, the chunk's bytes before it are
   * whole envelopes.
   */
  complete: number;
  /** The final envelope, once all of it arrived. */
  final?: { flags: number; data: Uint8Array };
  /** The final envelope's declared length, when it is over the cap: nothing was allocated for it. */
  finalTooLarge?: number;
  /** Bytes follow the final envelope in this chunk (a protocol violation). */
  after?: boolean;
}

/**
 * Follows the envelopes (`flags(1) length(4, BE) data`, the gRPC-web and Connect framing)
 * of a body chunk by chunk without copying data: it reads envelope headers, counts data
 * envelopes, and collects only the final envelope (gRPC-web trailer, Connect end-stream),
 * whose length is checked against `finalCap` before anything is allocated for it. An
 * origin's length prefix is never trusted for an allocation beyond that cap.
 */
export class EnvelopeScanner {
  /** Data envelopes completed so far. */
  messages = 0;
  /** Declared length of the data envelope under way (0 between envelopes). */
  pending = 0;
  private readonly header = new Uint8Array(5);
  private readonly view = new DataView(this.header.buffer);
  private headerFill = 0;
  private left = 0;
  private final: { flags: number; data: Uint8Array; fill: number } | undefined;

  constructor(
    private readonly isFinal: (flags: number) => boolean,
    private readonly finalCap: number,
  ) {}

  /** Whether the body so far ends on an envelope boundary (a clean end of stream). */
  get atBoundary(): boolean {
    return this.headerFill === 0 && this.left === 0 && this.final === undefined;
  }

  /** Whether the final envelope has begun and is being collected. */
  get inFinal(): boolean {
    return this.final !== undefined;
  }

  push(chunk: Uint8Array): Scan {
    let complete = 0;
    let at = 0;
    while (at < chunk.length) {
      const f = this.final;
      if (f !== undefined) {
        const take = Math.min(f.data.length - f.fill, chunk.length - at);
        f.data.set(chunk.subarray(at, at + take), f.fill);
        f.fill += take;
        at += take;
        if (f.fill === f.data.length) return this.finished(complete, at < chunk.length);
        continue;
      }
      if (this.left > 0) {
        const take = Math.min(this.left, chunk.length - at);
        this.left -= take;
        at += take;
        if (this.left === 0) {
          this.messages++;
          this.pending = 0;
          complete = at;
        }
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + take), this.headerFill);
      this.headerFill += take;
      at += take;
      if (this.headerFill < 5) break;
      this.headerFill = 0;
      const flags = this.header[0]!;
      const length = this.view.getUint32(1);
      if (this.isFinal(flags)) {
        if (length > this.finalCap) return { complete, finalTooLarge: length };
        this.final = { flags, data: new Uint8Array(length), fill: 0 };
        if (length === 0) return this.finished(complete, at < chunk.length);
        continue;
      }
      if (length === 0) {
        this.messages++;
        complete = at;
      } else {
        this.left = length;
        this.pending = length;
      }
    }
    return { complete };
  }

  private finished(complete: number, after: boolean): Scan {
    const { flags, data } = this.final!;
    this.final = undefined;
    return { complete, final: { flags, data }, after };
  }
}

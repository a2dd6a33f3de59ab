import { concat } from "./bytes.ts";
/** One chunk's worth of relaying: bytes of whole envelopes to pass on, and the final envelope if it arrived. */
export interface Split {
  /** Only whole envelopes, in order: views into the chunks, or one buffer per pieced envelope. */
  pass: Uint8Array[];
  /** The final envelope, collected whole so it can be checked before it is relayed. */
  final?: { flags: number; data: Uint8Array };
}

/**
 * Follows the envelopes (`flags(1) length(4, BE) data`) of a response body chunk by chunk
 * and hands back the bytes of every complete envelope: views of the chunks themselves
 * when envelopes arrive whole (no copy), one joined buffer when an envelope came in pieces
 * (one write instead of many; workerd hands a large message over in ~4 KiB chunks). An envelope cut across chunks is held
 * until its last byte arrives: the client never sees half a message followed by an
 * appended status, which would corrupt its framing.
 */
export class FrameSplitter {
  private readonly header = new Uint8Array(5);
  private headerFill = 0;
  private remaining = 0;
  private inData = false;
  /** Pieces of the envelope under way, from earlier chunks. */
  private held: Uint8Array[] = [];
  private final: { flags: number; data: Uint8Array; fill: number } | undefined;

  constructor(private readonly isFinal: (flags: number) => boolean) {}

  /** Whether the body so far ends on an envelope boundary (a clean end of stream). */
  get atBoundary(): boolean {
    return this.headerFill === 0 && !this.inData && this.final === undefined;
  }

  push(chunk: Uint8Array): Split {
    const pass: Uint8Array[] = [];
    let start = 0; // first byte of this chunk not yet passed on or held
    let at = 0;
    while (at < chunk.length) {
      if (this.final !== undefined) {
        const f = this.final;
        const take = Math.min(f.data.length - f.fill, chunk.length - at);
        f.data.set(chunk.subarray(at, at + take), f.fill);
        f.fill += take;
        at += take;
        if (f.fill === f.data.length) return { pass, final: { flags: f.flags, data: f.data } };
        continue;
      }
      if (this.inData) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) {
          this.inData = false;
          this.complete(chunk, start, at, pass);
          start = at;
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
      const length = new DataView(this.header.buffer).getUint32(1);
      if (this.isFinal(flags)) {
        // Its header is not relayed as received: the final envelope is checked, then re-encoded.
        this.held = [];
        this.final = { flags, data: new Uint8Array(length), fill: 0 };
        start = at;
        if (length === 0) return { pass, final: { flags, data: this.final.data } };
        continue;
      }
      this.remaining = length;
      this.inData = length > 0;
      if (!this.inData) {
        this.complete(chunk, start, at, pass);
        start = at;
      }
    }
    if (start < chunk.length && this.final === undefined) this.held.push(chunk.subarray(start));
    return { pass, final: undefined };
  }

  /** An envelope ended at `end`: pass on what was held of it and this chunk's part. */
  private complete(chunk: Uint8Array, start: number, end: number, pass: Uint8Array[]): void {
    if (this.held.length > 0) {
      // An envelope that came in many pieces leaves as one: a copy of one message costs
      // less than handing workerd a write per piece.
      this.held.push(chunk.subarray(start, end));
      pass.push(concat(this.held));
      this.held = [];
      return;
    }
    const last = pass[pass.length - 1];
    // Consecutive envelopes in one chunk become one view.
    if (last !== undefined && last.buffer === chunk.buffer && last.byteOffset + last.byteLength === chunk.byteOffset + start) {
      pass[pass.length - 1] = chunk.subarray(last.byteOffset - chunk.byteOffset, end);
    } else pass.push(chunk.subarray(start, end));
  }
}

import { Code, ConnectError } from "@connectrpc/connect";
import { decodeTextBytes } from "./text-codec.ts";

/** Bytes base64 allows between quanta (decodeTextBytes drops them too). */
const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x0b;

/**
 * Decode a gRPC-web text request body chunk by chunk, as the edge reads it: complete
 * 4-character quanta are decoded at once (each may end in `=`, wherever a sender flushed,
 * per PROTOCOL-WEB.md), the rest waits for the next chunk. Holds at most 3 bytes between
 * chunks and nothing of any other request. Throws INTERNAL for input that is not base64.
 */
export class TextBodyDecoder {
  private carry = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.carry.length + chunk.length);
    joined.set(this.carry);
    let n = this.carry.length;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!isWhitespace(b)) joined[n++] = b;
    }
    const usable = n - (n % 4);
    this.carry = joined.slice(usable, n);
    return usable === 0 ? new Uint8Array(0) : decodeTextBytes(joined.subarray(0, usable));
  }

  /** The body ended: a partial quantum left over is not base64. */
  end(): void {
    if (this.carry.length !== 0) throw new ConnectError("invalid gRPC-web text body: base64 length is not a multiple of 4", Code.Internal);
  }
}

/**
 * Hand-made gRPC-web and Connect wire helpers for what the connect clients cannot send
 * (text mode) or hide (frames, trailers, arrival times). Written independently of
 * src/protocol so the tests check the edge, not the edge against itself.
 */
import { Buffer } from "node:buffer";

export interface Frame {
  flags: number;
  data: Uint8Array;
}

/** `flags(1) length(4, big-endian) data`. */
export function frame(flags: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

/** Split a complete body into frames; throws on a truncated one. */
export function parseFrames(body: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) throw new Error(`truncated frame header at ${at}`);
    const len = new DataView(body.buffer, body.byteOffset + at + 1, 4).getUint32(0);
    if (body.length - at - 5 < len) throw new Error(`truncated frame at ${at}`);
    frames.push({ flags: body[at]!, data: body.slice(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return frames;
}

/** Decode gRPC-web text that may hold padding inside (one padded group per flush). */
export function decodeText(text: string): Uint8Array<ArrayBuffer> {
  const groups = text.match(/[A-Za-z0-9+/]+=*/g) ?? [];
  return new Uint8Array(Buffer.concat(groups.map((g) => Buffer.from(g, "base64"))));
}

export function encodeText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** Parse a gRPC-web trailer block (`name: value\r\n`...), names lower-cased. */
export function parseTrailer(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of new TextDecoder().decode(data).split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export interface TimedChunk {
  at: number;
  bytes: Uint8Array;
}

/** Read a body to its end, noting when each chunk arrived (ms since `start`). */
export async function readTimed(body: ReadableStream<Uint8Array> | null, start: number): Promise<TimedChunk[]> {
  const chunks: TimedChunk[] = [];
  if (body === null) return chunks;
  const reader = body.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) return chunks;
    chunks.push({ at: performance.now() - start, bytes: next.value });
  }
}

export function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat(chunks));
}

import type { ConnectError } from "@connectrpc/connect";
import { trailerFlag } from "@connectrpc/connect/protocol-grpc-web";
import { ensureFinalFrame, type FinalFrameOptions } from "../final-frame.ts";
import { invalidTrailerBlock } from "./trailer.ts";
import { statusTrailerFrame } from "./error.ts";
import { encodeTextFrame } from "./text-codec.ts";

/** How to relay a gRPC-web origin's body to the client. */
export interface GrpcWebRelayOptions {
  /** Client is in text mode: base64 each frame. */
  text: boolean;
  /** The origin answered trailers-only (status in headers). */
  statusInHeaders: boolean;
  /** What a broken stream means (deadline vs. reset). */
  failure(reason: unknown): ConnectError;
  watch?: FinalFrameOptions["watch"];
  onEdgeStatus?: FinalFrameOptions["onEdgeStatus"];
}

const compressedFlag = 0x01;
const identity = (frame: Uint8Array): Uint8Array => frame;

/**
 * The client-facing gRPC-web body: frames relayed as they arrive, base64 per frame in
 * text mode, and always ending in a trailer frame (INTERNAL "missing status" when the
 * origin gave none, the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)).
 */
export function relayGrpcWebBody(upstream: ReadableStream<Uint8Array>, options: GrpcWebRelayOptions): ReadableStream<Uint8Array> {
  return ensureFinalFrame(upstream, {
    isFinal: (flags) => (flags & trailerFlag) === trailerFlag,
    finalFrame: statusTrailerFrame,
    encode: options.text ? encodeTextFrame : identity,
    statusInHeaders: options.statusInHeaders,
    failure: options.failure,
    missingMessage: "protocol error: missing status",
    // A compressed trailer (0x81) cannot be read here; it passes as sent.
    checkFinal: (flags, data) => (flags & compressedFlag ? undefined : invalidTrailerBlock(data)),
    watch: options.watch,
    onEdgeStatus: options.onEdgeStatus,
  });
}

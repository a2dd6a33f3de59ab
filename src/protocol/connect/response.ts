import type { ConnectError } from "@connectrpc/connect";
import { endStreamFlag } from "@connectrpc/connect/protocol-connect";
import { ensureFinalFrame, type FinalFrameOptions } from "../final-frame.ts";
import { invalidEndStream } from "./trailer.ts";
import { endStreamFrame } from "./error.ts";

const compressedFlag = 0x01;
const identity = (frame: Uint8Array): Uint8Array => frame;

/**
 * The client-facing Connect streaming body: envelopes relayed as they arrive, always
 * ending with an EndStreamResponse (INTERNAL "missing EndStreamResponse" when the origin
 * stopped without one, docs/edge.md).
 */
export function relayConnectStreamBody(
  upstream: ReadableStream<Uint8Array>,
  failure: (reason: unknown) => ConnectError,
  watch?: FinalFrameOptions["watch"],
  onEdgeStatus?: FinalFrameOptions["onEdgeStatus"],
): ReadableStream<Uint8Array> {
  return ensureFinalFrame(upstream, {
    isFinal: (flags) => (flags & endStreamFlag) === endStreamFlag,
    finalFrame: (error) => endStreamFrame(error),
    encode: identity,
    statusInHeaders: false,
    failure,
    missingMessage: "protocol error: missing EndStreamResponse",
    checkFinal: (flags, data) => (flags & compressedFlag ? undefined : invalidEndStream(data)),
    watch,
    onEdgeStatus,
  });
}

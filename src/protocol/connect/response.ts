import { endStreamFlag } from "@connectrpc/connect/protocol-connect";
import type { FramedProtocol } from "../framed-relay.ts";
import { checkEndStream } from "./trailer.ts";
import { endStreamFrame } from "./error.ts";

const compressedFlag = 0x01;

/**
 * How a Connect streaming response ends (the Connect protocol,
 * https://connectrpc.com/docs/protocol): an EndStreamResponse (flag 0x02); INTERNAL
 * "missing EndStreamResponse" when the origin stopped without one.
 */
export const connectStreamFraming: FramedProtocol = {
  isFinal: (flags) => (flags & endStreamFlag) === endStreamFlag,
  finalFrame: (error) => endStreamFrame(error),
  missingMessage: "protocol error: missing EndStreamResponse",
  checkFinal: (flags, data) => (flags & compressedFlag ? { code: undefined } : checkEndStream(data)),
};

import { trailerFlag } from "@connectrpc/connect/protocol-grpc-web";
import type { FramedProtocol } from "../framed-relay.ts";
import { checkTrailerBlock } from "./trailer.ts";
import { statusTrailerFrame } from "./error.ts";

const compressedFlag = 0x01;

/**
 * How a gRPC-web response ends (the gRPC-web protocol,
 * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): a trailer frame (0x80)
 * carrying `grpc-status`; INTERNAL "missing status" when the origin gave none.
 */
export const grpcWebFraming: FramedProtocol = {
  isFinal: (flags) => (flags & trailerFlag) === trailerFlag,
  finalFrame: statusTrailerFrame,
  missingMessage: "protocol error: missing status",
  // A compressed trailer (0x81) cannot be read here; it passes as sent.
  checkFinal: (flags, data) => (flags & compressedFlag ? { code: undefined } : checkTrailerBlock(data)),
};

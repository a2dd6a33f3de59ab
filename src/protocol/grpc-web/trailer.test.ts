import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { checkTrailerBlock } from "./trailer.ts";

const malformed = "protocol error: malformed trailer from the origin";
const missing = "protocol error: missing status";
const invalid = "protocol error: invalid grpc-status from the origin";

describe("checkTrailerBlock", () => {
  it.each<[string, string | Uint8Array, string | undefined]>([
    ["OK", "grpc-status: 0\r\n", undefined],
    ["an error with a message", "grpc-status: 16\r\ngrpc-message: who%20are%20you\r\n", undefined],
    ["names in any case, no final CRLF", "Grpc-Status:3", undefined],
    ["details standing in for the status", "grpc-status-details-bin: CAM\r\n", undefined],
    ["no status", "grpc-message: hi\r\n", missing],
    ["an empty block", "", missing],
    ["a status above 16", "grpc-status: 17\r\n", invalid],
    ["a status not in canonical decimal", "grpc-status: 01\r\n", invalid],
    ["the first status counts, not a later one", "grpc-status: x\r\ngrpc-status: 0\r\n", invalid],
    ["a line that is no header", "grpc-status: 0\r\nhello\r\n", malformed],
    ["a header without a name", ": 0\r\n", malformed],
    ["bytes that are not UTF-8", new Uint8Array([...new TextEncoder().encode("grpc-status: 0\r\nx: "), 0xff]), malformed],
  ])("%s", (_, block, message) => {
    const problem = checkTrailerBlock(typeof block === "string" ? new TextEncoder().encode(block) : block).problem;
    expect(problem?.rawMessage).toBe(message);
    if (problem !== undefined) expect(problem.code).toBe(Code.Internal);
  });
});

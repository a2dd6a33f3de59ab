import { describe, expect, it } from "vitest";
import { percentEncodeGrpcMessage } from "./error.ts";

describe("percentEncodeGrpcMessage (PROTOCOL-HTTP2.md Status-Message)", () => {
  it.each([
    ["emoji error: 😀", "emoji error: %F0%9F%98%80"],
    ["100%", "100%25"],
    ["plain ASCII stays", "plain ASCII stays"],
    ["line\nbreak", "line%0Abreak"],
  ])("%j → %j", (raw, encoded) => expect(percentEncodeGrpcMessage(raw)).toBe(encoded));
});

import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { checkEndStream } from "./trailer.ts";

const malformed = "protocol error: malformed EndStreamResponse from the origin";
const badCode = "protocol error: invalid error code in the origin's EndStreamResponse";

describe("checkEndStream", () => {
  it.each<[string, string | Uint8Array, string | undefined]>([
    ["success", "{}", undefined],
    ["success with metadata", '{"metadata":{"x-id":["1"]}}', undefined],
    ["an error with a known code", '{"error":{"code":"unavailable","message":"later"}}', undefined],
    ["an unknown code", '{"error":{"code":"sad"}}', badCode],
    ["a numeric code", '{"error":{"code":14}}', badCode],
    ["an error without a code", '{"error":{}}', badCode],
    ["an error that is no object", '{"error":"unavailable"}', badCode],
    ["not JSON", "end", malformed],
    ["a JSON array", "[]", malformed],
    ["JSON null", "null", malformed],
    ["a JSON string", '"{}"', malformed],
    ["bytes that are not UTF-8", new Uint8Array([...new TextEncoder().encode('{"x":"'), 0xff, 0x22, 0x7d]), malformed],
  ])("%s", (_, body, message) => {
    const problem = checkEndStream(typeof body === "string" ? new TextEncoder().encode(body) : body).problem;
    expect(problem?.rawMessage).toBe(message);
    if (problem !== undefined) expect(problem.code).toBe(Code.Internal);
  });
});

import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

const malformed = (): { code: undefined; problem: ConnectError } => ({
  code: undefined,
  problem: new ConnectError("protocol error: malformed EndStreamResponse from the origin", Code.Internal),
});

/**
 * The status of an uncompressed Connect EndStreamResponse (0 without an error), or its
 * problem (the Connect protocol, https://connectrpc.com/docs/protocol).
 */
export function checkEndStream(data: Uint8Array): { code: Code | 0 | undefined; problem?: ConnectError } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(data));
  } catch {
    return malformed();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return malformed();
  const error = (parsed as { error?: unknown }).error;
  if (error === undefined) return { code: 0 };
  const name = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof name === "string" ? codeFromString(name) : undefined;
  if (code === undefined) {
    return {
      code: undefined,
      problem: new ConnectError("protocol error: invalid error code in the origin's EndStreamResponse", Code.Internal),
    };
  }
  return { code };
}

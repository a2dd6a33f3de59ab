import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The problem with an uncompressed Connect EndStreamResponse (the Connect protocol (https://connectrpc.com/docs/protocol)). */
export function invalidEndStream(data: Uint8Array): ConnectError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(data));
  } catch {
    return new ConnectError("protocol error: malformed EndStreamResponse from the origin", Code.Internal);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return new ConnectError("protocol error: malformed EndStreamResponse from the origin", Code.Internal);
  }
  const error = (parsed as { error?: unknown }).error;
  if (error === undefined) return undefined;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || codeFromString(code) === undefined) {
    return new ConnectError("protocol error: invalid error code in the origin's EndStreamResponse", Code.Internal);
  }
  return undefined;
}

import { Code, ConnectError } from "@connectrpc/connect";
import { messageTooLarge } from "../request-limits.ts";

/** URL-safe or standard alphabet, padding optional (connect-es base64Decode accepts both). */
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Check a Connect unary GET's `message` before anything is forwarded (the Connect protocol (https://connectrpc.com/docs/protocol)):
 * it must be present; with `base64=1` it must be base64 (URL-safe, or standard, padding
 * optional); otherwise it must be valid percent-encoded UTF-8. Anything else is
 * INVALID_ARGUMENT, as a Connect server answers; over `maxMessageBytes` decoded → RESOURCE_EXHAUSTED.
 */
export function checkConnectGetMessage(url: URL, maxMessageBytes: number): ConnectError | undefined {
  const raw = rawQueryParam(url.search, "message");
  if (raw === undefined) return new ConnectError("missing required query parameter: message", Code.InvalidArgument);
  if (url.searchParams.get("base64") === "1") {
    let text: string;
    try {
      text = decodeURIComponent(raw);
    } catch {
      return new ConnectError("invalid message query parameter: malformed percent-encoding", Code.InvalidArgument);
    }
    const unpadded = text.replace(/=+$/, "");
    if (!base64Text.test(text) || unpadded.length % 4 === 1) {
      return new ConnectError("invalid message query parameter: not base64", Code.InvalidArgument);
    }
    const size = Math.floor((unpadded.length * 3) / 4);
    if (size > maxMessageBytes) return messageTooLarge(size, maxMessageBytes);
    return undefined;
  }
  let text: string;
  try {
    // `+` is a space in a query; decodeURIComponent throws on bad escapes and invalid UTF-8.
    text = decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return new ConnectError(
      "invalid message query parameter: not percent-encoded UTF-8 (binary messages need base64=1)",
      Code.InvalidArgument,
    );
  }
  const size = new TextEncoder().encode(text).length;
  if (size > maxMessageBytes) return messageTooLarge(size, maxMessageBytes);
  return undefined;
}

/** The undecoded value of the first `name=` in a query string, undefined when absent. */
function rawQueryParam(search: string, name: string): string | undefined {
  for (const part of search.replace(/^\?/, "").split("&")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === name) return eq < 0 ? "" : part.slice(eq + 1);
  }
  return undefined;
}

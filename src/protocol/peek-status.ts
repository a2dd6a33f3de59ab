import { Code } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import { codeFromHttpStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import type { OriginProtocol } from "../table/types.ts";
import { concat } from "./bytes.ts";
import { contentTypeErrorJson } from "./connect/content-type.ts";
import { headerGrpcStatus } from "./grpc-web/headers.ts";
import { isGrpcWebAnswer } from "./grpc-web/validate-response.ts";
import { parseGrpcStatus } from "./grpc/status.ts";
import { headerContentType } from "./headers.ts";

/** An error status as retries see it: OK is none, a malformed one is INTERNAL. */
function errorCode(status: string): Code | undefined {
  const v = status.trim();
  return v === "0" ? undefined : (parseGrpcStatus(v) ?? Code.Internal);
}

/** A status-only answer is small; anything larger is not looked at. */
const peekMaxBytes = 16 * 1024;

/**
 * The error status of an origin's answer when it can be known before any message is
 * relayed (trailers-only gRPC-web, a trailer as the first frame, a Connect unary error,
 * or a non-protocol HTTP error), and the answer rebuilt with whatever was read. `code`
 * is undefined for success or a stream that starts with a message.
 */
export async function peekStatus(
  res: Response,
  target: OriginProtocol,
): Promise<{ res: Response; code: Code | undefined; httpStatus?: number }> {
  const type = res.headers.get(headerContentType) ?? "";
  const status = res.headers.get(headerGrpcStatus);
  const genuine = target === "grpc-web" ? isGrpcWebAnswer(res) : res.status === 200 || type.toLowerCase().startsWith(contentTypeErrorJson);
  // Not the protocol (an HTML 503, say): the code gRPC maps the HTTP status to, and the status itself.
  if (!genuine) return { res, code: codeFromHttpStatus(res.status), httpStatus: res.status };
  if (target === "grpc-web" && status !== null) return { res, code: errorCode(status) };
  if (res.body === null || (target === "connect" && res.status === 200)) return { res, code: undefined };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const want = (bytes: Uint8Array): number => {
    if (target === "connect") return peekMaxBytes + 1;
    if (bytes.length < 5) return 5;
    return (bytes[0]! & 0x80) === 0 ? 1 : 5 + new DataView(bytes.buffer, bytes.byteOffset, 5).getUint32(1);
  };
  let head: Uint8Array = new Uint8Array(0);
  while (!ended && size < Math.min(want(head), peekMaxBytes + 1)) {
    const next = await reader.read();
    if (next.done) ended = true;
    else {
      chunks.push(next.value);
      size += next.value.byteLength;
      // Only the first five bytes decide how much to read: joining every chunk each time
      // would cost the square of their number.
      if (head.length < 5) head = concat(chunks);
    }
  }
  head = concat(chunks);
  let emitted = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (!emitted) {
        emitted = true;
        if (head.length > 0) return c.enqueue(head);
      }
      if (ended) return c.close();
      const next = await reader.read();
      if (next.done) c.close();
      else c.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const rebuilt = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  return { res: rebuilt, code: statusOf(head, target, ended) };
}

function statusOf(head: Uint8Array, target: OriginProtocol, ended: boolean): Code | undefined {
  try {
    if (target === "connect") {
      if (!ended) return undefined;
      const code = (JSON.parse(new TextDecoder().decode(head)) as { code?: unknown }).code;
      return typeof code === "string" ? codeFromString(code) : undefined;
    }
    if (head.length < 5 || (head[0]! & 0x81) !== trailerFlag) return undefined;
    const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1);
    if (head.length < 5 + length) return undefined;
    const status = trailerParse(head.subarray(5, 5 + length)).get(headerGrpcStatus);
    return status === null ? undefined : errorCode(status);
  } catch {
    return undefined;
  }
}

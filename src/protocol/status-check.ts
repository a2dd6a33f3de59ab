import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Validation of the status an origin ends a stream with, so a malformed one becomes a
 * clear INTERNAL from the edge instead of whatever each client makes of it (connect-es:
 * INTERNAL "invalid grpc-status"; grpc-go: INTERNAL "malformed grpc-status").
 */

const grpcStatusValue = /^(?:0|[1-9]\d?)$/;
const maxCode = 16;

/** A `grpc-status` value as a code: 0..16 in canonical decimal, else undefined (the one rule for it). */
export function parseGrpcStatus(value: string): Code | undefined {
  const v = value.trim();
  return grpcStatusValue.test(v) && Number(v) <= maxCode ? (Number(v) as Code) : undefined;
}

/** The problem with a `grpc-status` value (from headers or a trailer), undefined when valid. */
export function invalidGrpcStatus(value: string | null): ConnectError | undefined {
  if (value === null) return new ConnectError("protocol error: missing status", Code.Internal);
  if (parseGrpcStatus(value) === undefined) return new ConnectError(`protocol error: invalid grpc-status from the origin`, Code.Internal);
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The problem with an uncompressed gRPC-web trailer frame's contents (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)):
 * not a header block (a non-empty line without `name:`, or not UTF-8), no `grpc-status`
 * (and no `grpc-status-details-bin`), or a status that is not 0..16.
 */
export function invalidTrailerBlock(data: Uint8Array): ConnectError | undefined {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return new ConnectError("protocol error: malformed trailer from the origin", Code.Internal);
  }
  let status: string | null = null;
  let details = false;
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return new ConnectError("protocol error: malformed trailer from the origin", Code.Internal);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === "grpc-status" && status === null) status = line.slice(colon + 1);
    if (name === "grpc-status-details-bin") details = true;
  }
  if (status === null && details) return undefined;
  return invalidGrpcStatus(status);
}

const codeNames = new Set([
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
]);

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
  if (typeof code !== "string" || !codeNames.has(code)) {
    return new ConnectError("protocol error: invalid error code in the origin's EndStreamResponse", Code.Internal);
  }
  return undefined;
}

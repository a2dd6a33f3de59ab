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

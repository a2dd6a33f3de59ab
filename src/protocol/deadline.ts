import type { ConnectError } from "@connectrpc/connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc-web";
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import type { ClientProtocol } from "./detect.ts";
import { headerTimeout as headerGrpcTimeout } from "./grpc-web/headers.ts";
import { headerTimeout as headerConnectTimeout } from "./connect/headers.ts";

/** A request's deadline, from `grpc-timeout` or `connect-timeout-ms`. */
export interface Deadline {
  /** Epoch ms when the call must be over; undefined for no deadline. */
  at?: number;
  /** Set when the header is malformed: the call is answered with INVALID_ARGUMENT. */
  error?: ConnectError;
}

/** The edge has no upper bound of its own; the parsers only check the syntax. */
const noMaxTimeout = Number.MAX_SAFE_INTEGER;

/**
 * Read the deadline header of the client's protocol (`grpc-timeout`, https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md; `connect-timeout-ms`, https://connectrpc.com/docs/protocol):
 * `grpc-timeout` is at most 8 digits and a unit, `connect-timeout-ms` at most 10 digits.
 */
export function parseDeadline(client: ClientProtocol, headers: Headers, now: number): Deadline {
  const parsed =
    client.kind === "grpc-web"
      ? parseGrpcTimeout(headers.get(headerGrpcTimeout), noMaxTimeout)
      : parseConnectTimeout(headers.get(headerConnectTimeout), noMaxTimeout);
  if (parsed.error !== undefined) return { error: parsed.error };
  return parsed.timeoutMs === undefined ? {} : { at: now + parsed.timeoutMs };
}

/** Name of the deadline header of a protocol. */
export function deadlineHeader(protocol: "grpc-web" | "connect"): string {
  return protocol === "grpc-web" ? headerGrpcTimeout : headerConnectTimeout;
}

const grpcUnits: readonly [string, number][] = [
  ["m", 1],
  ["S", 1000],
  ["M", 60_000],
  ["H", 3_600_000],
];
const grpcMaxValue = 99_999_999;

/**
 * The remaining budget as a `grpc-timeout` value: whole milliseconds rounded up (never 0,
 * which would mean an already expired call), in the smallest unit that fits 8 digits.
 */
export function formatGrpcTimeout(remainingMs: number): string {
  const ms = Math.max(1, Math.ceil(remainingMs));
  for (const [unit, size] of grpcUnits) {
    const value = Math.ceil(ms / size);
    if (value <= grpcMaxValue) return `${value}${unit}`;
  }
  return `${grpcMaxValue}H`;
}

/** The remaining budget as a `connect-timeout-ms` value (at most 10 digits). */
export function formatConnectTimeout(remainingMs: number): string {
  return String(Math.min(9_999_999_999, Math.max(1, Math.ceil(remainingMs))));
}

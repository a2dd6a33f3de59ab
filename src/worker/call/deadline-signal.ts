import { Code, ConnectError } from "../../protocol/index.ts";

/** The edge's clock on one call: fires an AbortSignal when the client's deadline passes. */
export interface CallTimer {
  signal: AbortSignal | undefined;
  /** Whether the deadline, not something else, ended the call. */
  expired(): boolean;
  /** Milliseconds left, undefined for no deadline. */
  remaining(): number | undefined;
}

/**
 * Enforce a deadline at the edge (docs/edge.md): the origin fetch and its
 * response stream are aborted when it passes, and the caller gets DEADLINE_EXCEEDED.
 */
export function startCallTimer(deadlineAt: number | undefined): CallTimer {
  if (deadlineAt === undefined) return { signal: undefined, expired: () => false, remaining: () => undefined };
  const controller = new AbortController();
  let fired = false;
  const ms = Math.max(0, deadlineAt - Date.now());
  setTimeout(() => {
    fired = true;
    controller.abort(deadlineError());
  }, ms);
  return { signal: controller.signal, expired: () => fired, remaining: () => deadlineAt - Date.now() };
}

/** The error a call past its deadline ends with. */
export function deadlineError(): ConnectError {
  return new ConnectError("deadline exceeded at the edge", Code.DeadlineExceeded);
}

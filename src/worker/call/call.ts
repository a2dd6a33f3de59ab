import type { ClientProtocol, Procedure } from "../../protocol/index.ts";
import type { Random } from "../../runtime/types.ts";
import type { Origin, RouteTable, Rule } from "../../table/types.ts";
import type { EdgeConfig } from "../config.ts";
import type { CallTimer } from "./deadline-signal.ts";
import type { EdgeEnv } from "../env.ts";
import type { ForwardDecision } from "./retry.ts";
import type { CallLog } from "../observe/call-log.ts";

/**
 * One call on its way to an origin: what every attempt shares. Its own module, so that
 * `forward` (which retries) and `attempt` (one try) both depend on it and not on each other.
 */
export interface ForwardCall {
  client: ClientProtocol;
  procedure: Procedure;
  request: Request;
  /** The client's headers as the origin gets them: the request's, after a SecurityPolicy's edits. */
  headers: Headers;
  /** The client's request body, unread: forward reads it once (client-body.ts) or hands it to fetch(). */
  body: ReadableStream<Uint8Array> | null;
  /** The whole request body, read and checked up front (handle.ts); `body` is null then. */
  whole?: Uint8Array | undefined;
  url: URL;
  decision: ForwardDecision;
  origin: Origin;
  config: EdgeConfig;
  env: EdgeEnv;
  timer: CallTimer;
  waitUntil(promise: Promise<unknown>): void;
  /** The table and the decision's rule, for retries (another backend, the route's policy). */
  table: RouteTable;
  rule: Rule | undefined;
  random: Random;
  /** The call's access-log record: attempts, request counts, a status the edge decided. */
  log: CallLog;
}

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) and a request id: a client's
 * `traceparent` passes to the origin unchanged; without one the edge starts a trace (unless
 * the TRACEPARENT var is "off"). `x-request-id` is the client's, else Cloudflare's `cf-ray`,
 * else random (as under `dev`), and is returned to the client.
 */

const traceparentForm = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
export const headerTraceparent = "traceparent";
export const headerRequestId = "x-request-id";

function hex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (const x of b) out += x.toString(16).padStart(2, "0");
  return out;
}

export interface TraceIds {
  requestId: string;
  /** Absent when the client sent none and starting one is off. */
  traceId?: string;
  /** The `traceparent` to send when the edge started the trace. */
  started?: string;
}

export function traceIds(headers: Headers, generate: boolean): TraceIds {
  const requestId = headers.get(headerRequestId) || headers.get("cf-ray") || crypto.randomUUID();
  const given = headers.get(headerTraceparent);
  const m = given === null ? null : traceparentForm.exec(given.trim());
  // All-zero ids are invalid (the spec): such a header is left as it is, and no trace is claimed.
  if (m !== null && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!)) return { requestId, traceId: m[1]! };
  if (given !== null || !generate) return { requestId };
  const traceId = hex(16);
  return { requestId, traceId, started: `00-${traceId}-${hex(8)}-01` };
}

import { headerContentLength } from "../../protocol/index.ts";
import { drainableBody, type ClientBody } from "./drain.ts";
import { replayMaxBytes } from "./replay.ts";

/** A request body read completely before anything else happens, or a stream to forward. */
export interface RequestBody extends ClientBody {
  /** The whole body, when it was small and its length known. */
  whole?: Uint8Array;
}

/**
 * Small bodies of known length (every unary and server-streaming call from a browser) are
 * read whole: checks then run on bytes, a retry resends the same bytes, and fetch() gets a
 * plain buffer it sends with a Content-Length, with no JavaScript stream in the way (the
 * bulk of the edge's per-call cost in workerd, BENCHMARKS.md). Everything else streams.
 */
export async function readRequestBody(request: Request): Promise<RequestBody> {
  const declared = request.headers.get(headerContentLength);
  const length = declared === null ? Number.NaN : Number(declared);
  if (request.body === null || !Number.isInteger(length) || length < 0 || length > replayMaxBytes) {
    return drainableBody(request.body);
  }
  const whole = new Uint8Array(await request.arrayBuffer());
  return { stream: null, whole, drain: () => Promise.resolve() };
}

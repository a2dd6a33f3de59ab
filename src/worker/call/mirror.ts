import type { UpstreamBody } from "../../protocol/index.ts";
import type { Origin } from "../../table/types.ts";

/** Sends one mirrored copy; its response is drained and thrown away. */
export type MirrorSend = (origin: Origin, body: UpstreamBody) => Promise<Response>;

/**
 * Fire-and-forget copies of a request (Gateway API RequestMirror) via `waitUntil`. A
 * streamed body is teed, never buffered up front, so the main call streams as before; a
 * mirror that fails is ignored and its branch cancelled so the tee stops holding data for
 * it. Returns the body the main call must use.
 */
export function startMirrors(
  origins: readonly (Origin | null)[],
  body: UpstreamBody,
  send: MirrorSend,
  waitUntil: (p: Promise<unknown>) => void,
): UpstreamBody {
  let main = body;
  for (const origin of origins) {
    if (origin === null) continue;
    let copy: UpstreamBody = main;
    if (main instanceof ReadableStream) [main, copy] = main.tee();
    const branch = copy;
    waitUntil(
      send(origin, branch)
        .then((res) => res.body?.cancel())
        .catch(() => (branch instanceof ReadableStream ? branch.cancel().catch(() => undefined) : undefined)),
    );
  }
  return main;
}

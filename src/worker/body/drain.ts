/** Enough for any unary or server-streaming request; client streams are not waited for. */
const drainMaxBytes = 64 * 1024;
const drainMaxMs = 250;

/**
 * Read and discard what is left of a client's body, within bounds, so the edge can answer
 * early or after an origin failed before taking it all. Over HTTP/1.1 a client still
 * writing its body when the response arrives and the connection closes sees
 * EPIPE/ECONNRESET instead of the answer (met with connect-node's grpc-web transport
 * against an unreachable origin).
 */
export async function drainWith(read: () => Promise<{ done: boolean; bytes: number }>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), drainMaxMs)));
  try {
    for (let bytes = 0; bytes < drainMaxBytes; ) {
      const next = await Promise.race([read(), timeout]);
      if (next === "timeout" || next.done) break;
      bytes += next.bytes;
    }
  } catch {
    // The client went away; nobody is left to answer.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

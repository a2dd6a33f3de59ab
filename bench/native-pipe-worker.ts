/**
 * The relay benchmark's second baseline: the origin's answer handed back through an
 * IdentityTransformStream fed by `pipeTo`, a pipe workerd runs natively between its own
 * streams without a JavaScript read per chunk. That is the cheapest way a Worker can own
 * the response body (and so insert, count or end it) instead of returning `fetch()` as is:
 * the ceiling for a relay that keeps a stream in its hands.
 * IdentityTransformStream: https://developers.cloudflare.com/workers/runtime-apis/streams/transformstream/
 */
interface Env {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  ORIGIN: string;
}

// A Workers global: this file is typechecked with the Node and DOM types, which lack it.
declare const IdentityTransformStream: { new (): TransformStream<Uint8Array, Uint8Array> };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const res = await fetch(env.ORIGIN + url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    if (res.body === null) return res;
    const t = new IdentityTransformStream();
    // Not awaited: the pipe runs while the response streams; a failure errors the readable side.
    res.body.pipeTo(t.writable).catch(() => undefined);
    return new Response(t.readable, res);
  },
};

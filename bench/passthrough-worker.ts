/**
 * The proxy benchmark's baseline: a Worker that forwards every request to one origin
 * with no routing, no protocol handling and no header work, streaming both ways. What
 * is left of our worker's overhead after subtracting this is the edge's own cost.
 */
interface Env {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  ORIGIN: string;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return fetch(env.ORIGIN + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};

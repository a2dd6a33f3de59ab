import type { Origin, OriginProtocol } from "../../table/types.ts";
import type { EdgeEnv } from "../env.ts";
import { serviceBinding } from "../env.ts";

/**
 * Send a request to an origin: a service binding when the origin names one (`env[NAME]`),
 * else fetch() to `Origin.url` + path. A missing binding is thrown like a network error,
 * which the caller turns into UNAVAILABLE.
 */
export function callOrigin(origin: Origin, env: EdgeEnv, pathAndQuery: string, clientUrl: URL, init: RequestInit): Promise<Response> {
  if (origin.binding !== undefined) {
    const fetcher = serviceBinding(env, origin.binding);
    if (fetcher === undefined) {
      return Promise.reject(
        new Error(`service binding "${origin.binding}" is not bound to this Worker: add it to wrangler.toml [[services]]`),
      );
    }
    // A bound Worker sees the host the client used; only the path matters for routing.
    return fetcher.fetch(new Request(`${clientUrl.origin}${pathAndQuery}`, init));
  }
  return fetch(`${origin.url}${pathAndQuery}`, init);
}

/** The protocol family a client speaks, for comparing with `Origin.protocol`. */
export function familyOf(kind: "grpc-web" | "connect-unary" | "connect-stream"): OriginProtocol {
  return kind === "grpc-web" ? "grpc-web" : "connect";
}

import {
  headerCfConnectingIp,
  headerForwarded,
  headerXForwardedFor,
  headerXForwardedHost,
  headerXForwardedProto,
} from "../../protocol/index.ts";

/**
 * Replace whatever `x-forwarded-*` / `forwarded` the client sent (it could claim any
 * address) with what the edge knows: the client IP from Cloudflare's `cf-connecting-ip`,
 * the scheme and host the client used.
 */
export function setForwarded(headers: Headers, url: URL, clientHeaders: Headers): void {
  headers.delete(headerForwarded);
  headers.delete(headerXForwardedFor);
  const ip = clientHeaders.get(headerCfConnectingIp);
  if (ip !== null) headers.set(headerXForwardedFor, ip);
  headers.set(headerXForwardedProto, url.protocol.replace(/:$/, ""));
  headers.set(headerXForwardedHost, url.host);
}

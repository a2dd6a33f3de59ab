import {
  headerCfConnectingIp,
  headerForwarded,
  headerXForwardedFor,
  headerXForwardedHost,
  headerXForwardedProto,
} from "../../protocol/index.ts";

/**
 * Remove every `x-forwarded-*` and `forwarded` the client sent (it could claim any address,
 * port, prefix or client certificate, and some origins trust `x-forwarded-client-cert` as an
 * identity), then set what the edge knows: the client IP from Cloudflare's
 * `cf-connecting-ip`, the scheme and host the client used.
 */
export function setForwarded(headers: Headers, url: URL, clientHeaders: Headers): void {
  headers.delete(headerForwarded);
  const theirs: string[] = [];
  headers.forEach((_, name) => {
    if (name.startsWith("x-forwarded-")) theirs.push(name);
  });
  for (const name of theirs) headers.delete(name);
  const ip = clientHeaders.get(headerCfConnectingIp);
  if (ip !== null) headers.set(headerXForwardedFor, ip);
  headers.set(headerXForwardedProto, url.protocol.replace(/:$/, ""));
  headers.set(headerXForwardedHost, url.host);
}

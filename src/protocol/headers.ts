/**
 * Header names the edge reads or writes that belong to no single protocol. Protocol
 * headers come from connect-es (`@connectrpc/connect/protocol-*`), re-exported by each
 * protocol folder.
 */

export const headerContentType = "content-type";
export const headerContentLength = "content-length";
export const headerAccept = "accept";
export const headerHost = "host";
export const headerOrigin = "origin";
export const headerVary = "vary";

/** Set by Cloudflare's edge to the client address; the only client address we trust. */
export const headerCfConnectingIp = "cf-connecting-ip";
export const headerXForwardedFor = "x-forwarded-for";
export const headerXForwardedProto = "x-forwarded-proto";
export const headerXForwardedHost = "x-forwarded-host";
export const headerForwarded = "forwarded";

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) plus `host`, which fetch() sets from the URL.
 * `te` is dropped too: its one legal value for gRPC (`trailers`) means nothing over
 * gRPC-web or Connect.
 */
export const hopByHopHeaders: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  headerHost,
  headerContentLength,
];

/** Remove every hop-by-hop header, including those a `Connection` header names. */
export function stripHopByHop(headers: Headers): void {
  const named = headers.get("connection");
  if (named !== null) {
    for (const name of named.split(",")) {
      const trimmed = name.trim();
      if (trimmed !== "") headers.delete(trimmed);
    }
  }
  for (const name of hopByHopHeaders) headers.delete(name);
}

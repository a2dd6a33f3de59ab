import type { ConnectError } from "@connectrpc/connect";

/**
 * A finished unary call in protocol-neutral form: what translation between gRPC-web and
 * Connect carries from one side to the other (docs/edge.md).
 */
export interface UnaryResult {
  /** Leading metadata, protocol headers removed. */
  headers: Headers;
  /** Trailing metadata, protocol fields (grpc-status, ...) removed. */
  trailers: Headers;
  /** The response message on success. */
  message?: Uint8Array;
  error?: ConnectError;
}

/** Metadata names no protocol may carry across: each side writes its own. */
const protocolHeader = /^(?:grpc-|connect-|content-type$|content-length$|content-encoding$|accept-encoding$|x-grpc-web$|trailer-)/i;

/** Copy metadata minus protocol headers and hop-by-hop noise. */
export function metadataOnly(from: Headers): Headers {
  const out = new Headers();
  from.forEach((value, key) => {
    if (!protocolHeader.test(key)) out.append(key, value);
  });
  return out;
}

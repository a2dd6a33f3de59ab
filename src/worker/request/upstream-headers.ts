import {
  type ClientProtocol,
  deadlineHeader,
  formatConnectTimeout,
  formatGrpcTimeout,
  grpcWebContentType,
  acceptEncodingIdentity,
  headerAcceptEncoding,
  headerAccept,
  headerContentType,
  stripHopByHop,
  connectToGrpcWebHeaders,
  grpcWebToConnectHeaders,
} from "../../protocol/index.ts";
import type { Filters, OriginProtocol } from "../../table/types.ts";
import type { CallTimer } from "../call/deadline-signal.ts";
import { applyRequestFilters } from "./filters.ts";
import { setForwarded } from "./forwarded.ts";
import { familyOf } from "../call/upstream.ts";

/**
 * The headers an origin speaking `target` receives: client metadata minus hop-by-hop
 * headers, trusted forwarding headers, the route's request filters, then the protocol
 * headers the edge owns (binary content type for a text client, the remaining deadline,
 * `grpc-accept-encoding` no wider than the client's, or a translation's headers).
 */
export function upstreamRequestHeaders(
  client: ClientProtocol,
  target: OriginProtocol,
  clientHeaders: Headers,
  url: URL,
  filters: readonly Filters[],
  timer: CallTimer,
): Headers {
  const headers = new Headers(clientHeaders);
  stripHopByHop(headers);
  setForwarded(headers, url, clientHeaders);
  applyRequestFilters(headers, filters);
  if (target !== familyOf(client.kind)) {
    if (target === "grpc-web") connectToGrpcWebHeaders(headers, client.codec);
    else grpcWebToConnectHeaders(headers, client.codec);
  } else if (client.kind === "grpc-web") {
    if (client.text) headers.set(headerContentType, grpcWebContentType(false, client.codec));
    // The origin answers binary whatever the client accepts; the edge re-encodes.
    if (client.responseText) headers.delete(headerAccept);
    // Without a client preference, origins must not compress frames (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)).
    if (!clientHeaders.has(headerAcceptEncoding)) headers.set(headerAcceptEncoding, acceptEncodingIdentity);
  }
  const remaining = timer.remaining();
  if (remaining !== undefined) {
    headers.set(deadlineHeader(target), target === "grpc-web" ? formatGrpcTimeout(remaining) : formatConnectTimeout(remaining));
  }
  return headers;
}

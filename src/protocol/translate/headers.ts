import { connectContentType } from "../connect/content-type.ts";
import {
  headerProtocolVersion,
  headerStreamEncoding,
  headerTimeout as headerConnectTimeout,
  headerUnaryEncoding,
} from "../connect/headers.ts";
import type { Codec } from "../detect.ts";
import { grpcWebContentType } from "../grpc-web/content-type.ts";
import {
  acceptEncodingIdentity,
  headerAcceptEncoding,
  headerEncoding,
  headerTimeout as headerGrpcTimeout,
  headerXGrpcWeb,
} from "../grpc-web/headers.ts";
import { headerAccept, headerContentType } from "../headers.ts";

const connectAcceptEncoding = ["accept-encoding", "connect-accept-encoding"];
const protocolVersion1 = "1";
const xGrpcWeb1 = "1";

/**
 * Rewrite a Connect request's protocol headers for a gRPC-web origin (docs/edge.md
 * "Connect unary → gRPC-web upstream"): binary framing, no compression either way.
 */
export function connectToGrpcWebHeaders(headers: Headers, codec: Codec): void {
  for (const name of [headerProtocolVersion, headerConnectTimeout, headerUnaryEncoding, headerStreamEncoding, ...connectAcceptEncoding])
    headers.delete(name);
  headers.set(headerContentType, grpcWebContentType(false, codec));
  headers.set(headerXGrpcWeb, xGrpcWeb1);
  headers.set(headerAcceptEncoding, acceptEncodingIdentity);
}

/**
 * Rewrite a gRPC-web request's protocol headers for a Connect unary origin (docs/edge.md,
 * "gRPC-web → Connect unary upstream"): drop `x-grpc-web` and `grpc-*`, add
 * `connect-protocol-version: 1`.
 */
export function grpcWebToConnectHeaders(headers: Headers, codec: Codec): void {
  for (const name of [headerXGrpcWeb, headerGrpcTimeout, headerEncoding, headerAcceptEncoding, headerAccept]) headers.delete(name);
  headers.set(headerContentType, connectContentType(false, codec));
  headers.set(headerProtocolVersion, protocolVersion1);
}

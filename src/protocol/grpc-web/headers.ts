/** gRPC-web header names (connect-es), lower-cased where the edge compares them. */
export {
  headerGrpcStatus,
  headerGrpcMessage,
  headerStatusDetailsBin,
  headerTimeout,
  headerEncoding,
  headerAcceptEncoding,
  headerXGrpcWeb,
  headerXUserAgent,
} from "@connectrpc/connect/protocol-grpc-web";

/** Without a client preference the origin must not compress frames (protocols.md §1.7). */
export const acceptEncodingIdentity = "identity";

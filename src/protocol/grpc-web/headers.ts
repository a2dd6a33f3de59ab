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

/** Without a client preference the origin must not compress frames (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)). */
export const acceptEncodingIdentity = "identity";

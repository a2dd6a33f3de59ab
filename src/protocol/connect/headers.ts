/** Connect header names (connect-es). */
export {
  headerTimeout,
  headerProtocolVersion,
  headerUnaryEncoding,
  headerStreamEncoding,
} from "@connectrpc/connect/protocol-connect";

/**
 * The wire code the worker uses, in one place: recognising a call (detect, deadline, limits),
 * each protocol's headers and content types, relaying and validating origin answers,
 * translation between gRPC-web and Connect, and the one `EdgeError` → wire response step.
 * The worker imports protocol code only from here (test/architecture/import-rules.test.ts).
 */
export { Code, ConnectError, errorResponse, unforwardableError, type ErrorTarget } from "./edge-error.ts";
export {
  headerContentLength,
  headerOrigin,
  headerVary,
  headerCfConnectingIp,
  headerForwarded,
  headerXForwardedFor,
  headerXForwardedHost,
  headerXForwardedProto,
  headerAccept,
  headerContentType,
  stripHopByHop,
} from "./headers.ts";
export { detectProtocol, type ClientProtocol, type Detected } from "./detect.ts";
export { parseProcedure, type Procedure } from "./procedure.ts";
export { cors } from "@connectrpc/connect";
export { checkRequestBody, requestBodyGuard, messageTooLarge } from "./request-limits.ts";
export { decodeTextBytes, createTextDecodeStream } from "./grpc-web/text-codec.ts";
export { checkConnectGetMessage } from "./connect/get.ts";
export { parseDeadline, deadlineHeader, formatConnectTimeout, formatGrpcTimeout } from "./deadline.ts";
export { grpcWebContentType, parseContentType as parseGrpcWebContentType } from "./grpc-web/content-type.ts";
export { acceptEncodingIdentity, headerAcceptEncoding, headerGrpcStatus, headerStatusDetailsBin } from "./grpc-web/headers.ts";
export { connectToGrpcWebHeaders, grpcWebToConnectHeaders } from "./translate-headers.ts";
export { codeFromHttpStatus } from "@connectrpc/connect/protocol-grpc";
export { connectStreamErrorResponse, connectUnaryErrorResponse } from "./connect/error.ts";
export { contentTypeErrorJson, contentTypeStreamRegExp, contentTypeUnaryRegExp, connectContentType } from "./connect/content-type.ts";
export { relayConnectStreamBody } from "./connect/response.ts";
export { grpcWebErrorResponse } from "./grpc-web/error.ts";
export { invalidGrpcStatus, parseGrpcStatus } from "./status-check.ts";
export { concat } from "./bytes.ts";
export { notProtocolError } from "./not-protocol.ts";
export { codeFromString } from "@connectrpc/connect/protocol-connect";
export { relayGrpcWebBody } from "./grpc-web/response.ts";
export { encodeEnvelope } from "@connectrpc/connect/protocol";
export { connectRequestMessage, readConnectUnary, writeConnectUnary } from "./connect/unary.ts";
export { connectStreamFromGrpcWeb } from "./connect/from-grpc-web.ts";
export { grpcWebRequestMessage, readGrpcWebUnary, writeGrpcWebUnary } from "./grpc-web/unary.ts";
export { metadataOnly } from "./unary.ts";

/**
 * The wire code the worker uses, in one place: recognising a call (detect, deadline, limits),
 * each protocol's headers and content types, relaying and validating origin answers,
 * translation between gRPC-web and Connect, and the one `EdgeError` → wire response step.
 * The worker imports protocol code only from here (test/architecture/import-rules.test.ts).
 */

// Errors, and the one step that writes them in the caller's protocol.
export { Code, ConnectError, errorResponse, unforwardableError, type ErrorTarget } from "./edge-error.ts";

// Recognising a call.
export { detectProtocol, type ClientProtocol, type Detected } from "./detect.ts";
export { parseProcedure, type Procedure } from "./procedure.ts";
export { parseDeadline, deadlineHeader, formatConnectTimeout, formatGrpcTimeout } from "./deadline.ts";
export { requestBodyCheck, messageTooLarge, type RequestBodyCheck } from "./request-limits.ts";
export { checkConnectGetMessage } from "./connect/get.ts";
export { cors } from "@connectrpc/connect";

// Headers.
export {
  headerAccept,
  headerCfConnectingIp,
  headerContentLength,
  headerContentType,
  headerForwarded,
  headerOrigin,
  headerVary,
  headerXForwardedFor,
  headerXForwardedHost,
  headerXForwardedProto,
  stripHopByHop,
} from "./headers.ts";
export { acceptEncodingIdentity, headerAcceptEncoding } from "./grpc-web/headers.ts";
export { grpcWebContentType } from "./grpc-web/content-type.ts";

// Request bodies.
export { decodeTextBytes } from "./grpc-web/text-codec.ts";

// Origin answers: a status known early (for retries), and the relay in the caller's protocol.
export { peekStatus } from "./peek-status.ts";
export { relayResponse, type Relayed, type RelayOutcome, type StreamFailure, type RelayWatch } from "./relay-response.ts";

// What a client received, for the access log.
export { observeResponse, type Observed } from "./observe.ts";

// Translation between gRPC-web and Connect.
export { connectToGrpcWebHeaders, grpcWebToConnectHeaders } from "./translate/headers.ts";
export { translatedBody, translatedMethod, type UpstreamBody } from "./translate/request.ts";
export { translatedResponse } from "./translate/response.ts";

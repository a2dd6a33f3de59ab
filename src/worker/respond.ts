import {
  type ConnectError,
  notProtocolError,
  Code,
  ConnectError as EdgeError,
  type ClientProtocol,
  connectStreamErrorResponse,
  connectUnaryErrorResponse,
  contentTypeErrorJson,
  contentTypeStreamRegExp,
  contentTypeUnaryRegExp,
  relayConnectStreamBody,
  grpcWebContentType,
  parseGrpcWebContentType,
  grpcWebErrorResponse,
  headerGrpcStatus,
  headerStatusDetailsBin,
  invalidGrpcStatus,
  relayGrpcWebBody,
  headerContentType,
  stripHopByHop,
} from "../protocol/index.ts";
import type { IdleWatch } from "./idle.ts";

/** Turns a failure of the origin's body stream into the caller's error. */
export type StreamFailure = (reason: unknown) => ConnectError;

const statusOk = 200;

/**
 * The client's response for an origin's answer in the client's own protocol. Genuine
 * protocol answers stream through (framed ones relayed frame by frame, with a status
 * guaranteed at the end); anything else, such as an HTML 502 from a load balancer,
 * becomes an error in the client's protocol with the code from gRPC's HTTP→status
 * table (gRPC's HTTP status mapping (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md)), never the origin's page.
 */
export function relayResponse(client: ClientProtocol, res: Response, failure: StreamFailure, watch?: IdleWatch): Response {
  const refuse = (make: () => Response): Response => {
    watch?.stop();
    res.body?.cancel().catch(() => undefined);
    return make();
  };
  const contentType = res.headers.get(headerContentType);
  const headers = new Headers(res.headers);
  stripHopByHop(headers);
  switch (client.kind) {
    case "grpc-web": {
      const statusInHeaders = res.headers.has(headerGrpcStatus);
      const genuine = parseGrpcWebContentType(contentType) !== undefined && res.ok;
      if (!genuine && !statusInHeaders)
        return refuse(() => grpcWebErrorResponse(notProtocolError(res, "gRPC-web"), grpcWebContentType(client.responseText, client.codec)));
      const badStatus =
        statusInHeaders && !res.headers.has(headerStatusDetailsBin) ? invalidGrpcStatus(res.headers.get(headerGrpcStatus)) : undefined;
      if (badStatus !== undefined)
        return refuse(() => grpcWebErrorResponse(badStatus, grpcWebContentType(client.responseText, client.codec)));
      headers.set(headerContentType, grpcWebContentType(client.responseText, client.codec));
      const body = res.body === null ? null : relayGrpcWebBody(res.body, { text: client.responseText, statusInHeaders, failure, watch });
      if (body === null) watch?.stop();
      if (body === null && !statusInHeaders)
        return grpcWebErrorResponse(
          new EdgeError("protocol error: missing status", Code.Internal),
          grpcWebContentType(client.responseText, client.codec),
        );
      return new Response(body, { status: statusOk, headers });
    }
    case "connect-unary": {
      const success = res.status === statusOk && contentType !== null && contentTypeUnaryRegExp.test(contentType);
      const connectError = res.status !== statusOk && contentType !== null && contentType.toLowerCase().startsWith(contentTypeErrorJson);
      if (!success && !connectError) return refuse(() => connectUnaryErrorResponse(notProtocolError(res, "Connect")));
      return new Response(res.body, { status: res.status, headers });
    }
    case "connect-stream": {
      const success = res.status === statusOk && contentType !== null && contentTypeStreamRegExp.test(contentType);
      if (!success || res.body === null)
        return refuse(() => connectStreamErrorResponse(notProtocolError(res, "Connect streaming"), client.codec));
      return new Response(relayConnectStreamBody(res.body, failure, watch), { status: statusOk, headers });
    }
  }
}

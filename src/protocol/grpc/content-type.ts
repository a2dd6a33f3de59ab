/**
 * Native gRPC, only ever recognised to be refused: a Worker has no HTTP trailers
 * (the Workers runtime (https://developers.cloudflare.com/workers/runtime-apis/fetch/)), so `application/grpc` can be neither received nor forwarded.
 */

/** `application/grpc` and `application/grpc+<codec>`, parameters allowed. */
export const contentTypeGrpcRegExp = /^application\/grpc(?:\+[a-z0-9.-]+)?(?:\s*;.*)?$/i;
export const contentTypeGrpc = "application/grpc";

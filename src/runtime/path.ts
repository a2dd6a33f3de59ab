/** The service and method of a gRPC path, or null when it is not `/pkg.Service/Method`. */
export interface MethodName {
  service: string;
  method: string;
}

/** The CRD's limit on `method.service` and `method.method`; nothing longer can match a route. */
export const MAX_NAME_LENGTH = 1024;

// Protobuf identifiers: a service is dotted, a method is one identifier. Linear: the dot
// separates the repetitions, so there is nothing to backtrack over.
const METHOD_PATH = /^\/([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\/([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * `/pkg.Service/Method` → parts; anything else → null, answered with UNIMPLEMENTED. Strict
 * on purpose: GRPCRoute matches exactly `/{service}/{method}`, so a routing prefix, extra
 * or empty segments, `..`, percent-encoding or over-long names can name no routed method,
 * and rejecting them here keeps odd paths from reaching any origin.
 */
export function parseMethodPath(path: string): MethodName | null {
  if (path.length > 2 * MAX_NAME_LENGTH + 2) return null;
  const m = METHOD_PATH.exec(path);
  if (m === null) return null;
  const service = m[1]!;
  const method = m[2]!;
  if (service.length > MAX_NAME_LENGTH || method.length > MAX_NAME_LENGTH) return null;
  return { service, method };
}

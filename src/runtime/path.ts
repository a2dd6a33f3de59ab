/** The service and method of a gRPC path, or null when it is not `/pkg.Service/Method`. */
export interface MethodName {
  service: string;
  method: string;
}

/**
 * `/pkg.Service/Method` → parts. A Connect routing prefix (`/api/pkg.Service/Method`) is
 * allowed: the last two segments are the service and the method. Empty segments are not.
 */
export function parseMethodPath(path: string): MethodName | null {
  const slash = path.lastIndexOf("/");
  if (slash <= 0 || slash === path.length - 1) return null;
  const before = path.lastIndexOf("/", slash - 1);
  if (before < 0 || before === slash - 1) return null;
  return { service: path.slice(before + 1, slash), method: path.slice(slash + 1) };
}

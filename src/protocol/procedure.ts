import { parseMethodPath } from "../runtime/path.ts";

/** A gRPC procedure named by a request path. */
export interface Procedure {
  service: string;
  method: string;
  /** `/pkg.Service/Method`, without any routing prefix: what the origin is called with. */
  path: string;
}

/**
 * `/pkg.Service/Method`, or `/prefix/.../pkg.Service/Method` with a Connect routing
 * prefix (protocols.md §6.2: the last two segments count). Null for anything else, which
 * the edge answers with UNIMPLEMENTED.
 */
export function parseProcedure(pathname: string): Procedure | null {
  const name = parseMethodPath(pathname);
  if (name === null) return null;
  return { ...name, path: `/${name.service}/${name.method}` };
}

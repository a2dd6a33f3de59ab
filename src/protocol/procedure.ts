import { parseMethodPath } from "../runtime/path.ts";

/** A gRPC procedure named by a request path. */
export interface Procedure {
  service: string;
  method: string;
  /** `/pkg.Service/Method`: what the origin is called with. */
  path: string;
}

/**
 * `/pkg.Service/Method`, exactly (see parseMethodPath for why no routing prefix). Null for
 * anything else, which the edge answers with UNIMPLEMENTED.
 */
export function parseProcedure(pathname: string): Procedure | null {
  const name = parseMethodPath(pathname);
  if (name === null) return null;
  return { ...name, path: pathname };
}

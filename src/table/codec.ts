import { TABLE_VERSION, type RouteTable } from "./types.ts";

/**
 * The table as bytes. JSON, because workerd and wrangler import it natively and it
 * needs no decoder in the bundle; determinism comes from the compiler's fixed order.
 */
export function serializeTable(table: RouteTable): string {
  return JSON.stringify(table);
}

/** Parses and checks the version, so an old table fails loudly at load, not oddly per request. */
export function parseTable(json: string): RouteTable {
  const value = JSON.parse(json) as { version?: unknown };
  if (value.version !== TABLE_VERSION) {
    throw new Error(`route table version ${String(value.version)} is not ${TABLE_VERSION}: recompile the routes`);
  }
  return value as RouteTable;
}

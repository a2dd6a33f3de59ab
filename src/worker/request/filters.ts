import type { Filters, HeaderOps } from "../../table/types.ts";

/**
 * Apply Gateway API header modifiers in order (outermost first). `add` appends to an
 * existing value with a comma, as the mesh conformance tests expect; `set` replaces.
 */
export function applyHeaderOps(headers: Headers, ops: HeaderOps | undefined): void {
  if (ops === undefined) return;
  for (const [name, value] of ops.set) headers.set(name, value);
  for (const [name, value] of ops.add) headers.append(name, value);
  for (const name of ops.remove) headers.delete(name);
}

/** Request modifiers of every filter set, in order. */
export function applyRequestFilters(headers: Headers, filters: readonly Filters[]): void {
  for (const f of filters) applyHeaderOps(headers, f.request);
}

/** Response modifiers of every filter set, in order. */
export function applyResponseFilters(headers: Headers, filters: readonly Filters[]): void {
  for (const f of filters) applyHeaderOps(headers, f.response);
}

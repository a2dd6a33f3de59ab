import type { RouteTable, Rule } from "../table/types.ts";
import type { PickedBackend, Random } from "./types.ts";

/**
 * A backend id drawn with probability weight/sum, or -1 when every weight is zero.
 * Weight-0 backends are not in `rule.backends` at all, so they can never be drawn.
 */
export function pickWeighted(rule: Rule, random: Random): number {
  const cum = rule.cumulative;
  const n = cum.length;
  if (n === 0) return -1;
  if (n === 1) return rule.backends[0]!;
  const target = random() * cum[n - 1]!;
  // First running sum above the target: at most 16 entries, so a binary search is 4 steps.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return rule.backends[lo]!;
}

/** The weight the manifests gave the rule's `i`-th backend (the table keeps running sums). */
export function backendWeight(rule: Rule, i: number): number {
  return rule.cumulative[i]! - (i === 0 ? 0 : rule.cumulative[i - 1]!);
}

/** A table backend as the worker sends to it: its name and the origin behind it, if any. */
export function pickedBackend(table: RouteTable, id: number): PickedBackend {
  const b = table.backends[id]!;
  const out: PickedBackend = { name: b.name, namespace: b.namespace, port: b.port, origin: b.origin < 0 ? null : table.origins[b.origin]! };
  if (b.invalid !== undefined) out.invalid = b.invalid;
  return out;
}

import type { Code } from "../../protocol/index.ts";
import { backendWeight, pickedBackend } from "../../runtime/pick.ts";
import type { Decision, PickedBackend, Random } from "../../runtime/types.ts";
import { type Backend, DEFAULT_RETRY_LIMIT, type RouteTable, type Rule } from "../../table/types.ts";
import type { OriginOverrides } from "../origins.ts";
import { resolveOrigin } from "../origins.ts";

export type ForwardDecision = Extract<Decision, { kind: "forward" }>;

/**
 * Retry policy (README "Retries"). A call is sent again, to another backend of the same
 * rule when it has one, when
 * - nothing of it reached the origin (the connection failed before any request byte was
 *   taken), or the origin answered a status listed in the route's `retry.linkerd.io/grpc`;
 * - it is not a Connect stream, and its request body is complete and at most 64 KiB (so
 *   a gRPC-web call, whose kind the edge cannot know, is retried only when it was small
 *   enough to be held: a unary or server-streaming request);
 * - retries are left (`retry.linkerd.io/limit`, default 1) and the deadline has not passed.
 */
export interface RetryBudget {
  limit: number;
  codes: ReadonlySet<Code>;
  /**
   * HTTP statuses of a non-gRPC answer to retry (a BackendTrafficPolicy's HTTP triggers).
   * With them, `codes` count only a real `grpc-status`, never one the edge derived from an
   * HTTP status, as Envoy's gRPC triggers do.
   */
  httpStatuses?: ReadonlySet<number>;
  backoff?: { baseMs: number; maxMs: number };
}

/** The table rule that drew the decision's backend (after any Service hops). */
export function ruleOf(table: RouteTable, decision: ForwardDecision): Rule | undefined {
  return table.rules[decision.ruleId];
}

export function retryPolicy(rule: Rule | undefined): RetryBudget {
  const r = rule?.retry;
  const out: RetryBudget = { limit: r?.limit ?? DEFAULT_RETRY_LIMIT, codes: new Set((r?.codes ?? []) as Code[]) };
  if (r?.httpStatuses !== undefined) out.httpStatuses = new Set(r.httpStatuses);
  if (r?.backoff !== undefined) out.backoff = r.backoff;
  return out;
}

const same = (a: { name: string; namespace: string; port: number }, b: { name: string; namespace: string; port: number }): boolean =>
  a.name === b.name && a.namespace === b.namespace && a.port === b.port;

/**
 * Another backend of the decision's rule, drawn by weight among those with an origin that
 * are not the one that failed (nor a Service with routes of its own). Undefined when the
 * rule has no other: the retry goes to the same backend.
 */
export function redraw(
  table: RouteTable,
  decision: ForwardDecision,
  overrides: OriginOverrides,
  random: Random,
): { decision: ForwardDecision; origin: NonNullable<PickedBackend["origin"]> } | undefined {
  const rule = ruleOf(table, decision);
  if (rule === undefined) return undefined;
  const failed = decision.backend;
  const options: { backend: Backend; picked: PickedBackend; origin: NonNullable<PickedBackend["origin"]>; weight: number }[] = [];
  const failedFilters = new Set<object>();
  rule.backends.forEach((id, i) => {
    const backend = table.backends[id]!;
    if (same(backend, failed)) {
      failedFilters.add(backend.filters);
      return;
    }
    if (backend.scope >= 0) return;
    const picked = pickedBackend(table, id);
    const origin = resolveOrigin(picked, overrides);
    if (origin === null) return;
    options.push({ backend, picked, origin, weight: backendWeight(rule, i) });
  });
  const sum = options.reduce((n, o) => n + o.weight, 0);
  if (sum <= 0) return undefined;
  let x = random() * sum;
  const choice = options.find((o) => (x -= o.weight) < 0) ?? options[options.length - 1]!;
  const filters = decision.filters.filter((f) => !failedFilters.has(f));
  const f = choice.backend.filters;
  if (f.request !== undefined || f.response !== undefined) filters.push(f);
  // Mirrors go with the first attempt only: attempt() sends none on a retry.
  return { decision: { ...decision, backend: choice.picked, filters }, origin: choice.origin };
}

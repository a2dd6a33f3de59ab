import {
  codeFromHttpStatus,
  Code,
  codeFromString,
  concat,
  parseGrpcStatus,
  contentTypeErrorJson,
  parseGrpcWebContentType,
  headerGrpcStatus,
  headerContentType,
} from "../protocol/index.ts";
import { backendWeight, pickedBackend } from "../runtime/pick.ts";
import type { Decision, PickedBackend, Random } from "../runtime/types.ts";
import { type Backend, DEFAULT_RETRY_LIMIT, type OriginProtocol, type RouteTable, type Rule } from "../table/types.ts";
import type { OriginOverrides } from "./origins.ts";
import { resolveOrigin } from "./origins.ts";

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
}

/** The table rule that drew the decision's backend (after any Service hops). */
export function ruleOf(table: RouteTable, decision: ForwardDecision): Rule | undefined {
  return table.rules[decision.ruleId];
}

export function retryPolicy(rule: Rule | undefined): RetryBudget {
  return { limit: rule?.retry?.limit ?? DEFAULT_RETRY_LIMIT, codes: new Set((rule?.retry?.codes ?? []) as Code[]) };
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

/** A status-only answer is small; anything larger is not looked at. */
const peekMaxBytes = 16 * 1024;

/**
 * The error status of an origin's answer when it can be known before any message is
 * relayed (trailers-only gRPC-web, a trailer as the first frame, a Connect unary error,
 * or a non-protocol HTTP error), and the answer rebuilt with whatever was read. `code`
 * is undefined for success or a stream that starts with a message.
 */
export async function peekStatus(res: Response, target: OriginProtocol): Promise<{ res: Response; code: Code | undefined }> {
  const type = res.headers.get(headerContentType) ?? "";
  const status = res.headers.get(headerGrpcStatus);
  if (target === "grpc-web" && status !== null) {
    const v = status.trim();
    return { res, code: v === "0" ? undefined : (parseGrpcStatus(v) ?? Code.Internal) };
  }
  const genuine =
    target === "grpc-web"
      ? res.ok && parseGrpcWebContentType(type) !== undefined
      : res.status === 200 || type.toLowerCase().startsWith(contentTypeErrorJson);
  if (!genuine) return { res, code: codeFromHttpStatus(res.status) };
  if (res.body === null || (target === "connect" && res.status === 200)) return { res, code: undefined };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const want = (bytes: Uint8Array): number => {
    if (target === "connect") return peekMaxBytes + 1;
    if (bytes.length < 5) return 5;
    return (bytes[0]! & 0x80) === 0 ? 1 : 5 + new DataView(bytes.buffer, bytes.byteOffset, 5).getUint32(1);
  };
  let head: Uint8Array = new Uint8Array(0);
  while (!ended && size < Math.min(want(head), peekMaxBytes + 1)) {
    const next = await reader.read();
    if (next.done) ended = true;
    else {
      chunks.push(next.value);
      size += next.value.byteLength;
      head = concat(chunks);
    }
  }
  let emitted = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (!emitted) {
        emitted = true;
        if (head.length > 0) return c.enqueue(head);
      }
      if (ended) return c.close();
      const next = await reader.read();
      if (next.done) c.close();
      else c.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const rebuilt = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  return { res: rebuilt, code: statusOf(head, target, ended) };
}

function statusOf(head: Uint8Array, target: OriginProtocol, ended: boolean): Code | undefined {
  try {
    if (target === "connect") {
      if (!ended) return undefined;
      const code = (JSON.parse(new TextDecoder().decode(head)) as { code?: unknown }).code;
      return typeof code === "string" ? codeFromString(code) : undefined;
    }
    if (head.length < 5 || (head[0]! & 0x81) !== 0x80) return undefined;
    const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1);
    if (head.length < 5 + length) return undefined;
    for (const line of new TextDecoder().decode(head.subarray(5, 5 + length)).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "grpc-status") {
        const v = line.slice(colon + 1).trim();
        return v === "0" ? undefined : (parseGrpcStatus(v) ?? Code.Internal);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

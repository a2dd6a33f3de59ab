import {
  checkConnectGetMessage,
  detectProtocol,
  type Detected,
  type ClientProtocol,
  parseDeadline,
  Code,
  ConnectError,
  errorResponse,
  unforwardableError,
  type ErrorTarget,
  headerContentLength,
  headerOrigin,
  parseProcedure,
  messageTooLarge,
  requestBodyCheck,
} from "../protocol/index.ts";
import type { Random, RouteRequest } from "../runtime/types.ts";
import type { Matcher } from "../runtime/matcher.ts";
import type { RejectCode } from "../table/types.ts";
import { applyCors, preflightResponse } from "./cors.ts";
import { ConfigError, edgeConfig, type EdgeConfig } from "./config.ts";
import { ClientBody } from "./body/client-body.ts";
import { replayMaxBytes } from "./body/replay.ts";
import { startCallTimer } from "./call/deadline-signal.ts";
import type { EdgeEnv } from "./env.ts";
import { applyResponseFilters } from "./request/filters.ts";
import { forward } from "./call/forward.ts";
import { resolveOrigin } from "./origins.ts";
import { ruleOf } from "./call/retry.ts";
import { enforceSecurity } from "./policy/security.ts";
import { enforceLimits } from "./policy/rate-limit.ts";
import { CallLog } from "./observe/call-log.ts";
import { headerRequestId, headerTraceparent, traceIds, type TraceIds } from "./observe/trace.ts";

const rejectCodes: Record<RejectCode, Code> = {
  unimplemented: Code.Unimplemented,
  unavailable: Code.Unavailable,
};

/** Per-request inputs from the Workers runtime. */
export interface RequestContext {
  env: EdgeEnv;
  waitUntil(promise: Promise<unknown>): void;
  random: Random;
}

/** Control characters RFC 9110 forbids in a field value (HTAB is allowed). */
const controlCharacter = /[\x00-\x08\x0a-\x1f\x7f]/;

/** What a caller sees of an error the edge did not mean to produce: no message, no stack. */
function internalError(e: unknown, log: CallLog): ConnectError {
  log.error(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return new ConnectError("internal error at the edge", Code.Internal);
}

/** The error to answer for anything thrown: ConnectErrors are the edge's own; the rest is hidden. */
function clientError(e: unknown, log: CallLog): ConnectError {
  return e instanceof ConnectError ? e : internalError(e, log);
}

/**
 * One request through the edge: classify (docs/edge.md), route with the matcher,
 * pick the origin (with `ORIGINS` overrides), forward, and write every failure in the
 * caller's protocol. CORS and response filters apply to whatever comes back. Never
 * throws: a thrown exception would become workerd's HTML 500.
 */
export async function handleRequest(request: Request, matcher: Matcher, rc: RequestContext): Promise<Response> {
  let detected: Detected = { kind: "unknown", looksLike: "connect", reason: "" };
  const ids = traceIds(request.headers, rc.env.TRACEPARENT !== "off");
  // Parsed once: a URL parse is a measurable part of a call's cost in workerd.
  const url = new URL(request.url);
  const log = new CallLog(request, url.host, ids.requestId, ids.traceId, rc.env);
  try {
    detected = detectProtocol(request.method, request.headers, url);
    // A preflight is the browser's question, not a call: it gets no log line.
    if (detected.kind === "preflight") return await handle(request, url, detected, matcher, rc, log, ids);
    const response = await handle(request, url, detected, matcher, rc, log, ids);
    response.headers.set(headerRequestId, ids.requestId);
    return log.finish(response, isClient(detected) ? detected : undefined);
  } catch (e) {
    const target: ErrorTarget = detected.kind === "preflight" ? { kind: "unknown", looksLike: "connect", reason: "" } : detected;
    try {
      const error = internalError(e, log);
      log.edge(error);
      return log.finish(errorResponse(target, error), isClient(detected) ? detected : undefined);
    } catch {
      return new Response('{"code":"internal","message":"internal error at the edge"}', {
        status: 500,
        headers: { "content-type": "application/json" },
      });
    }
  }
}

/**
 * Small bodies of known length (every unary and server-streaming call from a browser) are
 * read whole: a retry resends the same bytes, and fetch() gets a plain buffer it sends with
 * a Content-Length, with no JavaScript stream in the way (the bulk of the edge's per-call
 * cost in workerd, BENCHMARKS.md). Everything else streams (forward.ts).
 */
function readsWhole(request: Request): boolean {
  const declared = request.headers.get(headerContentLength);
  const length = declared === null ? Number.NaN : Number(declared);
  return request.body !== null && Number.isInteger(length) && length >= 0 && length <= replayMaxBytes;
}

const isClient = (d: Detected): d is ClientProtocol => d.kind === "grpc-web" || d.kind === "connect-unary" || d.kind === "connect-stream";

/** The client's headers with the request id and, when the edge started a trace, its traceparent. */
function withTrace(headers: Headers, ids: TraceIds): Headers {
  const out = new Headers(headers);
  out.set(headerRequestId, ids.requestId);
  if (ids.started !== undefined) out.set(headerTraceparent, ids.started);
  return out;
}

async function handle(
  request: Request,
  url: URL,
  detected: Detected,
  matcher: Matcher,
  rc: RequestContext,
  log: CallLog,
  ids: TraceIds,
): Promise<Response> {
  const loaded = edgeConfig(rc.env);
  if (loaded instanceof ConfigError) {
    // Without a usable config there is no CORS answer to give: the browser refuses.
    if (detected.kind === "preflight") return new Response(null, { status: 204 });
    await new ClientBody(request.body).drain();
    return errorResponse(detected, loaded.toConnectError());
  }
  const config: EdgeConfig = loaded;
  if (detected.kind === "preflight") return preflightResponse(config.cors, request.headers);
  let response: Response;
  let target: ErrorTarget = detected;
  // Until it is read (below, or by forward), the body is only drained after an early answer.
  let body = new ClientBody(request.body);
  let rateHeaders: Headers | undefined;
  try {
    if (detected.kind === "grpc" || detected.kind === "unknown") throw unforwardableError(detected);
    const client = detected;
    target = client;
    log.client(client);
    const procedure = parseProcedure(url.pathname);
    if (procedure === null) {
      throw new ConnectError(`path ${url.pathname} is not a gRPC procedure: expected /pkg.Service/Method`, Code.Unimplemented);
    }
    log.set("service", procedure.service);
    log.set("method", procedure.method);
    for (const [name, value] of request.headers) {
      if (controlCharacter.test(value)) throw new ConnectError(`request header ${name} holds a control character`, Code.InvalidArgument);
    }
    const max = config.limits.maxMessageBytes;
    if (client.kind === "connect-unary") {
      if (client.get) {
        const bad = checkConnectGetMessage(url, max);
        if (bad !== undefined) throw bad;
      } else {
        const length = Number(request.headers.get(headerContentLength) ?? "0");
        if (length > max) throw messageTooLarge(length, max);
      }
    }
    const now = Date.now();
    const deadline = parseDeadline(client, request.headers, now);
    if (deadline.error !== undefined) throw deadline.error;
    const routeRequest: RouteRequest = { host: url.host, path: procedure.path, header: (name) => request.headers.get(name) };
    const decision = matcher.route(routeRequest, rc.random);
    if (decision.route !== undefined) {
      log.set("route", `${decision.route.namespace}/${decision.route.name}`);
      log.set("rule", decision.rule);
    }
    if (decision.kind === "reject") throw new ConnectError(decision.message, rejectCodes[decision.code]);
    const b = decision.backend;
    log.set("backend", `${b.namespace}/${b.name}:${b.port}`);
    log.set("rule_name", matcher.table.rules[decision.edgeRuleId]?.name);
    // A SecurityPolicy decides before anything is sent: a denied call reaches no origin,
    // no mirror, and is never retried.
    const security = matcher.table.rules[decision.edgeRuleId]?.security;
    const allowed =
      security === undefined ? undefined : await enforceSecurity(matcher.table.security![security]!, request, url, rc.env, matcher.regexes);
    // Rate limits count after authentication (they may key on what it asserted) and
    // before the origin; a limited call is never sent, mirrored or retried.
    const limitsAt = matcher.table.rules[decision.edgeRuleId]?.limits;
    if (limitsAt !== undefined) {
      const counted = await enforceLimits(matcher.table.limits![limitsAt]!, {
        route: decision.route,
        rule: decision.rule,
        method: request.method,
        url: allowed?.url ?? url,
        headers: allowed?.headers ?? request.headers,
        clientIp: request.headers.get("cf-connecting-ip") ?? undefined,
        env: rc.env,
        regexes: matcher.regexes,
        limiterBinding: matcher.table.bindings?.globalLimiter?.binding,
      });
      rateHeaders = counted.headers;
    }
    const origin = resolveOrigin(decision.backend, config.origins);
    if (origin === null) {
      const b = decision.backend;
      throw new ConnectError(
        `no origin for backend ${b.name}.${b.namespace}:${b.port}${b.invalid ? ` (${b.invalid})` : ""}`,
        Code.Unavailable,
      );
    }
    const rule = ruleOf(matcher.table, decision);
    // timeout.linkerd.io/request: the route's deadline, unless the client's is sooner.
    const routeDeadline = rule?.timeoutMs !== undefined ? now + rule.timeoutMs : undefined;
    const deadlineAt =
      deadline.at === undefined ? routeDeadline : routeDeadline === undefined ? deadline.at : Math.min(deadline.at, routeDeadline);
    const timer = startCallTimer(deadlineAt);
    if (deadlineAt !== undefined) log.set("deadline_ms", deadlineAt - now);
    log.set("origin_host", origin.binding !== undefined ? `binding:${origin.binding}` : new URL(origin.url).host);
    const headers = allowed?.headers ?? request.headers;
    let whole: Uint8Array | undefined;
    if (readsWhole(request)) {
      // Read against the call's deadline, and without one against the idle timeout, so a
      // client that stalls mid-body is answered rather than waited on forever.
      body = new ClientBody(request.body, requestBodyCheck(client, headers, max), Number(request.headers.get(headerContentLength)));
      whole = await body.readWhole(timer, rule?.idleTimeoutMs ?? config.limits.streamIdleTimeoutMs);
      log.request(body.rawBytes, body.messages());
    }
    response = await forward({
      client,
      procedure,
      request,
      headers: withTrace(headers, ids),
      body: whole === undefined ? request.body : null,
      whole,
      url: allowed?.url ?? url,
      decision,
      origin,
      config,
      env: rc.env,
      timer,
      waitUntil: rc.waitUntil,
      table: matcher.table,
      rule,
      random: rc.random,
      log,
    });
    applyResponseFilters(response.headers, decision.filters);
    rateHeaders?.forEach((v, k) => response.headers.set(k, v));
  } catch (e) {
    await body.drain();
    const error = clientError(e, log);
    log.edge(error);
    response = errorResponse(target, error);
  }
  applyCors(config.cors, request.headers.get(headerOrigin), response.headers);
  return response;
}

import { detectProtocol } from "../protocol/detect.ts";
import { parseDeadline } from "../protocol/deadline.ts";
import { Code, ConnectError, errorResponse, unforwardableError, type ErrorTarget } from "../protocol/edge-error.ts";
import { headerOrigin } from "../protocol/headers.ts";
import { parseProcedure } from "../protocol/procedure.ts";
import type { Random, RouteRequest } from "../runtime/types.ts";
import type { Matcher } from "../runtime/matcher.ts";
import type { RejectCode } from "../table/types.ts";
import { applyCors, preflightResponse } from "./cors.ts";
import { edgeConfig } from "./config.ts";
import { drainableBody } from "./drain.ts";
import { startCallTimer } from "./deadline-signal.ts";
import type { EdgeEnv } from "./env.ts";
import { applyResponseFilters } from "./filters.ts";
import { forward } from "./forward.ts";
import { resolveOrigin } from "./origins.ts";

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

/**
 * One request through the edge: classify (protocols.md §6.1), route with the matcher,
 * pick the origin (with `ORIGINS` overrides), forward, and write every failure in the
 * caller's protocol. CORS and response filters apply to whatever comes back.
 */
export async function handleRequest(request: Request, matcher: Matcher, rc: RequestContext): Promise<Response> {
  const config = edgeConfig(rc.env);
  const url = new URL(request.url);
  const detected = detectProtocol(request.method, request.headers, url);
  if (detected.kind === "preflight") return preflightResponse(config.cors, request.headers);
  let response: Response;
  let target: ErrorTarget = detected;
  const body = drainableBody(request.body);
  try {
    if (detected.kind === "grpc" || detected.kind === "unknown") throw unforwardableError(detected);
    const client = detected;
    target = client;
    const procedure = parseProcedure(url.pathname);
    if (procedure === null) {
      throw new ConnectError(`path ${url.pathname} is not a gRPC procedure: expected /pkg.Service/Method`, Code.Unimplemented);
    }
    const deadline = parseDeadline(client, request.headers, Date.now());
    if (deadline.error !== undefined) throw deadline.error;
    const routeRequest: RouteRequest = { host: url.host, path: procedure.path, header: (name) => request.headers.get(name) };
    const decision = matcher.route(routeRequest, rc.random);
    if (decision.kind === "reject") throw new ConnectError(decision.message, rejectCodes[decision.code]);
    const origin = resolveOrigin(decision.backend, config.origins);
    if (origin === null) {
      const b = decision.backend;
      throw new ConnectError(`no origin for backend ${b.name}.${b.namespace}:${b.port}${b.invalid ? ` (${b.invalid})` : ""}`, Code.Unavailable);
    }
    const timer = startCallTimer(deadline.at);
    response = await forward({ client, procedure, request, body: body.stream, url, decision, origin, config, env: rc.env, timer, waitUntil: rc.waitUntil });
    applyResponseFilters(response.headers, decision.filters);
  } catch (e) {
    await body.drain();
    response = errorResponse(target, ConnectError.from(e, Code.Internal));
  }
  applyCors(config.cors, request.headers.get(headerOrigin), response.headers);
  return response;
}

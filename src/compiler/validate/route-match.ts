import type { FieldPath, HeaderMatch, MatchType, MethodMatch, RouteMatch } from "../model.ts";
import { re2Problem } from "./regex-re2.ts";
import { EXACT_METHOD, EXACT_SERVICE, LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readHeaderName } from "./fields.ts";
import { field, readList, readObject, readString, required } from "./read.ts";

const MATCH_TYPES: readonly MatchType[] = ["Exact", "RegularExpression"];
const REGEX_CHARS = /[*+?[\]()|\\^$]/;

/**
 * Reports a `RegularExpression` value RE2 refuses (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)),
 * or one whose program is too large to run on client input within a request's CPU time.
 */
export function checkRe2(ck: Checker, value: string, path: FieldPath): boolean {
  const problem = re2Problem(value);
  if (problem === undefined) return true;
  ck.error(path, problem.message, problem.fix);
  return false;
}

function exactFix(v: string, part: "service" | "method"): string {
  if (v.includes("/")) return `put the service in service and the method in method, without "/"`;
  if (REGEX_CHARS.test(v)) return "use type: RegularExpression for a pattern";
  return part === "service"
    ? "use the fully-qualified service name as in the .proto file (package.Service), or type: RegularExpression"
    : "use the method name exactly as in the .proto file, or type: RegularExpression";
}

/** `GRPCMethodMatch` with its three CEL rules (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)). */
function readMethod(ck: Checker, v: unknown, path: FieldPath): MethodMatch | undefined {
  const m = readObject(ck, v, path, { known: ["type", "service", "method"] });
  if (m === undefined) return undefined;
  const type = (readString(ck, field(m, "type"), [...path, "type"], { enum: MATCH_TYPES }) ?? "Exact") as MatchType;
  const service = readString(ck, field(m, "service"), [...path, "service"], { max: LIMITS.methodLength });
  const method = readString(ck, field(m, "method"), [...path, "method"], { max: LIMITS.methodLength });
  if (field(m, "service") === undefined && field(m, "method") === undefined) {
    ck.error(
      path,
      "One or both of 'service' or 'method' must be specified",
      "add service: package.Service and/or method: Method, or remove method to match every call",
    );
  }
  if (type === "Exact") {
    if (service !== undefined && !EXACT_SERVICE.re.test(service)) {
      ck.error(
        [...path, "service"],
        service === ""
          ? `service must not be empty under type: Exact (must match ${EXACT_SERVICE.text})`
          : `${JSON.stringify(service)} is not a valid service name (must match ${EXACT_SERVICE.text})`,
        service === "" ? "remove service to match every service" : exactFix(service, "service"),
      );
    }
    if (method !== undefined && !EXACT_METHOD.re.test(method)) {
      ck.error(
        [...path, "method"],
        method === ""
          ? `method must not be empty under type: Exact (must match ${EXACT_METHOD.text})`
          : `${JSON.stringify(method)} has characters a method name cannot have (must match ${EXACT_METHOD.text})`,
        method === "" ? "remove method to match every method" : exactFix(method, "method"),
      );
    }
  } else {
    if (service !== undefined) checkRe2(ck, service, [...path, "service"]);
    if (method !== undefined) checkRe2(ck, method, [...path, "method"]);
  }
  const out: MethodMatch = { type };
  if (service !== undefined) out.service = service;
  if (method !== undefined) out.method = method;
  return out;
}

/**
 * `headers` of one match: a list map keyed by `name`, so byte-identical names are
 * rejected by the API server, while names equal ignoring case keep only the first (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)).
 */
function readHeaders(ck: Checker, v: unknown, path: FieldPath): HeaderMatch[] {
  const list = readList(ck, v, path, {
    max: LIMITS.headerMatches,
    fix: "use at most 16 header matches; move the rest into another match",
  });
  const out: HeaderMatch[] = [];
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const p = [...path, i];
    const h = readObject(ck, item, p, { known: ["type", "name", "value"] });
    if (h === undefined) return;
    const name = readHeaderName(ck, required(ck, h, "name", p), [...p, "name"]);
    const rawValue = required(ck, h, "value", p);
    const value = readString(ck, rawValue, [...p, "value"], { min: 1, max: LIMITS.headerValueLength });
    const type = (readString(ck, field(h, "type"), [...p, "type"], { enum: MATCH_TYPES }) ?? "Exact") as MatchType;
    if (type === "RegularExpression" && value !== undefined) checkRe2(ck, value, [...p, "value"]);
    if (name === undefined || value === undefined) return;
    const same = exact.get(name);
    if (same !== undefined) {
      ck.error(
        [...p, "name"],
        `duplicate header match name ${JSON.stringify(name)} (already at headers[${same}]); the API server rejects repeated keys`,
        "keep one entry per header name",
      );
      return;
    }
    exact.set(name, i);
    const first = folded.get(name.toLowerCase());
    if (first !== undefined) {
      ck.warn(
        [...p, "name"],
        `header match ${JSON.stringify(name)} is ignored, only the first match for a header name is considered (headers[${first}]; names are case-insensitive)`,
        "remove this entry, or combine both values into one RegularExpression",
      );
      return;
    }
    folded.set(name.toLowerCase(), i);
    out.push({ type, name, value });
  });
  return out;
}

/** One `GRPCRouteMatch` (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)). */
export function readMatch(ck: Checker, v: unknown, path: FieldPath): RouteMatch | undefined {
  const m = readObject(ck, v, path, { known: ["method", "headers"] });
  if (m === undefined) return undefined;
  const out: RouteMatch = { headers: readHeaders(ck, field(m, "headers"), [...path, "headers"]) };
  const method = readMethod(ck, field(m, "method"), [...path, "method"]);
  if (method !== undefined) out.method = method;
  return out;
}

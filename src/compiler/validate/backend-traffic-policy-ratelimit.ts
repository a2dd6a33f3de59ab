import type { FieldPath, RateLimitRuleSpec, RateLimitSelector, RateLimitSpec, RateLimitUnit, RateLimitValueMatch } from "../model.ts";
import { readCidr } from "./cidr.ts";
import type { Checker } from "./context.ts";
import { readHeaderName } from "./fields.ts";
import { HTTP_METHODS, optionalList, readBool, readPathMatch, refuse } from "./policy-fields.ts";
import { field, isObj, readInt, readList, readObject, readString, required, type Obj } from "./read.ts";
import { checkRe2 } from "./route-match.ts";

// `spec.rateLimit` of a BackendTrafficPolicy (https://gateway.envoyproxy.io/docs/api/extension_types/#ratelimitspec):
// the CRD schema and CEL rules, Envoy Gateway's translation checks, and what the edge's counters can do.

const UNITS: readonly RateLimitUnit[] = ["Second", "Minute", "Hour", "Day", "Week", "Month", "Year"];
/** Envoy Gateway's unit lengths (a Month is 30 days, a Year 365), for the local default-bucket rule. */
const UNIT_SECONDS: Readonly<Record<RateLimitUnit, number>> = {
  Second: 1,
  Minute: 60,
  Hour: 3600,
  Day: 86_400,
  Week: 604_800,
  Month: 2_592_000,
  Year: 31_536_000,
};
const VALUE_MATCH_TYPES = ["Exact", "RegularExpression", "Distinct"] as const;
const UINT32_MAX = 4_294_967_295;

/** Which block a rule is in, and whether it takes effect (a deprecated `type` makes the other block inert). */
interface Block {
  kind: "local" | "global";
  /** False for a block `type` makes Envoy Gateway ignore: only the API server's checks apply to it. */
  used: boolean;
}

/** `headers[]` or `queryParams[]` of a selector: Envoy Gateway's `HeaderMatch` and `QueryParamMatch`. */
function readValueMatches(
  ck: Checker,
  v: unknown,
  path: FieldPath,
  what: "header" | "query parameter",
  max: number,
  block: Block,
): RateLimitValueMatch[] {
  const out: RateLimitValueMatch[] = [];
  optionalList(ck, v, path, { max }).forEach((item, i) => {
    const p = [...path, i];
    const m = readObject(ck, item, p, { known: ["name", "type", "value", "invert"] });
    if (m === undefined) return;
    const rawName = required(ck, m, "name", p, `add name: <${what} name>`);
    // Headers are stricter than the schema (length only): the Worker's Headers API throws on a name that is no HTTP token.
    const name =
      what === "header" ? readHeaderName(ck, rawName, [...p, "name"]) : readString(ck, rawName, [...p, "name"], { min: 1, max: 256 });
    const type = (readString(ck, field(m, "type"), [...p, "type"], { enum: VALUE_MATCH_TYPES }) ?? "Exact") as RateLimitValueMatch["type"];
    const value = readString(ck, field(m, "value"), [...p, "value"], { max: 1024 });
    const invert = readBool(ck, field(m, "invert"), [...p, "invert"]) ?? false;
    let ok = name !== undefined;
    if (block.used && type === "Distinct") {
      if (field(m, "value") !== undefined) {
        ck.error(
          [...p, "value"],
          `value must not be set with type Distinct: each distinct ${what} value gets its own counter`,
          "remove value, or use type: Exact to count only requests with that value",
        );
        ok = false;
      }
      if (invert) {
        ck.error([...p, "invert"], "invert is not applicable for type Distinct", "remove invert: true");
        ok = false;
      }
    } else if (block.used && (field(m, "value") === undefined || (what === "query parameter" && value === ""))) {
      // Envoy Gateway takes an empty header value as written, but an empty query parameter value as missing.
      ck.error(
        [...p, "value"],
        `value is required for type ${type}${value === "" ? " (and must not be empty)" : ""}`,
        type === "Exact" ? `add value: <${what} value>, or use type: Distinct for one counter per value` : "add value: <RE2 pattern>",
      );
      ok = false;
    } else if (block.used && type === "RegularExpression" && value !== undefined && !checkRe2(ck, value, [...p, "value"])) {
      ok = false;
    }
    if (!ok || name === undefined) return;
    const match: RateLimitValueMatch = { name, type, invert };
    if (type !== "Distinct" && value !== undefined) match.value = value;
    out.push(match);
  });
  return out;
}

function readSourceCidr(ck: Checker, v: unknown, path: FieldPath, block: Block): RateLimitSelector["sourceCIDR"] {
  const s = readObject(ck, v, path, { known: ["type", "value", "invert"] });
  if (s === undefined) return undefined;
  const type = (readString(ck, field(s, "type"), [...path, "type"], { enum: ["Exact", "Distinct"] }) ?? "Exact") as "Exact" | "Distinct";
  const raw = required(ck, s, "value", path, "add value: <CIDR>, e.g. 203.0.113.0/24");
  const rule = { min: 1, max: 256 };
  // The schema has no pattern: Envoy Gateway parses the value at translation.
  const value = block.used ? readCidr(ck, raw, [...path, "value"], undefined, rule) : readString(ck, raw, [...path, "value"], rule);
  const invert = readBool(ck, field(s, "invert"), [...path, "invert"]) ?? false;
  return value === undefined ? undefined : { type, value, invert };
}

function readSelector(ck: Checker, v: unknown, path: FieldPath, block: Block): RateLimitSelector | undefined {
  const kinds = ["headers", "methods", "path", "sourceCIDR", "queryParams"];
  const s = readObject(ck, v, path, { known: kinds });
  if (s === undefined) return undefined;
  if (!kinds.some((k) => field(s, k) !== undefined)) {
    ck.error(
      path,
      "at least one of headers, methods, path, sourceCIDR or queryParams must be specified",
      "add e.g. headers: [{name: x-user-id, type: Distinct}], or remove the selector to limit all traffic",
    );
  }
  const out: RateLimitSelector = {
    headers: readValueMatches(ck, field(s, "headers"), [...path, "headers"], "header", 128, block),
    methods: [],
    queryParams: readValueMatches(ck, field(s, "queryParams"), [...path, "queryParams"], "query parameter", 16, block),
  };
  optionalList(ck, field(s, "methods"), [...path, "methods"]).forEach((item, i) => {
    const p = [...path, "methods", i];
    const m = readObject(ck, item, p, { known: ["value", "invert"] });
    if (m === undefined) return;
    const value = readString(ck, required(ck, m, "value", p, "add value: POST"), [...p, "value"], { enum: HTTP_METHODS });
    const invert = readBool(ck, field(m, "invert"), [...p, "invert"]) ?? false;
    if (value !== undefined) out.methods.push({ value, invert });
  });
  const pathMatch = readPathMatch(ck, field(s, "path"), [...path, "path"]);
  if (pathMatch !== undefined) out.path = pathMatch;
  const cidr = readSourceCidr(ck, field(s, "sourceCIDR"), [...path, "sourceCIDR"], block);
  if (cidr !== undefined) out.sourceCIDR = cidr;
  return out;
}

/** `cost` is refused, but a Local rule's own CEL rule and cost's one are the API server's and still reported. */
function checkCost(ck: Checker, r: Obj, path: FieldPath, block: Block): void {
  const cost = field(r, "cost");
  if (!isObj(cost)) return;
  for (const side of ["request", "response"]) {
    const c = field(cost, side);
    if (isObj(c) && field(c, "number") !== undefined && field(c, "metadata") !== undefined) {
      ck.error([...path, "cost", side], "only one of number or metadata can be specified", "remove number or metadata");
    }
  }
  if (block.kind === "local" && field(cost, "response") !== undefined) {
    ck.error([...path, "cost", "response"], "response cost is not supported for Local Rate Limits", "remove cost.response", "key");
  }
}

function readUnit(ck: Checker, l: Obj, path: FieldPath, block: Block): RateLimitUnit | undefined {
  const up = [...path, "unit"];
  const unit = readString(ck, required(ck, l, "unit", path, "add unit: Minute"), up, { enum: UNITS }) as RateLimitUnit | undefined;
  if (unit === undefined || !block.used) return unit;
  if (block.kind === "local" && unit !== "Minute") {
    ck.error(
      up,
      `unit ${unit} is not supported for Local rate limits: the Workers rate limiting binding counts per 10 or 60 seconds`,
      "use unit: Minute, or type Global for exact limits in any unit from Second to Day",
    );
    return undefined;
  }
  if (block.kind === "global" && UNIT_SECONDS[unit] > UNIT_SECONDS.Day) {
    ck.error(
      up,
      `unit ${unit} is not supported for Global rate limits: fixed windows at the edge go up to Day`,
      "use unit Second, Minute, Hour or Day",
    );
    return undefined;
  }
  return unit;
}

function readRule(ck: Checker, v: unknown, path: FieldPath, block: Block): RateLimitRuleSpec | undefined {
  const r = readObject(ck, v, path, { known: ["clientSelectors", "limit", "cost", "shared", "shadowMode", "xRateLimitHeaders"] });
  if (r === undefined) return undefined;
  const clientSelectors: RateLimitSelector[] = [];
  optionalList(ck, field(r, "clientSelectors"), [...path, "clientSelectors"], { max: 8 }).forEach((item, i) => {
    const s = readSelector(ck, item, [...path, "clientSelectors", i], block);
    if (s !== undefined) clientSelectors.push(s);
  });
  checkCost(ck, r, path, block);
  if (block.used) {
    refuse(
      ck,
      r,
      "cost",
      path,
      "every request counts as one: the edge's counters take no per-request cost",
      "remove cost, and scale limit.requests instead",
    );
  }
  const lp = [...path, "limit"];
  const l = readObject(ck, required(ck, r, "limit", path, "add limit: {requests: 100, unit: Minute}"), lp, {
    known: ["requests", "unit", "fromMetadata"],
  });
  let limit: RateLimitRuleSpec["limit"] | undefined;
  if (l !== undefined) {
    const requests = readInt(ck, required(ck, l, "requests", lp, "add requests: <count>"), [...lp, "requests"], {
      min: 0,
      max: UINT32_MAX,
    });
    const unit = readUnit(ck, l, lp, block);
    const fm = field(l, "fromMetadata");
    if (fm !== undefined) {
      const f = readObject(ck, fm, [...lp, "fromMetadata"], { known: ["key", "namespace"] });
      if (f !== undefined) {
        for (const k of ["key", "namespace"]) {
          readString(ck, required(ck, f, k, [...lp, "fromMetadata"]), [...lp, "fromMetadata", k], { min: 1 });
        }
      }
      if (block.kind === "local") {
        ck.error([...lp, "fromMetadata"], "limit fromMetadata is not supported for Local Rate Limits", "remove fromMetadata", "key");
      } else if (block.used) {
        refuse(
          ck,
          l,
          "fromMetadata",
          lp,
          "the edge has no Envoy dynamic metadata to read a limit from",
          "remove fromMetadata and write the limit in requests and unit",
        );
      }
    }
    if (requests !== undefined && unit !== undefined) limit = { requests, unit };
  }
  const shared = readBool(ck, field(r, "shared"), [...path, "shared"]) ?? false;
  if (block.used && block.kind === "local" && shared) {
    ck.warn(
      [...path, "shared"],
      "shared is ignored for Local rate limits (Envoy Gateway applies it to Global ones only): each route rule keeps its own counter",
      "remove shared, or move the rule to rateLimit.global",
    );
  }
  const shadowMode = readBool(ck, field(r, "shadowMode"), [...path, "shadowMode"]) ?? false;
  const headers = readString(ck, field(r, "xRateLimitHeaders"), [...path, "xRateLimitHeaders"], { enum: ["Off", "DraftVersion03"] });
  if (limit === undefined) return undefined;
  const out: RateLimitRuleSpec = { clientSelectors, limit, shared: block.kind === "global" && shared, shadowMode };
  if (headers !== undefined) out.xRateLimitHeaders = headers as "Off" | "DraftVersion03";
  return out;
}

/**
 * Envoy Gateway's local checks: at most one rule without clientSelectors (the default bucket), and
 * every other rule's unit a whole multiple of its unit (Envoy's local token buckets require it).
 */
function checkLocalDefault(ck: Checker, items: readonly unknown[], path: FieldPath): void {
  let defaultAt: number | undefined;
  items.forEach((item, i) => {
    if (!isObj(item)) return;
    const sel = field(item, "clientSelectors");
    if (Array.isArray(sel) && sel.length > 0) return;
    if (defaultAt === undefined) defaultAt = i;
    else {
      ck.error(
        [...path, i],
        `local rateLimit can not have more than one rule without clientSelectors (rule ${defaultAt} already has none)`,
        "add clientSelectors to this rule, or merge it into the other one",
      );
    }
  });
  if (defaultAt === undefined) return;
  const unitOf = (item: unknown): RateLimitUnit | undefined => {
    const l = isObj(item) ? field(item, "limit") : undefined;
    const u = isObj(l) ? field(l, "unit") : undefined;
    return typeof u === "string" && (UNITS as readonly string[]).includes(u) ? (u as RateLimitUnit) : undefined;
  };
  const base = unitOf(items[defaultAt]);
  if (base === undefined) return;
  items.forEach((item, i) => {
    const unit = unitOf(item);
    if (i === defaultAt || unit === undefined || UNIT_SECONDS[unit] % UNIT_SECONDS[base] === 0) return;
    ck.error(
      [...path, i, "limit", "unit"],
      `local rateLimit rule limit unit must be a multiple of the default limit unit: ${unit} is not a whole number of ${base}s (the unit of rule ${defaultAt}, which has no clientSelectors)`,
      `use unit: ${base} or a longer one, or change the default rule's unit`,
    );
  });
}

function readBlock(ck: Checker, v: unknown, path: FieldPath, block: Block): { rules: RateLimitRuleSpec[] } | undefined {
  const b = readObject(ck, v, path, { known: ["rules"] });
  if (b === undefined) return undefined;
  const rulesPath = [...path, "rules"];
  const raw =
    block.kind === "global"
      ? readList(ck, required(ck, b, "rules", path, "add rules: [{limit: {requests: 100, unit: Second}}]"), rulesPath, { max: 256 })
      : optionalList(ck, field(b, "rules"), rulesPath, { max: 16 });
  const items = raw ?? [];
  if (block.used && block.kind === "local") checkLocalDefault(ck, items, rulesPath);
  const rules = items.flatMap((item, i) => readRule(ck, item, [...rulesPath, i], block) ?? []);
  return { rules };
}

/** `spec.rateLimit`: the `local` and `global` blocks, with the deprecated `type` choosing one of them. */
export function readRateLimit(ck: Checker, v: unknown, path: FieldPath): RateLimitSpec | undefined {
  const r = readObject(ck, v, path, { known: ["type", "local", "global"] });
  if (r === undefined) return undefined;
  const type = readString(ck, field(r, "type"), [...path, "type"], { enum: ["Global", "Local"] });
  const chosen = type === "Global" ? "global" : type === "Local" ? "local" : undefined;
  if (chosen !== undefined) {
    const other = chosen === "global" ? "local" : "global";
    if (field(r, chosen) === undefined) {
      ck.error(
        [...path, "type"],
        `${chosen} configuration empty for rateLimit: type is ${type}, but rateLimit.${chosen} is not set`,
        `add rateLimit.${chosen} with rules, or remove type (it is deprecated)`,
      );
    }
    if (field(r, other) !== undefined) {
      ck.warn(
        [...path, other],
        `rateLimit.${other} is ignored: type is ${type}, so Envoy Gateway uses only rateLimit.${chosen}`,
        `remove type (it is deprecated) to use both blocks, or remove ${other}`,
        "key",
      );
    }
  }
  const out: RateLimitSpec = {};
  for (const kind of ["local", "global"] as const) {
    const used = chosen === undefined || chosen === kind;
    const b = readBlock(ck, field(r, kind), [...path, kind], { kind, used });
    if (b !== undefined && used) out[kind] = b;
  }
  return out;
}

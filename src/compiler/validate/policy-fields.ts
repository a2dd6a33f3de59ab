import type { FieldPath, PolicyTargetRef, SecretRef } from "../model.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readNamespace, readObjectName, readSectionName } from "./fields.ts";
import { describe, field, readList, readObject, readString, required, type ListRule, type Obj, type StringRule } from "./read.ts";
import { checkRe2 } from "./route-match.ts";
import { GATEWAY_GROUP } from "./schema-patterns.ts";

// Field readers the Envoy Gateway policy kinds share
// (https://gateway.envoyproxy.io/docs/api/extension_types/).

/** Gateway API `Duration` (https://gateway-api.sigs.k8s.io/reference/spec/#duration); not Go's duration syntax. */
export const DURATION = { re: /^([0-9]{1,5}(h|m|s|ms)){1,4}$/, text: "^([0-9]{1,5}(h|m|s|ms)){1,4}$" } as const;

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a string that already matches `DURATION`. */
export function durationMs(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
  return total;
}

/** Reads a `Duration` and returns it in milliseconds, or `defaultMs` when absent or invalid. */
export function readDurationMs(ck: Checker, v: unknown, path: FieldPath, defaultMs: number): number {
  return readDuration(ck, v, path) ?? defaultMs;
}

/** Reads an optional `Duration` in milliseconds; undefined when absent or invalid. */
export function readDuration(ck: Checker, v: unknown, path: FieldPath): number | undefined {
  let fix = 'write a whole number with a unit h, m, s or ms, e.g. "300s" or "1m30s"';
  if (typeof v === "string" && /^\d+$/.test(v)) fix = `add a unit: "${v}s"`;
  else if (typeof v === "string" && /[.]|us|µs|ns/.test(v))
    fix = 'fractions and units below ms are not allowed: write "1500ms" rather than "1.5s"';
  // readString skips the pattern for "", but the API server does not.
  if (v === "") {
    ck.error(path, `"" is not a valid duration (must match ${DURATION.text})`, fix);
    return undefined;
  }
  const s = readString(ck, v, path, { pattern: DURATION, what: "duration", fix });
  return s === undefined ? undefined : durationMs(s);
}

/** The CRD's `HTTPMethod` enum (authorization operations, rate-limit selectors). */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;

const PATH_TYPES = ["Exact", "PathPrefix", "RegularExpression"] as const;

/** Envoy Gateway's `PathMatch` (type PathPrefix and value `/` by default, at most 1024 characters, RE2 for RegularExpression). */
export function readPathMatch(
  ck: Checker,
  v: unknown,
  path: FieldPath,
): { type: (typeof PATH_TYPES)[number]; value: string; invert: boolean } | undefined {
  const o = readObject(ck, v, path, { known: ["type", "value", "invert"] });
  if (o === undefined) return undefined;
  const type = (readString(ck, field(o, "type"), [...path, "type"], { enum: PATH_TYPES }) ?? "PathPrefix") as (typeof PATH_TYPES)[number];
  const value = readString(ck, field(o, "value"), [...path, "value"], { max: 1024 }) ?? "/";
  const invert = readBool(ck, field(o, "invert"), [...path, "invert"]) ?? false;
  if (type === "RegularExpression") checkRe2(ck, value, [...path, "value"]);
  else if (!value.startsWith("/")) {
    ck.warn(
      [...path, "value"],
      `path ${JSON.stringify(value)} does not start with '/', so it never matches a request path`,
      "write the path as gRPC sends it: /package.Service/Method",
    );
  }
  return { type, value, invert };
}

/** Reads a boolean; `"true"` in quotes is a string at the API server, so it is an error here too. */
export function readBool(ck: Checker, v: unknown, path: FieldPath): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  const fix = typeof v === "string" && /^(true|false)$/i.test(v) ? `write ${v.toLowerCase()} without quotes` : "write true or false";
  ck.error(path, `expected a boolean, got ${describe(v)}`, fix);
  return undefined;
}

/**
 * Reads an optional list: `minItems` applies only when the list is written, as at the API
 * server (`readList` treats a minimum as "required").
 */
export function optionalList(ck: Checker, v: unknown, path: FieldPath, rule: ListRule = {}): unknown[] {
  if (v === undefined || v === null) return [];
  return readList(ck, v, path, rule) ?? [];
}

/** Reads an optional list of strings, each checked with `item`. */
export function readStringList(ck: Checker, v: unknown, path: FieldPath, rule: ListRule = {}, item: StringRule = {}): string[] {
  const out: string[] = [];
  optionalList(ck, v, path, rule).forEach((x, i) => {
    const s = readString(ck, x, [...path, i], item);
    if (s !== undefined) out.push(s);
  });
  return out;
}

/**
 * Reports a field the edge refuses: it exists in the CRD, but the Worker cannot do what it
 * asks, and skipping it would let through requests the manifest meant to stop (or stop ones
 * it meant to let through).
 */
export function refuse(ck: Checker, obj: Record<string, unknown>, key: string, path: FieldPath, why: string, fix: string): boolean {
  if (field(obj, key) === undefined) return false;
  ck.error([...path, key], `${key} is not supported by grpcroute-edge: ${why}`, fix, "key");
  return true;
}

/**
 * `SecretObjectReference` (group "" and kind Secret by default). The edge keeps credentials in
 * Worker secrets named after the Secret, so nothing but a core Secret can stand for one.
 * A cross-namespace reference keeps its namespace; ReferenceGrants are checked at resolution.
 */
export function readSecretRef(ck: Checker, v: unknown, path: FieldPath, policyNamespace: string): SecretRef | undefined {
  const o = readObject(ck, v, path, { known: ["group", "kind", "name", "namespace"] });
  if (o === undefined) return undefined;
  const group = readGroup(ck, field(o, "group"), [...path, "group"]);
  const kind = readKind(ck, field(o, "kind"), [...path, "kind"]);
  const name = readObjectName(ck, required(ck, o, "name", path, "add name: <Secret name>"), [...path, "name"]);
  const namespace = readNamespace(ck, field(o, "namespace"), [...path, "namespace"]) ?? policyNamespace;
  let ok = name !== undefined;
  if (group !== undefined && group !== "") {
    ck.error(
      [...path, "group"],
      `group ${JSON.stringify(group)} is not supported: credentials are read only from core Secrets`,
      'use group: ""',
    );
    ok = false;
  }
  if (kind !== undefined && kind !== "Secret") {
    ck.error([...path, "kind"], `kind ${kind} is not supported: credentials are read only from Secrets`, "use kind: Secret");
    ok = false;
  }
  return ok && name !== undefined ? { name, namespace } : undefined;
}

// ---- Targets (`targetRefs`, the deprecated `targetRef`) and `mergeType`, the same in every policy kind ----

/** A policy kind's CEL rules on its targets. */
export interface TargetRules {
  /** The kinds a target may name, in the order the CEL message lists them. */
  kinds: readonly string[];
  /** The kinds `mergeType` may be used with. */
  routeKinds: readonly string[];
  /** How the `mergeType: Replace` CEL message names the kind ("SecurityPolicy", "BackendTrafficPolicySpec"). */
  mergeTypeOwner: string;
}

/** The part of a policy spec the target readers fill. */
export interface PolicyTargets {
  targetRefs: PolicyTargetRef[];
  deprecatedTargetRef: boolean;
}

/** Kinds the edge routes; the rest carry no gRPC-web or Connect traffic through it. */
const EDGE_KINDS = ["Gateway", "GRPCRoute"];

/** Target fields every policy kind refuses, with why and what to write instead. */
export const TARGET_REFUSALS: readonly [field: string, why: string, fix: string][] = [
  [
    "targetSelectors",
    "policies attach only through targetRefs, so which routes a policy covers is visible in the manifest",
    "list the targets in targetRefs",
  ],
  [
    "mergeType",
    "merging a route policy into its Gateway's is not implemented; the most specific policy applies whole",
    "remove mergeType and repeat the Gateway policy's settings in the route policy",
  ],
];

function readTargetRef(ck: Checker, v: unknown, path: FieldPath, label: string, rules: TargetRules): PolicyTargetRef | undefined {
  const t = readObject(ck, v, path, {
    known: ["group", "kind", "name", "sectionName"],
    hints: { namespace: "a policy targets objects in its own namespace only; remove namespace" },
  });
  if (t === undefined) return undefined;
  const group = readGroup(ck, required(ck, t, "group", path, `add group: ${GATEWAY_GROUP}`), [...path, "group"]);
  const kind = readKind(ck, required(ck, t, "kind", path, "add kind: GRPCRoute"), [...path, "kind"]);
  const name = readObjectName(ck, required(ck, t, "name", path, "add name: <GRPCRoute or Gateway name>"), [...path, "name"]);
  const sectionName = readSectionName(ck, field(t, "sectionName"), [...path, "sectionName"]);
  // The API server prints every failing CEL rule, so both are reported.
  const badGroup = group !== undefined && group !== GATEWAY_GROUP;
  const badKind = kind !== undefined && !rules.kinds.includes(kind);
  if (badGroup)
    ck.error([...path, "group"], `this policy can only have a ${label}.group of ${GATEWAY_GROUP}`, `use group: ${GATEWAY_GROUP}`);
  if (badKind) {
    ck.error(
      [...path, "kind"],
      `this policy can only have a ${label}.kind of ${rules.kinds.join("/")}`,
      "use kind: GRPCRoute or kind: Gateway",
    );
  }
  if (badGroup || badKind) return undefined;
  if (group === undefined || kind === undefined || name === undefined) return undefined;
  if (!EDGE_KINDS.includes(kind)) {
    ck.warn(
      [...path, "kind"],
      `grpcroute-edge ignores this target: it routes only GRPCRoute and Gateway, not ${kind}`,
      "remove the target, or point it at a GRPCRoute or Gateway",
    );
    return undefined;
  }
  return sectionName === undefined ? { group, kind, name } : { group, kind, name, sectionName };
}

/** The spec-level target CEL rules, the deprecated single `targetRef`, and the kinds the edge serves. */
export function readPolicyTargets(ck: Checker, spec: Obj, rules: TargetRules, out: PolicyTargets): void {
  const one = field(spec, "targetRef");
  const many = field(spec, "targetRefs");
  const selectors = field(spec, "targetSelectors");
  const bySelector = Array.isArray(selectors) && selectors.length > 0;
  if ((one === undefined) === (many === undefined) && !bySelector) {
    const both = one !== undefined;
    ck.error(
      both ? ["spec", "targetRef"] : ["spec"],
      "either targetRef or targetRefs must be used",
      both
        ? "remove targetRef and keep targetRefs"
        : "add targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: <route>}]",
      "key",
    );
  }
  if (one !== undefined) {
    out.deprecatedTargetRef = true;
    ck.warn(
      ["spec", "targetRef"],
      "spec.targetRef is deprecated, use spec.targetRefs instead",
      "write targetRefs: [<the targetRef>]",
      "key",
    );
    const t = readTargetRef(ck, one, ["spec", "targetRef"], "targetRef", rules);
    if (t !== undefined) out.targetRefs.push(t);
  }
  const list = readList(ck, many, ["spec", "targetRefs"]);
  if (list?.length === 0 && one === undefined) {
    ck.warn(
      ["spec", "targetRefs"],
      "targetRefs is empty, so this policy applies to nothing",
      "list the GRPCRoutes or Gateways it protects",
    );
  }
  (list ?? []).forEach((item, i) => {
    const t = readTargetRef(ck, item, ["spec", "targetRefs", i], "targetRefs[*]", rules);
    if (t !== undefined) out.targetRefs.push(t);
  });
}

/** `mergeType` is refused, but its own CEL rules still say why the API server would reject it. */
export function checkMergeType(ck: Checker, spec: Obj, rules: TargetRules): void {
  const mergeType = field(spec, "mergeType");
  if (mergeType === undefined) return;
  if (mergeType === "Replace")
    ck.error(
      ["spec", "mergeType"],
      `Replace is not a valid MergeType for ${rules.mergeTypeOwner}`,
      "use StrategicMerge or JSONMerge, or remove mergeType",
    );
  const kinds = [field(spec, "targetRef"), ...(Array.isArray(field(spec, "targetRefs")) ? (field(spec, "targetRefs") as unknown[]) : [])]
    .map((t) => (t !== null && typeof t === "object" ? (t as Obj).kind : undefined))
    .filter((k) => k !== undefined);
  if (kinds.some((k) => typeof k !== "string" || !rules.routeKinds.includes(k))) {
    ck.error(["spec", "mergeType"], "mergeType can only be used with xRoute targets", "remove mergeType, or target only routes");
  }
}

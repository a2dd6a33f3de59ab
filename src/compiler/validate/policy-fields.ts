import type { FieldPath, SecretRef } from "../model.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readNamespace, readObjectName } from "./fields.ts";
import { describe, field, readList, readObject, readString, required, type ListRule, type StringRule } from "./read.ts";

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
  let fix = 'write a whole number with a unit h, m, s or ms, e.g. "300s" or "1m30s"';
  if (typeof v === "string" && /^\d+$/.test(v)) fix = `add a unit: "${v}s"`;
  else if (typeof v === "string" && /[.]|us|µs|ns/.test(v))
    fix = 'fractions and units below ms are not allowed: write "1500ms" rather than "1.5s"';
  // readString skips the pattern for "", but the API server does not.
  if (v === "") {
    ck.error(path, `"" is not a valid duration (must match ${DURATION.text})`, fix);
    return defaultMs;
  }
  const s = readString(ck, v, path, { pattern: DURATION, what: "duration", fix });
  return s === undefined ? defaultMs : durationMs(s);
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

import type { FieldPath } from "../model.ts";
import type { Pattern } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";

/** A YAML mapping as plain data. */
export type Obj = Record<string, unknown>;

/** Values kubectl's YAML 1.1 reader turns into booleans while YAML 1.2 keeps them strings. */
const YAML11_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

/** The field's value; `null` counts as absent, as the API server drops null fields. */
export function field(obj: Obj, key: string): unknown {
  const v = obj[key];
  return v === null ? undefined : v;
}

/** True for a YAML mapping (not a list, not null). */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Short description of a value for type errors: `string "80"`, `a list`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + cost);
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest candidate within edit distance 2 (case-insensitive), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** What `readObject` accepts. */
export interface ObjectRule {
  /** Fields this mapping may have; anything else is an "unknown field" error. Omit to accept any. */
  known?: readonly string[];
  /** Extra advice for fields that exist elsewhere (experimental channel, HTTPRoute). */
  hints?: Readonly<Record<string, string>>;
}

/** Reads a mapping, reporting a type error or unknown fields. */
export function readObject(ck: Checker, v: unknown, path: FieldPath, rule: ObjectRule = {}): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    ck.error(path, `expected a mapping (field: value), got ${describe(v)}`, "write it as a mapping of field: value pairs");
    return undefined;
  }
  const known = rule.known;
  if (known !== undefined) {
    for (const key of Object.keys(v)) {
      if (known.includes(key)) continue;
      const hint = rule.hints?.[key];
      const near = didYouMean(key, known);
      const fix = hint ?? (near !== undefined ? `did you mean "${near}"?` : `remove it; known fields here: ${known.join(", ")}`);
      ck.error([...path, key], `unknown field "${key}"`, fix, "key");
    }
  }
  return v;
}

/** Reports a missing required field and returns its value otherwise. */
export function required(ck: Checker, obj: Obj, key: string, path: FieldPath, fix = ""): unknown {
  const v = field(obj, key);
  if (v === undefined) ck.error([...path, key], `missing required field "${key}"`, fix || `add ${key}`);
  return v;
}

/** CRD constraints on a string field. */
export interface StringRule {
  /** Minimum length in characters; 0 when omitted. */
  min?: number;
  max?: number;
  pattern?: Pattern;
  /** What the value is, for the pattern message ("hostname", "header name"). */
  what?: string;
  /** Fix for a pattern mismatch. */
  fix?: string;
  enum?: readonly string[];
}

function chars(s: string): number {
  return [...s].length;
}

/** Reads a string, checking type, length, pattern and enum; warns on YAML 1.1 booleans. */
export function readString(ck: Checker, v: unknown, path: FieldPath, rule: StringRule = {}): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    const written = ck.src.scalar(path)?.source ?? String(v);
    const fix = typeof v === "object" ? "write a single string value" : `quote the value: "${written}"`;
    ck.error(path, `expected a string, got ${describe(v)}`, fix);
    return undefined;
  }
  const how = ck.src.scalar(path);
  if (how?.plain === true && YAML11_BOOL.test(v)) {
    ck.warn(path, `unquoted ${v} is read as a boolean by kubectl (YAML 1.1), but as the string "${v}" here`, `quote the value: "${v}"`);
  }
  let ok = true;
  const len = chars(v);
  if (rule.min !== undefined && len < rule.min) {
    ck.error(path, rule.min === 1 ? `must not be empty` : `"${v}" is shorter than ${rule.min} characters`, "give it a value");
    ok = false;
  }
  if (rule.max !== undefined && len > rule.max) {
    ck.error(path, `is ${len} characters long (at most ${rule.max})`, `shorten it to ${rule.max} characters or fewer`);
    ok = false;
  }
  if (rule.enum !== undefined && !rule.enum.includes(v)) {
    const near = didYouMean(v, rule.enum);
    ck.error(
      path,
      `${JSON.stringify(v)} is not a supported value (must be one of: ${rule.enum.join(", ")})`,
      near !== undefined ? `did you mean "${near}"?` : `use one of: ${rule.enum.join(", ")}`,
    );
    ok = false;
  }
  if (ok && rule.pattern !== undefined && len > 0 && !rule.pattern.re.test(v)) {
    ck.error(path, `${JSON.stringify(v)} is not a valid ${rule.what ?? "value"} (must match ${rule.pattern.text})`, rule.fix ?? "");
    ok = false;
  }
  return ok ? v : undefined;
}

/** CRD `minimum`/`maximum` of an integer field. */
export interface IntRule {
  min: number;
  max?: number;
  fix?: string;
}

/** Reads an integer; numbers written as strings are errors, as at the API server. */
export function readInt(ck: Checker, v: unknown, path: FieldPath, rule: IntRule): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    const numeric = typeof v === "string" && /^-?\d+$/.test(v.trim());
    const fix = numeric ? `write the number without quotes: ${v.trim()}` : "write a whole number";
    ck.error(path, `expected an integer, got ${describe(v)}`, fix);
    return undefined;
  }
  if (v < rule.min || (rule.max !== undefined && v > rule.max)) {
    const range = rule.max === undefined ? `at least ${rule.min}` : `between ${rule.min} and ${rule.max}`;
    ck.error(path, `${v} is out of range (must be ${range})`, rule.fix ?? `use a value ${range}`);
    return undefined;
  }
  return v;
}

/** CRD `minItems`/`maxItems` of a list field. */
export interface ListRule {
  min?: number;
  max?: number;
  /** Fix when the list is too long. */
  fix?: string;
}

/** Reads a list, checking its length; the items are left to the caller. */
export function readList(ck: Checker, v: unknown, path: FieldPath, rule: ListRule = {}): unknown[] | undefined {
  if (v === undefined || v === null) {
    if (rule.min !== undefined && rule.min > 0) {
      const name = String(path[path.length - 1] ?? "list");
      const items = `at least ${rule.min} item${rule.min === 1 ? "" : "s"}`;
      ck.error(path, `missing required field "${name}" (a list of ${items})`, `add ${name} with ${items}`);
    }
    return undefined;
  }
  if (!Array.isArray(v)) {
    ck.error(path, `expected a list, got ${describe(v)}`, `write it as a list, one "- " item per entry`);
    return undefined;
  }
  if (rule.min !== undefined && v.length < rule.min) {
    ck.error(path, `has ${v.length} items (at least ${rule.min})`, `add at least ${rule.min}`);
  }
  if (rule.max !== undefined && v.length > rule.max) {
    ck.error(path, `has ${v.length} items (at most ${rule.max})`, rule.fix ?? `use at most ${rule.max}`);
  }
  return v;
}

/** Reads a map of string to string (labels, annotations, matchLabels). */
export function readStringMap(ck: Checker, v: unknown, path: FieldPath): Record<string, string> {
  const obj = readObject(ck, v, path);
  const out: Record<string, string> = {};
  if (obj === undefined) return out;
  for (const [k, val] of Object.entries(obj)) {
    const s = readString(ck, val ?? "", [...path, k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

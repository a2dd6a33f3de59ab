import type { FieldPath, HeaderModifier } from "../model.ts";
import { HEADER_NAME, HEADER_VALUE_CONTROL, LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readHeaderName } from "./fields.ts";
import { field, readList, readObject, readString, required } from "./read.ts";

const LIST_FIX = "use at most 16 entries";

function controlChar(value: string): string | undefined {
  const m = HEADER_VALUE_CONTROL.exec(value);
  if (m === null) return undefined;
  const c = m[0];
  const named: Record<string, string> = { "\r": "CR (\\r)", "\n": "LF (\\n)", "\u0000": "NUL" };
  return `${named[c] ?? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`} at position ${m.index}`;
}

function readHeaders(ck: Checker, v: unknown, path: FieldPath): { name: string; value: string; index: number }[] {
  const out: { name: string; value: string; index: number }[] = [];
  const list = readList(ck, v, path, { max: LIMITS.headerModifierItems, fix: LIST_FIX });
  (list ?? []).forEach((item, i) => {
    const p = [...path, i];
    const h = readObject(ck, item, p, { known: ["name", "value"] });
    if (h === undefined) return;
    const name = readHeaderName(ck, required(ck, h, "name", p), [...p, "name"]);
    const value = readString(ck, required(ck, h, "value", p), [...p, "value"], {
      min: 1,
      max: LIMITS.headerValueLength,
    });
    if (value !== undefined) {
      const bad = controlChar(value);
      if (bad !== undefined) {
        ck.error(
          [...p, "value"],
          `value contains a control character, ${bad}; it would split or inject a header`,
          "remove the line break or control character; a header value is one line (tab is allowed)",
        );
        return;
      }
    }
    if (name !== undefined && value !== undefined) out.push({ name, value, index: i });
  });
  return out;
}

/**
 * `HTTPHeaderFilter` (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)): set/add/remove, each at most 16, and "Only one action
 * for a given header name is permitted", which CEL leaves unchecked; names compare
 * case-insensitively.
 */
export function readHeaderModifier(ck: Checker, v: unknown, path: FieldPath): HeaderModifier {
  const out: HeaderModifier = { set: [], add: [], remove: [] };
  const m = readObject(ck, v, path, { known: ["set", "add", "remove"] });
  if (m === undefined) return out;
  const seen = new Map<string, string>();
  const claim = (name: string, where: FieldPath, label: string): boolean => {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      ck.error(
        where,
        `header ${JSON.stringify(name)} already has an action at ${first}: Only one action for a given header name is permitted`,
        "keep a single set, add or remove for each header name",
      );
      return false;
    }
    seen.set(name.toLowerCase(), label);
    return true;
  };
  for (const action of ["set", "add"] as const) {
    for (const h of readHeaders(ck, field(m, action), [...path, action])) {
      if (claim(h.name, [...path, action, h.index, "name"], `${action}[${h.index}]`)) {
        out[action].push({ name: h.name, value: h.value });
      }
    }
  }
  const remove = readList(ck, field(m, "remove"), [...path, "remove"], { max: LIMITS.headerModifierItems, fix: LIST_FIX });
  (remove ?? []).forEach((item, i) => {
    const p = [...path, "remove", i];
    const name = readString(ck, item, p);
    if (name === undefined) return;
    if (!HEADER_NAME.re.test(name)) {
      ck.warn(p, `${JSON.stringify(name)} is not a valid header name, so removing it has no effect`, "use an HTTP header name");
    }
    if (claim(name, p, `remove[${i}]`)) out.remove.push(name);
  });
  return out;
}

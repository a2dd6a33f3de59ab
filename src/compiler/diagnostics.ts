import type { SourcePos } from "./model.ts";

export type Severity = "error" | "warning";

/**
 * One problem found in the manifests. Rendered as
 * `file:line:col: error|warning: Kind ns/name field.path: what is wrong — how to fix`.
 */
export interface Diagnostic {
  severity: Severity;
  pos: SourcePos;
  /** `GRPCRoute default/foo-route`; empty for problems outside any object (bad YAML). */
  object: string;
  /** `spec.rules[0].matches[1].method.service`; empty when the whole object is meant. */
  path: string;
  message: string;
  fix: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.pos.file}:${d.pos.line}:${d.pos.col}`;
  const subject = [d.object, d.path].filter((s) => s !== "").join(" ");
  const head = subject === "" ? "" : `${subject}: `;
  const fix = d.fix === "" ? "" : ` — ${d.fix}`;
  return `${where}: ${d.severity}: ${head}${d.message}${fix}`;
}

/** `spec.rules[0].matches[1]` from `["spec", "rules", 0, "matches", 1]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function objectLabel(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/** Code-unit order: the same on every machine, whatever its locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Errors first by file position, so output is stable and reads top to bottom. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => byCodeUnit(a.pos.file, b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col || byCodeUnit(a.message, b.message),
  );
}

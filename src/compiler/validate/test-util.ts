import { expect } from "vitest";
import type { Diagnostic } from "../diagnostics.ts";
import { loadSources } from "../load/load.ts";
import type { Resource } from "../model.ts";

/** Test helpers: inline YAML without the template's indentation, and diagnostic lookups. */

/** Strips the first newline and the common indentation, so line 1 is the first YAML line. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ""), "");
  const lines = raw
    .replace(/^\n/, "")
    .replace(/\n[ \t]*$/, "\n")
    .split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join("\n");
}

/** 1-based line and column of `needle`, which must occur exactly once in `text`. */
export function at(text: string, needle: string): { line: number; col: number } {
  const i = text.indexOf(needle);
  if (i < 0 || text.indexOf(needle, i + 1) >= 0) throw new Error(`needle ${JSON.stringify(needle)} must occur once`);
  const before = text.slice(0, i).split("\n");
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

export const FILE = "t.yaml";

/** Loads one inline manifest as file `t.yaml`. */
export function load(text: string): { resources: Resource[]; diagnostics: Diagnostic[] } {
  return loadSources([{ file: FILE, text }]);
}

/** The one diagnostic at `path` (optionally of one severity); fails the test otherwise. */
export function one(diags: readonly Diagnostic[], path: string, severity?: Diagnostic["severity"]): Diagnostic {
  const hits = diags.filter((d) => d.path === path && (severity === undefined || d.severity === severity));
  expect(hits, `diagnostics at ${path}: ${JSON.stringify(diags, null, 1)}`).toHaveLength(1);
  return hits[0] as Diagnostic;
}

/** Only the errors. */
export function errors(diags: readonly Diagnostic[]): Diagnostic[] {
  return diags.filter((d) => d.severity === "error");
}

/** A GRPCRoute named `r` whose spec is `spec` (already indented by two spaces). */
export function route(spec: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata:\n  name: r\nspec:\n${spec}`;
}

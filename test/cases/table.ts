/**
 * The compiled table as the runtime sees it, for the adapters that match in process and
 * for the compiler tests that draw weights on the same tables.
 */
import { expect } from "vitest";
import { compile, loadSources, type CompileResult } from "../../src/compiler/index.ts";
import type { RouteTable } from "../../src/table/types.ts";
import { createMatcher } from "../../src/runtime/matcher.ts";
import type { Decision } from "../../src/runtime/types.ts";
import type { RoutingAdapter } from "./run-routing-cases.ts";
import type { ManifestFile, RoutingCase } from "./routing.cases.ts";

/** Compiles, and fails the test on any error diagnostic: a case against a broken table proves nothing. */
export function compileFiles(files: ManifestFile[]): CompileResult {
  const loaded = loadSources(files);
  const result = compile(loaded.resources);
  const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
  expect(errors).toEqual([]);
  return result;
}

export function outcome(d: Decision): string {
  if (d.kind === "reject") return d.code.toUpperCase();
  return d.backend.name;
}

export function route(table: RouteTable, c: Pick<RoutingCase, "host" | "path" | "headers">, random = () => 0.5): Decision {
  const headers = c.headers ?? {};
  return createMatcher(table).route({ host: c.host, path: c.path, header: (n) => headers[n] ?? null }, random);
}

/** An adapter that compiles each suite, hands the table through `load`, and matches in process. */
export function tableAdapter(name: string, load: (t: RouteTable) => RouteTable): RoutingAdapter<RouteTable> {
  return {
    name,
    setup: async (suite) => load(compileFiles(suite.files).table),
    outcome: async (c, table) => outcome(route(table, c)),
  };
}

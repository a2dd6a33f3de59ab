import { compile, type CompileResult } from "../compiler/index.ts";
import { sortDiagnostics, type Diagnostic } from "../compiler/index.ts";
import { loadSources, readInputs, type Input } from "../compiler/index.ts";
import { UsageError } from "./usage.ts";

export interface PipelineResult extends CompileResult {
  /** Load, validation and compile diagnostics together, in file order. */
  all: Diagnostic[];
  errors: number;
  warnings: number;
}

export interface PipelineOptions {
  /** A route a parent does not accept is an error rather than a warning (`--strict`). */
  strict?: boolean;
}

/**
 * Files in, checked table out: what `check`, `compile`, `explain` and `dev` all start with.
 * `extra` are manifests made at run time (the demo's policy names a port picked at start).
 */
export async function compilePaths(
  paths: readonly string[],
  extra: readonly Input[] = [],
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  let inputs: Input[];
  try {
    inputs = await readInputs(paths);
  } catch (e) {
    // A path that does not exist is a mistake in the command line, not in the routes.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const loaded = loadSources([...inputs, ...extra]);
  const result = compile(loaded.resources);
  if (options.strict === true) {
    const unaccepted = new Set(result.unaccepted);
    const promote = (d: Diagnostic): Diagnostic => (unaccepted.has(d) ? { ...d, severity: "error" } : d);
    result.diagnostics = result.diagnostics.map(promote);
    result.unaccepted = result.unaccepted.map(promote);
  }
  const all = sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]);
  const errors = all.filter((d) => d.severity === "error").length;
  return { ...result, all, errors, warnings: all.length - errors };
}

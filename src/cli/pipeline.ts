import { compile, type CompileResult } from "../compiler/compile.ts";
import { sortDiagnostics, type Diagnostic } from "../compiler/diagnostics.ts";
import { loadSources, readInputs } from "../compiler/load.ts";

export interface PipelineResult extends CompileResult {
  /** Load, validation and compile diagnostics together, in file order. */
  all: Diagnostic[];
  errors: number;
  warnings: number;
}

/** Files in, checked table out: what `check`, `compile`, `explain` and `dev` all start with. */
export async function compilePaths(paths: readonly string[]): Promise<PipelineResult> {
  const inputs = await readInputs([...paths]);
  const loaded = loadSources(inputs);
  const result = compile(loaded.resources);
  const all = sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]);
  const errors = all.filter((d) => d.severity === "error").length;
  return { ...result, all, errors, warnings: all.length - errors };
}

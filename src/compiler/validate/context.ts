import { formatPath, type Diagnostic, type Severity } from "../diagnostics.ts";
import type { FieldPath } from "../model.ts";
import type { SourceView } from "../load/yaml-position.ts";

/** Where a diagnostic points: the value at the path, or the key that names it. */
export type Anchor = "value" | "key";

/**
 * Collects the diagnostics of one object. Validators report through it and keep
 * going, so one bad field never hides the others.
 */
export class Checker {
  readonly diagnostics: Diagnostic[] = [];
  errorCount = 0;

  /** `object` is the label of the object being checked, e.g. `GRPCRoute default/foo`. */
  constructor(
    readonly src: SourceView,
    public object: string,
  ) {}

  /** Reports an error; the object will be left out of the loaded resources. */
  error(path: FieldPath, message: string, fix = "", at: Anchor = "value"): void {
    this.report("error", path, message, fix, at);
  }

  /** Reports a warning; the object is still loaded. */
  warn(path: FieldPath, message: string, fix = "", at: Anchor = "value"): void {
    this.report("warning", path, message, fix, at);
  }

  private report(severity: Severity, path: FieldPath, message: string, fix: string, at: Anchor): void {
    if (severity === "error") this.errorCount++;
    const pos = at === "key" ? this.src.locateKey(path) : this.src.locate(path);
    this.diagnostics.push({ severity, pos, object: this.object, path: formatPath(path), message, fix });
  }
}

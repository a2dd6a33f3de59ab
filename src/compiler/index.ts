/**
 * The compiler's one public surface (Node only, build time; never imported by the worker).
 * The stages, in the order a manifest meets them: `load/` (YAML with source positions),
 * `validate/` (what the API server would reject, and our own checks), `resolve/` (parents,
 * ReferenceGrants, backends, Service-parent chains), `rank/` (Gateway API precedence, scopes,
 * shadowing) and `emit/` (the table). `compile.ts` runs resolve → rank → emit.
 */
export { compile, type CompileResult } from "./compile.ts";
export { formatDiagnostic, sortDiagnostics, type Diagnostic, type Severity } from "./diagnostics.ts";
export { loadSources, readInputs, STDIN_FILE, type Input } from "./load/load.ts";
export type { GRPCRouteDoc, Resource, RouteMatch } from "./model.ts";
export type { RouteStatus } from "./status.ts";
export { describeKey } from "./rank/precedence.ts";
export type { CandidateInfo } from "./rank/scopes.ts";
export { indexResources } from "./resolve/index-resources.ts";
export { resolveParents } from "./resolve/parents.ts";
export type { PolicyStatus, PolicyAncestorStatus, PolicyCondition } from "./resolve/policy-attachment.ts";
export type { SecretUse } from "./emit/security-row.ts";

import { formatDiagnostic } from "../compiler/index.ts";
import type { PolicyStatus, RouteStatus, SecretUse } from "../compiler/index.ts";
import type { PipelineResult } from "./pipeline.ts";

/** `check --format json`: diagnostics and statuses, for CI annotations and other tools. */
export function checkJson(r: PipelineResult): string {
  return JSON.stringify(
    {
      valid: r.errors === 0,
      errors: r.errors,
      warnings: r.warnings,
      diagnostics: r.all.map((d) => ({
        file: d.pos.file,
        line: d.pos.line,
        col: d.pos.col,
        severity: d.severity,
        object: d.object,
        path: d.path,
        message: d.message,
        fix: d.fix,
      })),
      statuses: r.statuses,
      policies: r.policies,
    },
    null,
    2,
  );
}

/** `check` for people: one line per problem, then each route's conditions per parent. */
export function checkText(r: PipelineResult): string {
  const lines = r.all.map(formatDiagnostic);
  if (lines.length > 0) lines.push("");
  for (const s of r.statuses) lines.push(...statusLines(s));
  for (const p of r.policies) lines.push(...policyLines(p));
  lines.push(...secretLines(r.secrets));
  lines.push(
    `${r.errors === 0 ? "valid" : "invalid"}: ${r.statuses.length} route${r.statuses.length === 1 ? "" : "s"}, ` +
      `${r.errors} error${r.errors === 1 ? "" : "s"}, ${r.warnings} warning${r.warnings === 1 ? "" : "s"}`,
  );
  return lines.join("\n");
}

function statusLines(s: RouteStatus): string[] {
  const out = [`GRPCRoute ${s.route}`];
  for (const p of s.parents) {
    const conds = p.conditions.map((c) => `${c.type}=${c.status} (${c.reason})`).join(", ");
    out.push(`  ${p.parent}: ${conds}`);
  }
  if (s.parents.length === 0) out.push("  no parents: the route serves no traffic");
  return out;
}

function policyLines(p: PolicyStatus): string[] {
  const out = [p.policy];
  for (const a of p.ancestors) {
    const conds = a.conditions.map((c) => `${c.type}=${c.status} (${c.reason})`).join(", ");
    out.push(`  ${a.ancestor}${a.sectionName === undefined ? "" : ` section ${a.sectionName}`}: ${conds}`);
  }
  if (p.ancestors.length === 0) out.push("  no targets: the policy applies nowhere");
  return out;
}

/** Each Worker secret once, with the command that stores it: the credentials never live in the route files. */
function secretLines(uses: readonly SecretUse[]): string[] {
  const seen = new Map<string, SecretUse>();
  for (const u of uses) if (!seen.has(u.secret)) seen.set(u.secret, u);
  return [...seen.values()].map(
    (u) =>
      `secret ${u.secret} (${u.from}, ${u.purpose} of ${u.policy}): wrangler secret put ${u.secret}, value the Secret's stringData as JSON`,
  );
}

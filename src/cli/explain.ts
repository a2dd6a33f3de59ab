import { createInterface } from "node:readline";
import type { PipelineResult } from "./pipeline.ts";
import type { DryRun } from "./explain-policy.ts";
import { decisionText } from "./explain-policy.ts";
import { answerJson, createExplainer, type ExplainDetail, type ExplainRequest } from "./explain-request.ts";
import { UsageError } from "./usage.ts";

/** `explain --json`: one request per stdin line in, one answer per line out, in order. */
export async function explainJsonLines(
  r: PipelineResult,
  input: NodeJS.ReadableStream,
  write: (line: string) => void,
  dryRun: DryRun = {},
): Promise<void> {
  const explain = createExplainer(r.table, r.candidates, { securityOf: r.securityOf, dryRun });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    const a = explain(parseRequestLine(line, n));
    write(answerJson(a));
  }
}

function parseRequestLine(line: string, n: number): ExplainRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new UsageError(`stdin line ${n}: not JSON; expected {"host": "...", "path": "/pkg.Svc/Method", "headers": {...}}`);
  }
  const o = v as { host?: unknown; path?: unknown; headers?: unknown };
  if (typeof o !== "object" || o === null || typeof o.path !== "string") {
    throw new UsageError(`stdin line ${n}: "path" must be a string like "/pkg.Service/Method"`);
  }
  const headers: Record<string, string> = {};
  if (o.headers !== undefined) {
    if (typeof o.headers !== "object" || o.headers === null) throw new UsageError(`stdin line ${n}: "headers" must be an object`);
    for (const [k, val] of Object.entries(o.headers)) headers[k] = String(val);
  }
  return { host: typeof o.host === "string" ? o.host : "", path: o.path, headers };
}

/** `-H 'name: value'` into a header map. */
export function parseHeaderFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const colon = f.indexOf(":");
    if (colon <= 0) throw new UsageError(`-H ${JSON.stringify(f)}: expected 'name: value'`);
    out[f.slice(0, colon).trim().toLowerCase()] = f.slice(colon + 1).trim();
  }
  return out;
}

/** `explain` for people. */
export function explainText(req: ExplainRequest, a: ExplainDetail): string {
  const lines = [
    `request:  host=${req.host} path=${req.path}${Object.entries(req.headers)
      .map(([k, v]) => ` ${k}=${v}`)
      .join("")}`,
  ];
  lines.push(`status:   ${a.status}${a.message === undefined ? "" : ` (${a.message})`}`);
  if (a.route === null) return lines.join("\n");
  lines.push(`winner:   GRPCRoute ${a.route} spec.rules[${a.rule}]${a.match === undefined ? "" : ` match ${a.match}`}`);
  if (a.policy !== undefined) lines.push(`policy:   ${a.policy.name} (${a.policy.via})`);
  if (a.decision !== undefined) lines.push(`decision: ${decisionText(a.decision)}`);
  if (a.key !== undefined) lines.push(`why:      precedence key ${a.key}`);
  const total = a.backends.reduce((s, b) => s + b.weight, 0);
  a.backends.forEach((b, i) => {
    const share = total === 0 ? 0 : (100 * b.weight) / total;
    const origin = a.origins[i];
    const where =
      origin === null || origin === undefined
        ? `no origin (${a.invalid[i] ?? "unresolved"}): UNAVAILABLE`
        : origin.binding !== undefined
          ? `service binding ${origin.binding}`
          : `${origin.url}${origin.protocol === undefined ? "" : ` [${origin.protocol}]`}`;
    lines.push(`backend:  ${b.namespace}/${b.name}:${b.port} weight ${b.weight} (${share.toFixed(1)}%) → ${where}`);
  });
  return lines.join("\n");
}

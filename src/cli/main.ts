import { writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { checkJson, checkText } from "./check.ts";
import { explainJsonLines, explainText, parseHeaderFlags } from "./explain.ts";
import { parseDryRunFlags } from "./explain-policy.ts";
import { answerJson, createExplainer } from "./explain-request.ts";
import { compilePaths, type PipelineResult } from "./pipeline.ts";
import { bindingsToml, checkWranglerConfig } from "./bindings.ts";
import { formatDiagnostic } from "../compiler/index.ts";
import { serializeTable } from "../table/codec.ts";
import { COMMAND_HELP, helpOption, isCommand, printedHelp, USAGE, UsageError } from "./usage.ts";

const DEFAULT_PATHS = ["routes/"];

/** Runs one CLI invocation; returns the exit code (0 ok, 1 problems in the routes, 2 usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await check(rest);
      case "compile":
        return await compileCmd(rest);
      case "explain":
        return await explain(rest);
      case "dev": {
        const { dev } = await import("./dev.ts");
        return await dev(rest);
      }
      case "stats": {
        const { stats } = await import("./stats.ts");
        return await stats(rest);
      }
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(`${isCommand(rest[0]) ? COMMAND_HELP[rest[0]] : USAGE}\n`);
        return 0;
      default:
        throw new UsageError(command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`grpcroute-edge: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    // A bug of ours, not a problem in the routes: say so in one line, stack on request.
    if (process.env.GRPCROUTE_EDGE_DEBUG) throw e;
    process.stderr.write(
      `grpcroute-edge: internal error: ${e instanceof Error ? e.message : String(e)} (GRPCROUTE_EDGE_DEBUG=1 shows the stack)\n`,
    );
    return 70;
  }
}

/** Problems of wrangler.toml as errors of the check, pointing at the file. */
function withConfigProblems(r: PipelineResult, problems: readonly string[], file: string): PipelineResult {
  if (problems.length === 0) return r;
  const extra = problems.map((message) => ({
    severity: "error" as const,
    pos: { file, line: 1, col: 1 },
    object: "wrangler.toml",
    path: "",
    message,
    fix: "add what grpcroute-edge compile --bindings FILE writes",
  }));
  return { ...r, all: [...r.all, ...extra], errors: r.errors + extra.length };
}

function paths(values: { file?: string[] | undefined }): string[] {
  return values.file === undefined || values.file.length === 0 ? DEFAULT_PATHS : values.file;
}

async function check(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: "string", short: "f", multiple: true },
      format: { type: "string", default: "text" },
      config: { type: "string", short: "c" },
      strict: { type: "boolean", default: false },
      ...helpOption,
    },
  });
  if (printedHelp("check", values)) return 0;
  if (values.format !== "text" && values.format !== "json") throw new UsageError(`--format must be text or json, not ${values.format}`);
  const compiled = await compilePaths(paths(values), [], { strict: values.strict });
  // The table's bindings are known only after compiling: check the project's config against them.
  const config = values.config ?? "wrangler.toml";
  const r = withConfigProblems(compiled, await checkWranglerConfig(config, compiled.table.bindings), config);
  process.stdout.write(`${values.format === "json" ? checkJson(r) : checkText(r)}\n`);
  return r.errors === 0 ? 0 : 1;
}

async function compileCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: "string", short: "f", multiple: true },
      output: { type: "string", short: "o" },
      bindings: { type: "string" },
      strict: { type: "boolean", default: false },
      ...helpOption,
    },
  });
  if (printedHelp("compile", values)) return 0;
  const r = await compilePaths(paths(values), [], { strict: values.strict });
  for (const d of r.all) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (r.errors > 0) {
    process.stderr.write(`not compiled: ${r.errors} error${r.errors === 1 ? "" : "s"}\n`);
    return 1;
  }
  const json = serializeTable(r.table);
  const bytes = Buffer.byteLength(json);
  const hosts =
    Object.keys(r.table.hosts.exact).length + Object.keys(r.table.hosts.wildcard).length + (r.table.hosts.fallback >= 0 ? 1 : 0);
  const where = values.output ?? "stdout";
  const summary = `compiled ${r.table.routes.length} routes, ${r.table.rules.length} rules, ${hosts} hosts into ${where} (${bytes} bytes)`;
  if (values.output === undefined) {
    process.stdout.write(json);
    process.stderr.write(`${summary}\n`);
  } else {
    await mkdir(dirname(values.output), { recursive: true });
    await writeFile(values.output, json);
    process.stdout.write(`${summary}\n`);
  }
  const needs = bindingsToml(r.table.bindings);
  const report = values.output === undefined ? process.stderr : process.stdout;
  for (const b of r.table.bindings?.rateLimits ?? [])
    report.write(`needs [[ratelimits]] ${b.name} (simple = { limit = ${b.limit}, period = ${b.period} })\n`);
  const limiter = r.table.bindings?.globalLimiter;
  if (limiter !== undefined)
    report.write(`needs [[durable_objects.bindings]] ${limiter.binding} (class_name = "${limiter.className}", with a migration)\n`);
  if (values.bindings !== undefined) {
    await mkdir(dirname(values.bindings), { recursive: true });
    await writeFile(values.bindings, needs === "" ? "# The compiled routes need no bindings.\n" : needs);
    report.write(`wrote the wrangler.toml bindings to ${values.bindings}\n`);
  }
  return 0;
}

async function explain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: "string", short: "f", multiple: true },
      host: { type: "string", default: "" },
      path: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      json: { type: "boolean", default: false },
      "jwt-claims": { type: "string" },
      "client-ip": { type: "string" },
      country: { type: "string" },
      "api-key-client": { type: "string" },
      ...helpOption,
    },
  });
  if (printedHelp("explain", values)) return 0;
  if (values.path === undefined && !values.json)
    throw new UsageError("explain needs --path /pkg.Service/Method, or --json with requests on stdin");
  const headers = parseHeaderFlags(values.header ?? []);
  const dryRun = parseDryRunFlags(values);
  const r = await compilePaths(paths(values));
  if (r.errors > 0) {
    for (const d of r.all) if (d.severity === "error") process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  if (values.path === undefined) {
    await explainJsonLines(r, process.stdin, (line) => process.stdout.write(`${line}\n`), dryRun);
    return 0;
  }
  const req = { host: values.host ?? "", path: values.path, headers };
  const answer = createExplainer(r.table, r.candidates, { securityOf: r.securityOf, dryRun })(req);
  if (values.json) process.stdout.write(`${answerJson(answer)}\n`);
  else process.stdout.write(`${explainText(req, answer)}\n`);
  return 0;
}

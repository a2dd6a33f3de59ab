import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isCollection, LineCounter, parseAllDocuments, visit, type Alias, type Document, type YAMLError } from "yaml";
import { byCodeUnit, type Diagnostic } from "../diagnostics.ts";
import type { Resource } from "../model.ts";
import { validateDocument } from "../validate/index.ts";
import { sourceView } from "./yaml-position.ts";

/** One manifest source: a file name for diagnostics and its text. */
export interface Input {
  file: string;
  text: string;
}

/** The file name diagnostics use for standard input. */
export const STDIN_FILE = "<stdin>";

function yamlDiagnostic(file: string, lc: LineCounter, e: YAMLError, severity: Diagnostic["severity"]): Diagnostic {
  const { line, col } = lc.linePos(e.pos[0]);
  const duplicate = e.code === "DUPLICATE_KEY";
  return {
    severity,
    pos: { file, line, col },
    object: "",
    path: "",
    message: duplicate ? `duplicate key: ${e.message}` : `YAML: ${e.message}`,
    fix: duplicate
      ? "remove one of the two keys; kubectl would silently keep only the last one"
      : severity === "error"
        ? "fix the YAML syntax at this position"
        : "",
  };
}

/**
 * toJS throws on an alias without its anchor. The usual cause is an unquoted wildcard
 * hostname: `- *.example.com` is YAML for "the node anchored as .example.com".
 */
function aliasDiagnostic(file: string, lc: LineCounter, doc: Document.Parsed, e: unknown): Diagnostic {
  let bad: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      bad = node;
      return visit.BREAK;
    },
  });
  const { line, col } = lc.linePos(bad?.range?.[0] ?? doc.range[0]);
  const source = bad?.source ?? "";
  return {
    severity: "error",
    pos: { file, line, col },
    object: "",
    path: "",
    message: `YAML: ${e instanceof Error ? e.message : String(e)}`,
    fix: source.startsWith(".")
      ? `quote wildcard hostnames: "*${source}"`
      : `define the anchor &${source || "name"} before using it, or quote a value that starts with *`,
  };
}

/**
 * Line starts counted from the text itself. The parser's own `lineCounter` option misses
 * newlines inside some malformed tokens (e.g. an error token spanning `\r\r\n`), which
 * shifts every later diagnostic to a wrong line and past the end of it.
 */
function lineCounterOf(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", nl + 1)) lc.addNewLine(nl + 1);
  return lc;
}

/**
 * Parses multi-document YAML and validates every object (the Gateway API GRPCRoute reference, https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute).
 *
 * YAML is read with the 1.2 core schema, like kubectl's JSON-compatible subset, with
 * duplicate keys as errors. A document with YAML errors is skipped; the others are still
 * checked. `kind: List` and `*List` kinds are flattened through `items`.
 *
 * @returns only the objects without errors, in input order, plus every diagnostic.
 */
export function loadSources(inputs: readonly Input[]): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { file, text } of inputs) {
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, merge: true });
    const lineCounter = lineCounterOf(text);
    for (const doc of docs) {
      for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(file, lineCounter, w, "warning"));
      if (doc.errors.length > 0) {
        for (const e of doc.errors) diagnostics.push(yamlDiagnostic(file, lineCounter, e, "error"));
        continue;
      }
      const complexKey = collectionKeyDiagnostic(file, lineCounter, doc);
      if (complexKey !== undefined) {
        diagnostics.push(complexKey);
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (e) {
        diagnostics.push(aliasDiagnostic(file, lineCounter, doc, e));
        continue;
      }
      if (value === null || value === undefined) continue;
      const r = validateDocument(sourceView(file, doc, lineCounter), value);
      resources.push(...r.resources);
      diagnostics.push(...r.diagnostics);
    }
  }
  return { resources, diagnostics };
}

/**
 * A list or map used as a mapping key (`? [a]: b`) has no meaning in a Kubernetes object;
 * toJS would only stringify it and print a process warning, so it is an error here.
 */
function collectionKeyDiagnostic(file: string, lineCounter: LineCounter, doc: Document): Diagnostic | undefined {
  let found: Diagnostic | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      const { line, col } = lineCounter.linePos(pair.key.range?.[0] ?? 0);
      found = {
        severity: "error",
        pos: { file, line, col },
        object: "",
        path: "",
        message: "a mapping key is a list or map",
        fix: "use a plain string as the key",
      };
      return visit.BREAK;
    },
  });
  return found;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

async function collect(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of [...entries].sort((a, b) => byCodeUnit(a.name, b.name))) {
    const p = join(dir, e.name);
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p)).isDirectory());
    if (isDir) await collect(p, out);
    else if (/\.ya?ml$/i.test(e.name)) out.push(p);
  }
}

/**
 * Reads manifests from files, folders (recursively, `.yaml`/`.yml` only, sorted) and
 * `-` (standard input, reported as `<stdin>`), in the order given.
 *
 * @throws Error naming the path when a path does not exist or cannot be read.
 */
export async function readInputs(paths: readonly string[]): Promise<Input[]> {
  const out: Input[] = [];
  for (const path of paths) {
    if (path === "-") {
      out.push({ file: STDIN_FILE, text: await readStdin() });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === "ENOENT" ? `no such file or directory: ${path}` : `cannot read ${path}: ${String(e)}`);
    }
    const files: string[] = [];
    if (info.isDirectory()) await collect(path, files);
    else files.push(path);
    for (const file of files) {
      const text = await readFile(file, "utf8");
      out.push({ file, text: text.startsWith("\uFEFF") ? text.slice(1) : text });
    }
  }
  return out;
}

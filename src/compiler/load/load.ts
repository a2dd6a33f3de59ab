import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  isCollection,
  isScalar,
  LineCounter,
  parseAllDocuments,
  visit,
  YAMLParseError,
  type Alias,
  type Document,
  type YAMLError,
} from "yaml";
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

const MiB = 1024 * 1024;

/**
 * Parsing cost is not bounded by anything the API server would accept: a 50 MiB quoted
 * scalar takes gigabytes of memory. etcd's request limit (1.5 MiB) caps one object, so a
 * larger document could never be applied; the file cap leaves room for a couple of dozen
 * such objects, more than any sane manifest file, while keeping the parser's peak small.
 */
export const INPUT_LIMITS = {
  fileBytes: 32 * MiB,
  documentBytes: 1.5 * MiB,
} as const;

function mib(bytes: number): string {
  return `${bytes / MiB} MiB`;
}

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
 * duplicate keys as errors. An input over `INPUT_LIMITS.fileBytes`, or a document over
 * `INPUT_LIMITS.documentBytes`, is an error and is not parsed. A document with YAML
 * errors is skipped; the others are still checked. `kind: List` and `*List` kinds are
 * flattened through `items`.
 *
 * @returns only the objects without errors, in input order, plus every diagnostic.
 */
export function loadSources(inputs: readonly Input[]): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { file, text: raw } of inputs) {
    if (Buffer.byteLength(raw, "utf8") > INPUT_LIMITS.fileBytes) {
      diagnostics.push(limitDiagnostic(file, 1, `input is larger than ${mib(INPUT_LIMITS.fileBytes)}`, "split it into smaller files"));
      continue;
    }
    const lineCounter = lineCounterOf(raw);
    const text = withoutOversizedDocuments(raw, (offset) => {
      diagnostics.push(
        limitDiagnostic(
          file,
          lineCounter.linePos(offset).line,
          `document is larger than ${mib(INPUT_LIMITS.documentBytes)}, the most Kubernetes stores for one object (etcd's request limit)`,
          "split the object into smaller ones; move large data out of the manifest",
        ),
      );
    });
    // The library's own uniqueKeys check compares every key with every earlier one.
    const docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, merge: true });
    for (const doc of docs) {
      for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(file, lineCounter, w, "warning"));
      const errs = mergeByOffset(doc.errors, duplicateKeyErrors(doc));
      if (errs.length > 0) {
        for (const e of errs) diagnostics.push(yamlDiagnostic(file, lineCounter, e, "error"));
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

function limitDiagnostic(file: string, line: number, message: string, fix: string): Diagnostic {
  return { severity: "error", pos: { file, line, col: 1 }, object: "", path: "", message, fix };
}

/** A line that starts a document (`---`) or ends one (`...`); YAML allows neither inside a scalar. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
const MARKER_AT_START = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/;

/** The same length as `line`, and a comment wherever it stands (a long run of spaces lexes slower). */
function asComment(line: string): string {
  return ` ${"#".repeat(line.length - 1)}`;
}

/**
 * Turns every document larger than the cap into comments before the parser sees it,
 * reporting each at its first line. The marker and the length stay, so later documents
 * keep their offsets and the one before still ends where it did.
 */
function withoutOversizedDocuments(text: string, report: (offset: number) => void): string {
  if (Buffer.byteLength(text, "utf8") <= INPUT_LIMITS.documentBytes) return text;
  const starts = [0];
  for (const m of text.matchAll(DOCUMENT_MARKER)) if (m.index > 0) starts.push(m.index);
  starts.push(text.length);
  let out: string[] | undefined;
  let copied = 0;
  for (let i = 0; i + 1 < starts.length; i++) {
    const from = starts[i] as number;
    const to = starts[i + 1] as number;
    // A UTF-8 character is at most 3 bytes per UTF-16 code unit.
    if (3 * (to - from) <= INPUT_LIMITS.documentBytes) continue;
    if (Buffer.byteLength(text.slice(from, to), "utf8") <= INPUT_LIMITS.documentBytes) continue;
    report(from);
    out ??= [];
    const keep = from > 0 || MARKER_AT_START.test(text.slice(0, 4)) ? from + 3 : from;
    out.push(text.slice(copied, keep), text.slice(keep, to).replace(/[^\n]+/g, asComment));
    copied = to;
  }
  if (out === undefined) return text;
  out.push(text.slice(copied));
  return out.join("");
}

/**
 * Duplicate keys with one Set per mapping, so the work is linear in the number of keys.
 * Keys compare as the library's check does: scalars by value (NaN never equal), other
 * nodes only by identity, which a parsed document never repeats.
 */
export function duplicateKeyErrors(doc: Document): YAMLError[] {
  const found: YAMLError[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (!seen.has(key.value)) {
          seen.add(key.value);
          continue;
        }
        const at = key.range?.[0] ?? 0;
        found.push(new YAMLParseError([at, at + 1], "DUPLICATE_KEY", "Map keys must be unique"));
      }
      return undefined;
    },
  });
  return found;
}

/** Both lists in source order, keeping each list's own order among equal offsets. */
function mergeByOffset(a: readonly YAMLError[], b: readonly YAMLError[]): YAMLError[] {
  if (b.length === 0) return [...a];
  const out: YAMLError[] = [];
  let j = 0;
  for (const e of a) {
    while (j < b.length && (b[j] as YAMLError).pos[0] < e.pos[0]) out.push(b[j++] as YAMLError);
    out.push(e);
  }
  while (j < b.length) out.push(b[j++] as YAMLError);
  return out;
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

/**
 * Keeps at most one byte more than the file cap, enough for loadSources to report it,
 * so a huge input is never held in memory whole.
 */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of process.stdin) {
    if (kept > INPUT_LIMITS.fileBytes) continue;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(b);
    kept += b.length;
  }
  return Buffer.concat(chunks)
    .subarray(0, INPUT_LIMITS.fileBytes + 1)
    .toString("utf8");
}

async function readCapped(file: string): Promise<string> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    if (size <= INPUT_LIMITS.fileBytes) return await fh.readFile("utf8");
    const buf = Buffer.alloc(INPUT_LIMITS.fileBytes + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
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
      const text = await readCapped(file);
      out.push({ file, text: text.startsWith("\uFEFF") ? text.slice(1) : text });
    }
  }
  return out;
}

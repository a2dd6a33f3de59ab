import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type ParsedNode } from "yaml";
import type { FieldPath, Locate, SourcePos } from "../model.ts";

/**
 * Maps field paths of one parsed YAML document back to source positions, so a
 * diagnostic can point at the exact value (or, for a missing field, its parent).
 */
export interface SourceView {
  file: string;
  /** The value at `path`; a collection or empty value points at its key; a missing field at the nearest parent. */
  locate: Locate;
  /** The key of the last segment of `path` when it exists (unknown fields, duplicate names). */
  locateKey: Locate;
  /** How a scalar was written, or undefined when `path` is not a scalar. */
  scalar(path: FieldPath): { plain: boolean; source: string } | undefined;
  /** The same document seen from `prefix`, for items of a `kind: List`. */
  sub(prefix: FieldPath): SourceView;
}

interface Walk {
  /** Deepest node reached. */
  node: Node | null;
  /** The key through which `node` was reached, when it was reached through a map. */
  key: Node | null;
  complete: boolean;
}

type AnyDoc = Document.Parsed | Document;

function deref(doc: AnyDoc, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

/** Looks `key` up in a map, following `<<` merge keys as kubectl's YAML 1.1 reader does. */
function findPair(doc: AnyDoc, map: Node, key: string, depth = 0): { key: Node; value: Node | null } | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  for (const pair of map.items) {
    const k = pair.key;
    if (isScalar(k) && String(k.value) === key) return { key: k, value: deref(doc, pair.value) };
  }
  for (const pair of map.items) {
    const k = pair.key;
    if (!(isScalar(k) && k.value === "<<")) continue;
    const target = deref(doc, pair.value);
    const sources = isSeq(target) ? target.items.map((i) => deref(doc, i)) : [target];
    for (const src of sources) {
      const hit = src === null ? undefined : findPair(doc, src, key, depth + 1);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

function walk(doc: AnyDoc, path: FieldPath): Walk {
  let node = deref(doc, doc.contents);
  let key: Node | null = null;
  for (const seg of path) {
    if (node === null) return { node, key, complete: false };
    if (typeof seg === "string" && isMap(node)) {
      const hit = findPair(doc, node, seg);
      if (hit === undefined) return { node, key, complete: false };
      key = hit.key;
      if (hit.value === null) return { node: null, key, complete: true };
      node = hit.value;
    } else if (typeof seg === "number" && isSeq(node)) {
      const item = deref(doc, node.items[seg]);
      if (item === null) return { node, key, complete: false };
      key = null;
      node = item;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function start(node: Node | null): number | undefined {
  return node?.range?.[0];
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && (node.source === "" || node.source === undefined);
}

/** Builds the view for one document parsed with `lineCounter` attached. */
export function sourceView(file: string, doc: AnyDoc, lineCounter: LineCounter, prefix: FieldPath = []): SourceView {
  const docStart = start(deref(doc, doc.contents)) ?? (doc as Document.Parsed).range?.[0] ?? 0;
  const pos = (offset: number | undefined): SourcePos => {
    const { line, col } = lineCounter.linePos(offset ?? docStart);
    return { file, line, col };
  };
  const full = (path: FieldPath): FieldPath => (prefix.length === 0 ? path : [...prefix, ...path]);

  const locate: Locate = (path) => {
    const w = walk(doc, full(path));
    if (w.complete && w.node !== null && isScalar(w.node) && !isEmptyScalar(w.node)) return pos(start(w.node));
    if (w.key !== null) return pos(start(w.key));
    return pos(start(w.node));
  };
  const locateKey: Locate = (path) => {
    const w = walk(doc, full(path));
    if (w.complete && w.key !== null) return pos(start(w.key));
    return locate(path);
  };
  const scalar = (path: FieldPath): { plain: boolean; source: string } | undefined => {
    const w = walk(doc, full(path));
    if (!w.complete || w.node === null || !isScalar(w.node)) return undefined;
    const node = w.node as ParsedNode & { source?: string; type?: string };
    return { plain: node.type === "PLAIN", source: node.source ?? String((w.node as { value: unknown }).value) };
  };
  return {
    file,
    locate,
    locateKey,
    scalar,
    sub: (more) => sourceView(file, doc, lineCounter, full(more)),
  };
}

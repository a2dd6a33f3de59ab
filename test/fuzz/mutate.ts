/**
 * Seeded manifest mutators for the fuzzer. Two layers:
 *
 * - structural: parse the YAML to plain data, change one node (delete a key, change a
 *   scalar's type, huge/negative numbers, long strings, unicode, control characters,
 *   CR/LF in values, invalid regexes, deep nesting) and print it back;
 * - textual: edit the text itself (duplicate a key line, re-indent a line, insert YAML
 *   punctuation, truncate at a random byte, flip random bytes).
 *
 * Same seed and input, same output. The result is usually invalid, which is the point.
 */
import { parseAllDocuments, stringify } from "yaml";

export type Rnd = () => number;

const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const int = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const INVALID_REGEXES = [
  "(?=x)",
  "(?!x)",
  "(?<=a)b",
  "\\1",
  "(a)\\1",
  "(",
  ")",
  "[",
  "[z-a]",
  "a{1001}",
  "a**",
  "(?P<n>",
  "\\p{Nope}",
  "\\",
  "x{2,1}",
  "(?i",
];
const EXPLOSIVE_REGEXES = ["(a+)+$", "(a|aa)+$", "(a|a?)+$", "([a-z]+)*\\d", "(.*a){12}", ".*.*.*.*.*=.*"];
const WEIRD_STRINGS = [
  "",
  " ",
  "a\r\nb",
  "v\nx-injected: 1",
  "a\rb",
  "\u0000",
  "\u0007bell",
  "tab\there",
  "\u001b[31mred",
  "ü.Ŝ",
  "😀",
  "\u202eevil",
  "\ud800",
  "\uFEFFbom",
  "*.example.com",
  "*",
  "..",
  ".a",
  "a..b",
  "-a",
  "A.EXAMPLE.COM",
  "example.com:443",
  "10.0.0.1",
  "[::1]",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "~",
  "null",
  "true",
  "0x10",
  "1e3",
  "%00",
  "/pkg.Svc/M",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the mutation
  "${HOME}",
  "&anchor",
  "*alias",
  "!tag",
  "'",
  '"',
  "#comment",
  ": colon",
  "- dash",
  "RegularExpression",
  "Exact",
  "Selector",
  "Same",
  "All",
  "Service",
  "Gateway",
  "gateway.networking.k8s.io",
];
const NUMBERS = [
  0,
  -1,
  -0,
  1,
  0.5,
  -2147483649,
  2147483648,
  65535,
  65536,
  1_000_000,
  1_000_001,
  2 ** 53 + 1,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  1e-300,
];

function isObj(v: Json): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every path in the value (the root excluded), in document order. */
function paths(v: Json, base: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...base, i]);
      paths(x, [...base, i], out);
    });
  } else if (isObj(v)) {
    for (const k of Object.keys(v)) {
      out.push([...base, k]);
      paths(v[k]!, [...base, k], out);
    }
  }
  return out;
}

function get(v: Json, p: Path): Json {
  let cur = v;
  for (const s of p) cur = Array.isArray(cur) ? cur[s as number]! : (cur as { [k: string]: Json })[s as string]!;
  return cur;
}

function parentOf(root: Json, p: Path): { parent: Json[] | { [k: string]: Json }; key: string | number } {
  return { parent: get(root, p.slice(0, -1)) as Json[] | { [k: string]: Json }, key: p[p.length - 1]! };
}

function set(root: Json, p: Path, value: Json): void {
  const { parent, key } = parentOf(root, p);
  if (Array.isArray(parent)) parent[key as number] = value;
  else parent[key as string] = value;
}

function remove(root: Json, p: Path): void {
  const { parent, key } = parentOf(root, p);
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key as string];
}

function deep(rnd: Rnd, depth: number): Json {
  let v: Json = pick(rnd, ["x", 1, null, true]);
  for (let i = 0; i < depth; i++) v = rnd() < 0.5 ? [v] : { a: v };
  return v;
}

function randomScalarOrCollection(rnd: Rnd, old: Json): Json {
  switch (int(rnd, 0, 9)) {
    case 0:
      return typeof old === "string" ? Number(old.length) : String(JSON.stringify(old) ?? "x");
    case 1:
      return pick(rnd, NUMBERS);
    case 2:
      return rnd() < 0.5;
    case 3:
      return null;
    case 4:
      return [old];
    case 5:
      return { value: old };
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return pick(rnd, WEIRD_STRINGS);
    default:
      return typeof old === "string" ? old + pick(rnd, WEIRD_STRINGS) : String(old);
  }
}

const REGEX_KEYS = new Set(["service", "method", "value"]);

/** One structural change to one parsed document. */
function mutateValue(rnd: Rnd, root: Json): Json {
  const all = paths(root);
  if (all.length === 0) return pick(rnd, [null, 1, "x", [], {}, [root]]);
  const p = pick(rnd, all);
  const old = get(root, p);
  const last = p[p.length - 1];
  switch (int(rnd, 0, 12)) {
    case 0:
    case 1:
      remove(root, p);
      break;
    case 2:
    case 3:
      set(root, p, randomScalarOrCollection(rnd, old));
      break;
    case 4:
      set(root, p, pick(rnd, NUMBERS) * (rnd() < 0.5 ? -1 : 1));
      break;
    case 5:
      // Very long strings: past every maxLength (253, 1024, 4096, 65536).
      set(root, p, pick(rnd, ["a", "é", "a.", "x-"]).repeat(pick(rnd, [254, 1025, 4097, 40_000])));
      break;
    case 6:
      set(root, p, pick(rnd, WEIRD_STRINGS));
      break;
    case 7: {
      // Regexes where regexes go, and the type that makes them regexes.
      const { parent } = parentOf(root, p);
      if (isObj(parent as Json) && typeof last === "string" && REGEX_KEYS.has(last)) {
        (parent as { [k: string]: Json }).type = rnd() < 0.8 ? "RegularExpression" : pick(rnd, ["Exact", "regex", 3, null]);
        set(root, p, pick(rnd, rnd() < 0.7 ? INVALID_REGEXES : EXPLOSIVE_REGEXES));
      } else {
        set(root, p, pick(rnd, INVALID_REGEXES));
      }
      break;
    }
    case 8:
      set(root, p, deep(rnd, int(rnd, 20, 300)));
      break;
    case 9: {
      // Copy a sibling item (duplicate list entries: parentRefs, rules, headers, listeners).
      const { parent } = parentOf(root, p);
      if (Array.isArray(parent)) parent.push(structuredClone(old));
      else if (isObj(old)) (parent as { [k: string]: Json })[`${String(last)}`] = { ...old, ...old };
      break;
    }
    case 10: {
      // Grow a list past its limits (16 rules, 64 matches, 16 headers, ...).
      if (Array.isArray(old) && old.length > 0) {
        const n = pick(rnd, [17, 65, 129]);
        while (old.length < n) old.push(structuredClone(old[old.length % Math.max(1, old.length)]!));
      } else set(root, p, randomScalarOrCollection(rnd, old));
      break;
    }
    case 11: {
      // An unknown or misspelt key next to this one.
      const { parent } = parentOf(root, p);
      if (isObj(parent as Json))
        (parent as { [k: string]: Json })[pick(rnd, ["extra", "Kind", "hostName", "match", "__proto__", "constructor", ""])] = old;
      else set(root, p, randomScalarOrCollection(rnd, old));
      break;
    }
    default:
      set(root, p, typeof old === "string" ? old.toUpperCase() : randomScalarOrCollection(rnd, old));
  }
  return root;
}

/** Structural mutation of a multi-document text; returns the text unchanged if it does not parse. */
export function mutateStructure(rnd: Rnd, text: string, rounds: number): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return text;
  const values = docs.map((d) => d.toJS({ maxAliasCount: 1000 }) as Json);
  if (values.length === 0) return text;
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(rnd() * values.length);
    values[at] = mutateValue(rnd, values[at]!);
  }
  return values.map((v) => stringify(v, { lineWidth: 0 })).join("---\n");
}

const INSERTS = [
  ": ",
  "- ",
  "\t",
  "&a ",
  "*a",
  "<<: *a\n",
  "!!binary ",
  "!!str ",
  "? ",
  "{",
  "}",
  "[",
  "]",
  ",",
  "#",
  "'",
  '"',
  "|\n",
  ">-\n",
  "\n---\n",
  "\n...\n",
  "%YAML 1.1\n",
  "\u0000",
  "\r",
  "\r\n",
  "\\",
  "@",
  "`",
  "\u00a0",
  "\u2028",
];

/** One change to the text itself. */
export function mutateText(rnd: Rnd, text: string): string {
  const lines = text.split("\n");
  const li = Math.floor(rnd() * lines.length);
  switch (int(rnd, 0, 7)) {
    case 0: {
      // Duplicate a line: a `key: value` line becomes a duplicate key.
      lines.splice(li, 0, lines[li]!);
      return lines.join("\n");
    }
    case 1: {
      // Swap indentation: more, less, or a tab.
      const line = lines[li]!;
      const indent = line.length - line.trimStart().length;
      const next = pick(rnd, [Math.max(0, indent - 2), Math.max(0, indent - 1), indent + 1, indent + 2, 0]);
      lines[li] = (rnd() < 0.15 ? "\t" : " ".repeat(next)) + line.trimStart();
      return lines.join("\n");
    }
    case 2: {
      // Truncate at a random byte (possibly inside a UTF-8 sequence).
      const bytes = Buffer.from(text, "utf8");
      return bytes.subarray(0, Math.floor(rnd() * bytes.length)).toString("utf8");
    }
    case 3: {
      // Flip random bits in 1–4 random bytes.
      const bytes = Buffer.from(text, "utf8");
      if (bytes.length === 0) return text;
      for (let i = int(rnd, 1, 4); i > 0; i--) {
        const at = Math.floor(rnd() * bytes.length);
        bytes[at] = bytes[at]! ^ (1 << Math.floor(rnd() * 8));
      }
      return bytes.toString("utf8");
    }
    case 4: {
      const at = Math.floor(rnd() * (text.length + 1));
      return text.slice(0, at) + pick(rnd, INSERTS) + text.slice(at);
    }
    case 5: {
      // Delete a random span.
      const at = Math.floor(rnd() * text.length);
      return text.slice(0, at) + text.slice(at + int(rnd, 1, 40));
    }
    case 6: {
      // Swap two lines.
      const lj = Math.floor(rnd() * lines.length);
      [lines[li], lines[lj]] = [lines[lj]!, lines[li]!];
      return lines.join("\n");
    }
    default: {
      // CRLF line endings for part or all of the file.
      return rnd() < 0.5 ? text.replace(/\n/g, "\r\n") : `${lines.slice(0, li).join("\r\n")}\n${lines.slice(li).join("\n")}`;
    }
  }
}

/** 1–3 structural and/or textual mutations. */
export function mutate(rnd: Rnd, text: string): string {
  let out = text;
  const structural = rnd() < 0.6;
  if (structural) out = mutateStructure(rnd, out, int(rnd, 1, 3));
  if (!structural || rnd() < 0.25) {
    for (let i = int(rnd, 1, 2); i > 0; i--) out = mutateText(rnd, out);
  }
  return out;
}

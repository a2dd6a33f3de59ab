/**
 * The literal text every full match of an RE2 pattern must start with, read
 * conservatively: a run of plain characters (letters, digits, `_`, `-`) and escaped
 * punctuation (`\.`), stopped by any other syntax. The Gateway API's RE2 patterns are
 * matched whole (`RE2JS.matches`), so an input that does not start with this prefix
 * cannot match, and the regex need not run: the matcher uses it to index and pre-check
 * regex candidates. An empty string means "no usable prefix", never a wrong one.
 */
export function literalPrefix(source: string): string {
  // A top-level alternation (`abc|xyz`) requires no common prefix; without a parser for
  // group depth any `|` disables the prefix.
  if (source.includes("|")) return "";
  let out = "";
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    let literal: string;
    let width: number;
    if (plain.test(ch)) {
      literal = ch;
      width = 1;
    } else if (ch === "\\" && i + 1 < source.length && escapedPunctuation.includes(source[i + 1]!)) {
      literal = source[i + 1]!;
      width = 2;
    } else {
      break;
    }
    // A quantifier that allows zero (`*`, `?`, `{0,n}`) makes this atom optional.
    const after = source[i + width];
    if (after === "*" || after === "?" || after === "{") break;
    out += literal;
    i += width;
  }
  return out;
}

const plain = /^[A-Za-z0-9_-]$/;
/** Punctuation whose escaped form is that character itself in RE2 syntax. */
const escapedPunctuation = ".+*?()[]{}^$\\/-";

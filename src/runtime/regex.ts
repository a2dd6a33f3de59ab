import { RE2JS } from "re2js";

/** A full-string test; `matches` anchors at both ends as the Gateway API's RE2 users expect. */
export type FullMatch = (input: string) => boolean;

/**
 * RE2 semantics at run time, in linear time: header values come from the client, so a
 * backtracking engine would let one request pin the CPU (catastrophic backtracking).
 * Each regex is compiled once, on its first use, never per request: a cold start with a
 * large table pays only for the regexes its first requests reach (the compiler has
 * already validated every source).
 */
export function compileRegexes(sources: readonly string[]): FullMatch[] {
  return sources.map((source) => {
    let re: RE2JS | undefined;
    return (input: string) => (re ??= RE2JS.compile(source)).matches(input);
  });
}

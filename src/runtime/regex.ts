import { RE2JS } from "re2js";

/** A full-string test; `matches` anchors at both ends as the Gateway API's RE2 users expect. */
export type FullMatch = (input: string) => boolean;

/**
 * RE2 semantics at run time, in linear time: header values come from the client, so a
 * backtracking engine would let one request pin the CPU (catastrophic backtracking).
 * Compiled once per table load, never per request.
 */
export function compileRegexes(sources: readonly string[]): FullMatch[] {
  return sources.map((source) => {
    const re = RE2JS.compile(source);
    return (input: string) => re.matches(input);
  });
}

import { RE2JS } from "re2js";

/**
 * The longest input, in UTF-16 code units (bytes, for the ASCII values gRPC metadata
 * carries), any table regex runs on. RE2 is linear in the input, but the
 * factor is the compiled program (up to the compiler's MAX_RE2_PROGRAM, 256 instructions),
 * so only both bounds together cap what one client value can cost one regex. 8 KiB is
 * nginx's default limit on one header line (large_client_header_buffers), so values many
 * proxies would pass at all still match as before.
 */
export const MAX_REGEX_INPUT = 8192;

/**
 * A full-string test (`matches` anchors at both ends as the Gateway API's RE2 users
 * expect): true or false as RE2 decides, or undefined when the input is longer than
 * MAX_REGEX_INPUT and the regex was not run. Callers choose what a refusal means, because
 * a plain non-match would invert through `invert: true` and let a padded request slip
 * past a policy.
 */
export type FullMatch = (input: string) => boolean | undefined;

/** `test`, run only on input within MAX_REGEX_INPUT: the one place that bound is kept. */
export function bounded(test: (input: string) => boolean): FullMatch {
  return (input: string) => (input.length > MAX_REGEX_INPUT ? undefined : test(input));
}

/**
 * RE2 semantics at run time, in linear time: header values come from the client, so a
 * backtracking engine would let one request pin the CPU (catastrophic backtracking).
 * Each regex is compiled once, on its first use, never per request: a cold start with a
 * large table pays only for the regexes its first requests reach (the compiler has
 * already validated every source and bounded its program size).
 */
export function compileRegexes(sources: readonly string[]): FullMatch[] {
  return sources.map((source) => {
    let re: RE2JS | undefined;
    return bounded((input) => (re ??= RE2JS.compile(source)).matches(input));
  });
}

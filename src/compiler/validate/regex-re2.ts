import { RE2JS } from "re2js";

/**
 * The most RE2 instructions (re2js's `programSize()`) a `RegularExpression` may compile to.
 * RE2 is linear in the input, but each input character can cost work in proportion to
 * the program: `(a|aa|aaa|aaaa){1000}` (12,002 instructions) is valid RE2 and spends about
 * a second of CPU on one 4 KiB header, where a request gets 10 ms on the Workers free
 * plan. RE2's own cap (derived from its 8 MiB max_mem) is far larger, so it is no help
 * here. With the worker's input bound (MAX_REGEX_INPUT, 8 KiB) this caps one regex at
 * 256 × 8192 steps; ordinary patterns are far smaller (a DNS label,
 * `[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?`, is 129; `foo\.v[0-9]+\..*` is 12). It is a
 * bound, not a promise of 10 ms: a pattern whose matching visits a new DFA state per
 * byte (`[ab]*a[ab]{40}`, 45 instructions) still costs tens to hundreds of milliseconds
 * on 8 KiB of hostile input.
 */
export const MAX_RE2_PROGRAM = 256;

/** Why a pattern is refused, and what to write instead. */
export interface Re2Problem {
  message: string;
  fix: string;
}

/**
 * Checks `source` against RE2 syntax, the dialect grpcroute-edge runs `RegularExpression`
 * matches in (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute): the dialect is implementation-specific). RE2 refuses
 * backreferences and lookaround because it guarantees linear-time matching.
 *
 * @returns undefined when RE2 accepts the pattern, else re2js's own message.
 */
export function re2SyntaxError(source: string): string | undefined {
  return compileOrError(source).error;
}

/** The syntax check, then the program-size bound (MAX_RE2_PROGRAM); undefined when both pass. */
export function re2Problem(source: string): Re2Problem | undefined {
  const { re, error } = compileOrError(source);
  const q = JSON.stringify(source);
  if (re === undefined) {
    return {
      message: `${q} is not a valid RE2 regular expression: ${error}`,
      fix: "RE2 has no backreferences or lookaround; rewrite the pattern without them",
    };
  }
  const size = re.programSize();
  if (size <= MAX_RE2_PROGRAM) return undefined;
  return {
    message:
      `${q} compiles to ${size} RE2 instructions (at most ${MAX_RE2_PROGRAM}): matching costs CPU per header byte ` +
      "in proportion to the program, so one long header could use up a request's CPU time",
    fix:
      "a counted repetition copies its group once per count, so write (a|b)+ or [ab]{1,64} rather than " +
      "(a|aa|aaa){1000}; use fewer alternatives, or split the pattern across several matches",
  };
}

function compileOrError(source: string): { re?: RE2JS; error?: string } {
  try {
    return { re: RE2JS.compile(source) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

import { RE2JS } from "re2js";

/**
 * Checks `source` against RE2 syntax, the dialect grpcroute-edge runs `RegularExpression`
 * matches in (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute): the dialect is implementation-specific). RE2 refuses
 * backreferences and lookaround because it guarantees linear-time matching.
 *
 * @returns undefined when RE2 accepts the pattern, else re2js's own message.
 */
export function re2SyntaxError(source: string): string | undefined {
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

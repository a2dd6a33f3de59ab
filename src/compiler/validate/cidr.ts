// CIDR checks for `principal.clientCIDRs` (https://gateway.envoyproxy.io/docs/api/extension_types/#principal)
// and rate-limit `sourceCIDR` (https://gateway.envoyproxy.io/docs/api/extension_types/#sourcematch).
import type { FieldPath } from "../model.ts";
import { parseCidr as parseCidr_, parseIp } from "../../runtime/policy/cidr.ts";
import type { Checker } from "./context.ts";
import { readString, type StringRule } from "./read.ts";

/**
 * The CRD's `clientCIDRs` item pattern. It is unanchored, so the API server admits any string
 * that merely contains a CIDR; Envoy Gateway then parses the whole string.
 */
export const CIDR_SCHEMA =
  /((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\/([0-9]+))|((([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))\/([0-9]+))/;
/**
 * Checks a CIDR as Envoy Gateway reads `clientCIDRs` (Go's `net.ParseCIDR`,
 * https://pkg.go.dev/net#ParseCIDR), with the parser the worker matches with, so what
 * passes here is what the edge can match: the reason it fails, or whether host bits are set
 * (both mask them).
 */
export function parseCidr(s: string): { error?: string; hostBits?: boolean } {
  const slash = s.indexOf("/");
  if (slash < 0) return { error: "a CIDR needs a prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32" };
  const addr = s.slice(0, slash);
  const ip = parseIp(addr);
  if (ip === undefined) return { error: `${JSON.stringify(addr)} is not an IPv4 or IPv6 address` };
  const block = parseCidr_(s);
  if (block === undefined) return { error: `the prefix length must be a number from 0 to ${ip.bits}` };
  const hostMask = (1n << BigInt(block.bits - block.prefix)) - 1n;
  return { hostBits: (block.value & hostMask) !== 0n };
}

/**
 * Reads one CIDR string and checks that it parses; host bits set are a warning. `schema` is the
 * CRD's pattern when it has one: a string that passes it fails only at Envoy Gateway.
 */
export function readCidr(ck: Checker, v: unknown, path: FieldPath, schema?: RegExp, rule: StringRule = {}): string | undefined {
  const s = readString(ck, v, path, rule);
  if (s === undefined) return undefined;
  const r = parseCidr(s);
  if (r.error !== undefined) {
    const stage = schema !== undefined && !schema.test(s) ? "the API server rejects it" : "Envoy Gateway would mark the policy Invalid";
    ck.error(
      path,
      `${JSON.stringify(s)} is not a valid CIDR: ${r.error} (${stage})`,
      "write an address and a prefix length, e.g. 10.0.1.0/24 or 2001:db8::/48",
    );
    return undefined;
  }
  if (r.hostBits === true) {
    ck.warn(
      path,
      `${JSON.stringify(s)} has host bits set; it stands for the whole network`,
      "write the network address, e.g. 10.0.1.0/24 for 10.0.1.7/24",
    );
  }
  return s;
}

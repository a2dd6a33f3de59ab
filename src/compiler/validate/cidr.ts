// CIDR parsing for `principal.clientCIDRs` (https://gateway.envoyproxy.io/docs/api/extension_types/#principal).

/**
 * The CRD's `clientCIDRs` item pattern. It is unanchored, so the API server admits any string
 * that merely contains a CIDR; Envoy Gateway then parses the whole string.
 */
export const CIDR_SCHEMA =
  /((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\/([0-9]+))|((([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))\/([0-9]+))/;
/** Dotted-quad IPv4 as Go's netip parses it: four decimal fields 0–255, no leading zeros. */
function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** IPv6 (RFC 4291 text forms, an embedded IPv4 tail allowed, no zone) as 16 bytes. */
function parseIPv6(s: string): number[] | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string, last: boolean): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    const parts = h.split(":");
    for (const [i, p] of parts.entries()) {
      if (last && i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (v4 === undefined) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? "", true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  return [...head, ...Array<number>(fill).fill(0), ...tail].flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * Parses a CIDR as Go's `net.ParseCIDR` does (https://pkg.go.dev/net#ParseCIDR), which is how
 * Envoy Gateway reads `clientCIDRs`: the reason it fails, or whether host bits are set (Go masks them).
 */
export function parseCidr(s: string): { error?: string; hostBits?: boolean } {
  const slash = s.indexOf("/");
  if (slash < 0) return { error: "a CIDR needs a prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32" };
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  const bytes = addr.includes(":") ? parseIPv6(addr) : parseIPv4(addr);
  if (bytes === undefined) return { error: `${JSON.stringify(addr)} is not an IPv4 or IPv6 address` };
  const bits = bytes.length * 8;
  if (!/^[0-9]+$/.test(len) || Number(len) > bits) return { error: `the prefix length must be a number from 0 to ${bits}` };
  const prefix = Number(len);
  const hostBits = bytes.some((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return (b & (0xff >> keep)) !== 0;
  });
  return { hostBits };
}

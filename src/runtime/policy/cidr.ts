/**
 * IP addresses and CIDR blocks as Envoy's RBAC matches them: by family (an IPv4 block never
 * matches an IPv6 client, nor an IPv4-mapped one), host bits of the block ignored.
 */

/** An address as a 32- or 128-bit number, with its family's width. */
export interface IpAddress {
  bits: 32 | 128;
  value: bigint;
}

export interface CidrBlock extends IpAddress {
  prefix: number;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  let text = s;
  // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const side = (h: string): bigint[] | undefined => {
    if (h === "") return [];
    const out: bigint[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = side(halves[0]!);
  const tail = halves.length === 2 ? side(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = [...head, ...Array<bigint>(8 - given).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses `1.2.3.4` or an IPv6 address (zone ids refused); undefined when it is neither. */
export function parseIp(s: string): IpAddress | undefined {
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  if (!s.includes(":") || s.includes("%")) return undefined;
  const v6 = parseIpv6(s);
  return v6 === undefined ? undefined : { bits: 128, value: v6 };
}

/** Parses `addr/prefix`; undefined when it is not a CIDR block. */
export function parseCidr(s: string): CidrBlock | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(p) || Number(p) > ip.bits) return undefined;
  return { ...ip, prefix: Number(p) };
}

export function cidrContains(block: CidrBlock, ip: IpAddress): boolean {
  if (block.bits !== ip.bits) return false;
  const shift = BigInt(block.bits - block.prefix);
  return block.value >> shift === ip.value >> shift;
}

import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, parseIp } from "./cidr.ts";

describe("parseIp", () => {
  it.each([
    ["1.2.3.4", 32, 0x01020304n],
    ["::1", 128, 1n],
    ["2001:db8::1", 128, 0x20010db8000000000000000000000001n],
    ["::ffff:1.2.3.4", 128, 0xffff01020304n],
    ["1:2:3:4:5:6:7:8", 128, 0x00010002000300040005000600070008n],
  ])("%s", (s, bits, value) => expect(parseIp(s)).toEqual({ bits, value }));

  it.each(["1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "", "x"])("refuses %s", (s) =>
    expect(parseIp(s)).toBeUndefined(),
  );
});

describe("CIDR blocks", () => {
  const inside = (cidr: string, ip: string): boolean => cidrContains(parseCidr(cidr)!, parseIp(ip)!);
  it("contain addresses of their family under the prefix", () => {
    expect(inside("10.0.0.0/8", "10.2.3.4")).toBe(true);
    expect(inside("10.0.0.0/8", "11.0.0.1")).toBe(false);
    expect(inside("192.168.1.77/24", "192.168.1.1")).toBe(true);
    expect(inside("2001:db8::/32", "2001:db8:1::5")).toBe(true);
    expect(inside("2001:db8::/32", "2001:db9::5")).toBe(false);
    expect(inside("1.2.3.4/32", "1.2.3.4")).toBe(true);
  });
  it("never match across families", () => {
    expect(inside("0.0.0.0/0", "::1")).toBe(false);
    expect(inside("::/0", "1.2.3.4")).toBe(false);
  });
  it("refuse prefixes beyond the family's width", () => {
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(parseCidr("::/129")).toBeUndefined();
    expect(parseCidr("10.0.0.0")).toBeUndefined();
  });
});

import { describe, expect, test } from "vitest";
import { CIDR_SCHEMA, parseCidr } from "./cidr.ts";

describe("parseCidr (Go net.ParseCIDR)", () => {
  test.each([
    "10.0.0.0/8",
    "0.0.0.0/0",
    "255.255.255.255/32",
    "::/0",
    "::1/128",
    "2001:db8::/32",
    "2001:DB8:0:0:0:0:0:0/32",
    "::ffff:192.0.2.0/120",
    "1:2:3:4:5:6:7::/128",
    "10.0.0.0/08",
  ])("accepts %s", (s) => expect(parseCidr(s)).toEqual({ hostBits: false }));

  test.each([
    ["10.0.0.0", "a CIDR needs a prefix length"],
    ["10.0.0/8", "is not an IPv4 or IPv6 address"],
    ["010.0.0.0/8", "is not an IPv4 or IPv6 address"],
    ["256.0.0.0/8", "is not an IPv4 or IPv6 address"],
    ["1.2.3.4::/64", "is not an IPv4 or IPv6 address"],
    ["1::2::3/64", "is not an IPv4 or IPv6 address"],
    ["1:2:3:4:5:6:7:8::/64", "is not an IPv4 or IPv6 address"],
    ["fe80::1%eth0/64", "is not an IPv4 or IPv6 address"],
    ["10.0.0.0/33", "from 0 to 32"],
    ["::/129", "from 0 to 128"],
    ["10.0.0.0/", "from 0 to 32"],
    ["10.0.0.0/-1", "from 0 to 32"],
  ])("rejects %s", (s, msg) => expect(parseCidr(s).error).toContain(msg));

  test("host bits are reported, as Go masks them silently", () => {
    expect(parseCidr("10.0.1.7/24")).toEqual({ hostBits: true });
    expect(parseCidr("10.0.1.0/24")).toEqual({ hostBits: false });
    expect(parseCidr("2001:db8::1/64")).toEqual({ hostBits: true });
    expect(parseCidr("10.0.0.1/32")).toEqual({ hostBits: false });
  });

  test("the CRD pattern is unanchored: it finds a CIDR inside other text", () => {
    expect(CIDR_SCHEMA.test("allow 10.0.0.0/8 please")).toBe(true);
    expect(CIDR_SCHEMA.test("hosts")).toBe(false);
  });
});

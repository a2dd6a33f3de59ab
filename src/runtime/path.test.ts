import { describe, expect, it } from "vitest";
import { parseMethodPath } from "./path.ts";

describe("parseMethodPath", () => {
  it("splits /pkg.Service/Method", () => {
    expect(parseMethodPath("/com.example.User/Login")).toEqual({ service: "com.example.User", method: "Login" });
  });
  it("takes the last two segments behind a Connect routing prefix", () => {
    expect(parseMethodPath("/api/v1/com.example.User/Login")).toEqual({ service: "com.example.User", method: "Login" });
  });
  it.each(["", "/", "/Login", "//Login", "/svc/", "/svc//", "svc/Login"])("rejects %j", (p) => {
    expect(parseMethodPath(p)).toBeNull();
  });
});

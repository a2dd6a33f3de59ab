import { describe, expect, it } from "vitest";
import { MAX_NAME_LENGTH, parseMethodPath } from "./path.ts";

describe("parseMethodPath", () => {
  it("splits /pkg.Service/Method", () => {
    expect(parseMethodPath("/com.example.User/Login")).toEqual({ service: "com.example.User", method: "Login" });
    expect(parseMethodPath("/Svc/_m1")).toEqual({ service: "Svc", method: "_m1" });
  });
  it.each([
    "",
    "/",
    "/Login",
    "//Login",
    "/svc/",
    "/svc//",
    "svc/Login",
    "/api/com.example.User/Login",
    "/com.example.User/Login/extra",
    "/../com.example.User/Login",
    "/com..example.User/Login",
    "/com.example.User./Login",
    "/com.example%2EUser/Login",
    "/com.example.User/Log%69n",
    "/com.example.User/Log-in",
    "/1pkg.Svc/M",
    `/${"a".repeat(MAX_NAME_LENGTH + 1)}/M`,
    `/s/${"m".repeat(MAX_NAME_LENGTH + 1)}`,
  ])("rejects %j", (p) => {
    expect(parseMethodPath(p)).toBeNull();
  });
});

import type { JWTPayload } from "jose";

/** `header.payload.` with `alg: none`: what an attacker sends hoping for no verification. */
export function unsignedToken(payload: JWTPayload): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`;
}

/** A verified JWT payload: the claims of one provider. */
export type Claims = Readonly<Record<string, unknown>>;

/** A claim by dotted path (`user.name`), as Envoy addresses nested claims. */
export function claimAt(claims: Claims, path: string): unknown {
  let v: unknown = claims;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The token's scopes: `scope` or `scp`, each a space-separated string or a list. */
export function scopesOf(claims: Claims): Set<string> {
  const out = new Set<string>();
  for (const name of ["scope", "scp"]) {
    const v = claims[name];
    const list = typeof v === "string" ? v.split(" ") : Array.isArray(v) ? v : [];
    for (const s of list) if (typeof s === "string" && s !== "") out.add(s);
  }
  return out;
}

/** A claim as a header value (Envoy's claimToHeaders): strings as is, integral numbers as integers, booleans; else none. */
export function claimHeaderValue(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/** Envoy drops `http://` / `https://` and one trailing `/` from both sides before comparing audiences. */
export function normalizeAudience(aud: string): string {
  const bare = aud.replace(/^https?:\/\//, "");
  return bare.endsWith("/") ? bare.slice(0, -1) : bare;
}

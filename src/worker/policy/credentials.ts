import type { CredentialSource } from "../../table/types.ts";

/**
 * Reading and removing credentials where a policy says they are: a header (optionally after
 * a prefix), a query parameter, or a cookie. The request's headers and URL here are the
 * copies the origin will get, so removing a credential keeps it from the origin.
 */

/** Characters a JWT or an API key is made of (base64url and `.`): where Envoy's extractor starts after a prefix. */
const tokenStart = /[A-Za-z0-9_.-]/;

function cookies(headers: Headers): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Every value found at `source` (Envoy reads each value of a repeated header). A header
 * with a prefix yields what follows the prefix's first occurrence, from the first token
 * character on; a value without the prefix counts as absent.
 */
export function credentialsAt(source: CredentialSource, headers: Headers, url: URL): string[] {
  switch (source.from) {
    case "header": {
      const raw = headers.get(source.name);
      if (raw === null) return [];
      // Headers joins repeated fields with ", ": a credential never holds one.
      const values = raw.split(", ");
      if (source.prefix === undefined) return values.filter((v) => v !== "");
      return values.flatMap((v) => {
        const at = v.indexOf(source.prefix!);
        if (at < 0) return [];
        const rest = v.slice(at + source.prefix!.length);
        const start = rest.search(tokenStart);
        return start < 0 ? [] : [rest.slice(start)];
      });
    }
    case "param": {
      const v = url.searchParams.get(source.name);
      return v === null || v === "" ? [] : [v];
    }
    case "cookie": {
      const v = cookies(headers).get(source.name);
      return v === undefined || v === "" ? [] : [v];
    }
  }
}

/** Remove whatever is at `source` from the copies the origin gets. */
export function removeCredential(source: CredentialSource, headers: Headers, url: URL): void {
  switch (source.from) {
    case "header":
      headers.delete(source.name);
      return;
    case "param":
      url.searchParams.delete(source.name);
      return;
    case "cookie": {
      const kept = (headers.get("cookie") ?? "")
        .split(";")
        .filter((part) => part.trim() !== "" && part.slice(0, part.indexOf("=")).trim() !== source.name);
      if (kept.length === 0) headers.delete("cookie");
      else headers.set("cookie", kept.map((p) => p.trim()).join("; "));
      return;
    }
  }
}

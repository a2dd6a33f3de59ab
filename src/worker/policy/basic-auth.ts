import { Code, ConnectError } from "../../protocol/index.ts";
import type { BasicRow } from "../../table/types.ts";
import type { EdgeEnv } from "../env.ts";
import { constantTimeEqual } from "./constant-time.ts";
import { misconfigured, secretData } from "./secrets.ts";

const htpasswdKey = ".htpasswd";
const users = new Map<string, { raw: string; hashes: Map<string, string> }>();

/** `user:{SHA}<base64 SHA-1>` lines, the only form Envoy accepts; anything else fails the secret. */
function parseHtpasswd(secret: string, text: string): Map<string, string> {
  const out = new Map<string, string>();
  text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      const colon = line.indexOf(":");
      const user = line.slice(0, colon);
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !hash.startsWith("{SHA}") || !/^[A-Za-z0-9+/]{27}=$/.test(hash.slice(5))) {
        throw misconfigured(secret, `line ${i + 1} of .htpasswd is not user:{SHA}<base64 SHA-1> (what htpasswd -s writes)`);
      }
      if (out.has(user)) throw misconfigured(secret, `.htpasswd lists user ${JSON.stringify(user)} twice`);
      out.set(user, hash.slice(5));
    });
  return out;
}

function hashes(row: BasicRow, env: EdgeEnv): Map<string, string> {
  const text = secretData(env, row.secret)[htpasswdKey];
  if (text === undefined || text === "") throw misconfigured(row.secret, "has no .htpasswd key");
  const cached = users.get(row.secret);
  if (cached?.raw === text) return cached.hashes;
  const parsed = parseHtpasswd(row.secret, text);
  users.set(row.secret, { raw: text, hashes: parsed });
  return parsed;
}

async function sha1Base64(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(s)));
  return btoa(String.fromCharCode(...d));
}

function decodeBase64(s: string): string | undefined {
  try {
    const padded = s + "=".repeat((4 - (s.length % 4)) % 4);
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * Envoy's basic_auth: `Authorization: Basic base64(user:password)` whose password's SHA-1
 * matches the user's `{SHA}` line. Failures are UNAUTHENTICATED with a Basic challenge.
 */
export async function checkBasic(row: BasicRow, env: EdgeEnv, headers: Headers, realm: string): Promise<string> {
  const table = hashes(row, env);
  const fail = (why: string): ConnectError => {
    const e = new ConnectError(`User authentication failed. ${why}`, Code.Unauthenticated);
    e.metadata.set("www-authenticate", `Basic realm="${realm}"`);
    return e;
  };
  const auth = headers.get("authorization");
  if (auth === null) throw fail("Missing username and password.");
  if (!auth.startsWith("Basic ")) throw fail("Expected 'Basic' authentication scheme.");
  const decoded = decodeBase64(auth.slice("Basic ".length).trim());
  const colon = decoded?.indexOf(":") ?? -1;
  if (decoded === undefined || colon < 0) throw fail("Invalid basic credential format.");
  const user = decoded.slice(0, colon);
  const stored = table.get(user);
  // The digest is computed whether or not the user exists, so timing tells nothing of who does.
  const presented = await sha1Base64(decoded.slice(colon + 1));
  if (stored === undefined || !constantTimeEqual(presented, stored)) throw fail("Invalid username/password combination.");
  if (row.forwardUsernameHeader !== undefined) headers.set(row.forwardUsernameHeader, user);
  return user;
}

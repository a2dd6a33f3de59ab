import { Code, ConnectError } from "../../protocol/index.ts";
import type { ApiKeyRow } from "../../table/types.ts";
import type { EdgeEnv } from "../env.ts";
import { sha256Hex } from "./constant-time.ts";
import { credentialsAt, removeCredential } from "./credentials.ts";
import { misconfigured, secretData } from "./secrets.ts";

/** Digest of each key → client id, per set of secret values (rebuilt when a secret rotates). */
const indexes = new Map<string, { values: string; byDigest: Map<string, string> }>();

async function keyIndex(row: ApiKeyRow, env: EdgeEnv): Promise<Map<string, string>> {
  const datas = row.secrets.map((s) => secretData(env, s));
  const values = JSON.stringify(datas);
  const id = row.secrets.join(",");
  const cached = indexes.get(id);
  if (cached?.values === values) return cached.byDigest;
  const byDigest = new Map<string, string>();
  const clients = new Set<string>();
  for (const [i, data] of datas.entries()) {
    for (const [client, key] of Object.entries(data)) {
      // The same client id in two Secrets: the first Secret wins (Envoy Gateway).
      if (clients.has(client)) continue;
      clients.add(client);
      const digest = await sha256Hex(key);
      if (byDigest.has(digest)) throw misconfigured(row.secrets[i]!, "gives two clients the same API key");
      byDigest.set(digest, client);
    }
  }
  indexes.set(id, { values, byDigest });
  return byDigest;
}

const unauthenticated = (): ConnectError => new ConnectError("Client authentication failed.", Code.Unauthenticated);

/**
 * Envoy's api_key_auth: the first non-empty value among the sources (a header's leading
 * `Bearer ` dropped) must be a known key. Returns the client id; sets the client-id header
 * and, with `sanitize`, removes the key from every source.
 */
export async function checkApiKey(row: ApiKeyRow, env: EdgeEnv, headers: Headers, url: URL): Promise<string> {
  let presented: string | undefined;
  for (const s of row.sources) {
    const v = credentialsAt(s, headers, url)[0];
    if (v !== undefined) {
      presented = s.from === "header" && v.startsWith("Bearer ") ? v.slice("Bearer ".length) : v;
      break;
    }
  }
  const index = await keyIndex(row, env);
  if (presented === undefined || presented === "") throw unauthenticated();
  const client = index.get(await sha256Hex(presented));
  if (client === undefined) throw unauthenticated();
  if (row.sanitize) for (const s of row.sources) removeCredential(s, headers, url);
  if (row.forwardClientIdHeader !== undefined) headers.set(row.forwardClientIdHeader, client);
  return client;
}

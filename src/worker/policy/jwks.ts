import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { Code, ConnectError } from "../../protocol/index.ts";
import type { JwksSource } from "../../table/types.ts";

/**
 * Key sets for JWT providers. A local JWKS is loaded once. A remote one is fetched at most
 * once per `cacheDuration` per isolate (concurrent cold calls share the fetch), shared between
 * isolates through the Cache API where the zone has one, refetched at most once per
 * `failedRefetchDuration` for a `kid` it lacks (key rotation), and kept after its time when a
 * refetch fails (stale if error, with a warning). Keys are per-isolate state by design: they
 * are public and the same for every request.
 */

export type KeySet = JWTVerifyGetKey;

interface Remote {
  keys?: KeySet;
  fetchedAt: number;
  /** When a fetch was last tried because of an unknown `kid`, or failed. */
  lastTry: number;
  pending?: Promise<KeySet>;
}

const remotes = new Map<string, Remote>();
const locals = new WeakMap<object, KeySet>();

/** Cache API key for a JWKS: its own URL space, so no ordinary fetch of the URI ever reads it. */
const cacheKey = (uri: string): string => `https://jwks.grpcroute-edge.invalid/${encodeURIComponent(uri)}`;
const fetchedAtHeader = "x-grpcroute-edge-fetched-at";

export function jwksUnavailable(): ConnectError {
  return new ConnectError("Jwks remote fetch is failed", Code.Unavailable);
}

function toKeySet(json: unknown): KeySet {
  if (typeof json !== "object" || json === null || !Array.isArray((json as { keys?: unknown }).keys)) {
    throw new Error("not a JWKS (no keys array)");
  }
  return createLocalJWKSet(json as JSONWebKeySet);
}

async function fromCache(uri: string, now: number, maxAgeMs: number): Promise<{ keys: KeySet; fetchedAt: number } | undefined> {
  try {
    const hit = await caches.default.match(cacheKey(uri));
    if (hit === undefined) return undefined;
    const fetchedAt = Number(hit.headers.get(fetchedAtHeader));
    if (!(now - fetchedAt < maxAgeMs)) return undefined;
    return { keys: toKeySet(await hit.json()), fetchedAt };
  } catch {
    return undefined;
  }
}

async function download(uri: string, cacheMs: number, now: number): Promise<KeySet> {
  const res = await fetch(uri, { headers: { accept: "application/json" } });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const text = await res.text();
  const keys = toKeySet(JSON.parse(text));
  try {
    const headers = {
      "content-type": "application/json",
      "cache-control": `max-age=${Math.ceil(cacheMs / 1000)}`,
      [fetchedAtHeader]: String(now),
    };
    await caches.default.put(cacheKey(uri), new Response(text, { headers }));
  } catch {
    // No Cache API here (workers.dev, some local setups): the isolate's copy still serves.
  }
  return keys;
}

/** The provider's keys; `refresh` asks for a refetch because a token's `kid` was not found. */
export async function keySet(src: JwksSource, refresh = false, now = Date.now()): Promise<KeySet | undefined> {
  if ("keys" in src) {
    let k = locals.get(src);
    if (k === undefined) {
      k = createLocalJWKSet({ keys: src.keys as unknown as JSONWebKeySet["keys"] });
      locals.set(src, k);
    }
    return refresh ? undefined : k;
  }
  let r = remotes.get(src.uri);
  if (r === undefined) {
    r = { fetchedAt: Number.NEGATIVE_INFINITY, lastTry: Number.NEGATIVE_INFINITY };
    remotes.set(src.uri, r);
  }
  const fresh = r.keys !== undefined && now - r.fetchedAt < src.cacheMs;
  if (refresh) {
    if (now - r.lastTry < src.failedRefetchMs) return undefined;
  } else if (fresh) return r.keys;
  else if (r.keys !== undefined && now - r.lastTry < src.failedRefetchMs) return r.keys;
  const entry = r;
  entry.pending ??= (async () => {
    try {
      const shared = refresh ? undefined : await fromCache(src.uri, now, src.cacheMs);
      if (shared !== undefined) {
        entry.keys = shared.keys;
        entry.fetchedAt = shared.fetchedAt;
        return shared.keys;
      }
      // Only refetches for an unknown kid (and failures) count against failedRefetchDuration.
      if (refresh) entry.lastTry = now;
      const keys = await download(src.uri, src.cacheMs, now);
      entry.keys = keys;
      entry.fetchedAt = now;
      return keys;
    } catch (e) {
      entry.lastTry = now;
      if (entry.keys === undefined) throw jwksUnavailable();
      console.warn(
        `grpcroute-edge: JWKS ${src.uri} could not be refetched (${e instanceof Error ? e.message : String(e)}); serving the cached keys`,
      );
      return entry.keys;
    } finally {
      entry.pending = undefined;
    }
  })();
  return entry.pending;
}

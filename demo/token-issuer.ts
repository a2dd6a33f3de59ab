/**
 * A real token issuer and JWKS server on 127.0.0.1: RS256 and ES256 key pairs made with
 * WebCrypto (through jose), tokens signed on request, and `/jwks.json` served over HTTP
 * with a request count, a switch to fail it, and key rotation. The demo's SecurityPolicy
 * trusts it; the policy tests (test/policy) use it for every JWT outcome.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { createServer } from "node:http";
import { closer, listen, loopback } from "./origin.ts";

type Alg = "RS256" | "ES256";

interface Key {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface TokenIssuer {
  /** `http://127.0.0.1:<port>`: also the tokens' default `iss`. */
  url: string;
  jwksUri: string;
  /** How many times `/jwks.json` was asked for. */
  jwksRequests(): number;
  /** Make `/jwks.json` answer 503 (or serve again). */
  setDown(down: boolean): void;
  /** A new key under a new `kid`, published in the JWKS from now on; returns its kid. */
  rotate(alg: Alg): Promise<string>;
  /** The JWKS as JSON text (for a local JWKS). */
  jwksJson(): string;
  /** A signed token; `kid` defaults to the first key of `alg`. */
  sign(payload: JWTPayload, options?: { alg?: Alg; kid?: string; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

async function newKey(alg: Alg, kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const keys: Key[] = [await newKey("RS256", "rsa-1"), await newKey("ES256", "ec-1")];
  let requests = 0;
  let down = false;
  const jwksJson = (): string => JSON.stringify({ keys: keys.map((k) => k.jwk) });
  const server = createServer((req, res) => {
    req.resume();
    if (req.url !== "/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    requests++;
    if (down) {
      res.writeHead(503, { "content-type": "text/plain" }).end("down");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(jwksJson());
  });
  const port = await listen(server);
  const url = `http://${loopback}:${port}`;
  let serial = 1;
  return {
    url,
    jwksUri: `${url}/jwks.json`,
    jwksRequests: () => requests,
    setDown: (d) => {
      down = d;
    },
    rotate: async (alg) => {
      const k = await newKey(alg, `${alg === "RS256" ? "rsa" : "ec"}-${++serial}`);
      keys.push(k);
      return k.kid;
    },
    jwksJson,
    sign: async (payload, options = {}) => {
      const alg = options.alg ?? "RS256";
      const key = options.kid !== undefined ? keys.find((k) => k.kid === options.kid)! : keys.find((k) => k.alg === alg)!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, iat: now, exp: now + 600, ...payload })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...options.header })
        .sign(key.privateKey);
    },
    close: closer(server),
  };
}

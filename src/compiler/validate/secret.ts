import type { ConfigMapDoc, SecretDoc } from "../model.ts";
import type { Checker } from "./context.ts";
import { field, isObj, readObject, readString, readStringMap } from "./read.ts";

/**
 * A Secret may appear in the inputs to say that a Worker secret exists, but never with its
 * contents: credentials live in Workers secrets (`wrangler secret put`), not in files that
 * are committed and bundled.
 */
export function readSecretSpec(ck: Checker, raw: Record<string, unknown>): SecretDoc["spec"] {
  for (const key of ["data", "stringData"] as const) {
    const v = field(raw, key);
    if (v !== undefined && v !== null && !(isObj(v) && Object.keys(v).length === 0)) {
      ck.error(
        [key],
        `Secret carries ${key}: credentials must not be in the route files, which are committed and compiled`,
        "remove data and stringData here, and store the values with `wrangler secret put` under the secret name `grpcroute-edge check` prints",
        "key",
      );
    }
  }
  const type = readString(ck, field(raw, "type"), ["type"]);
  return type === undefined ? {} : { type };
}

/** A ConfigMap's `data` (string values), read for `localJWKS.valueRef`. */
export function readConfigMapSpec(ck: Checker, raw: Record<string, unknown>): ConfigMapDoc["spec"] {
  const data = field(raw, "data");
  if (data === undefined) return { data: {} };
  if (readObject(ck, data, ["data"]) === undefined) return { data: {} };
  return { data: readStringMap(ck, data, ["data"]) };
}

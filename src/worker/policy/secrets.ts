import { Code, ConnectError } from "../../protocol/index.ts";
import type { EdgeEnv } from "../env.ts";

/**
 * Worker secrets that hold a Secret's `stringData` as a JSON object of strings. Parsed once
 * per value (a rotated secret is a new value); a secret that is missing or malformed fails
 * the calls that need it closed, with INTERNAL, and is logged once per isolate, without its
 * contents.
 */

const parsed = new Map<string, { raw: string; data: Readonly<Record<string, string>> } | { raw: string; problem: string }>();
const logged = new Set<string>();

export function misconfigured(secret: string, problem: string): ConnectError {
  const key = `${secret}: ${problem}`;
  if (!logged.has(key)) {
    logged.add(key);
    console.error(`grpcroute-edge: edge misconfigured: Worker secret ${secret}: ${problem}`);
  }
  return new ConnectError(`edge misconfigured: Worker secret ${secret} ${problem}`, Code.Internal);
}

/** The secret's data, or a ConnectError to answer with. */
export function secretData(env: EdgeEnv, secret: string): Readonly<Record<string, string>> {
  const raw = env[secret];
  if (typeof raw !== "string") throw misconfigured(secret, "is not set (wrangler secret put it, or pass it to dev)");
  let entry = parsed.get(secret);
  if (entry === undefined || entry.raw !== raw) {
    entry = parse(raw);
    parsed.set(secret, entry);
  }
  if ("problem" in entry) throw misconfigured(secret, entry.problem);
  return entry.data;
}

function parse(raw: string): { raw: string; data: Record<string, string> } | { raw: string; problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { raw, problem: "is not JSON: it must hold the Secret's stringData as a JSON object" };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { raw, problem: "must be a JSON object of strings" };
  const data: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== "string") return { raw, problem: `has a non-string value under ${JSON.stringify(k)}` };
    data[k] = value;
  }
  return { raw, data };
}

/**
 * The config is parsed once per env object: workerd gives every request of an isolate the
 * same env, so a request reads no var once the isolate's first request has parsed them.
 */
import { expect, test } from "vitest";
import { edgeConfig, varNames } from "./config.ts";
import type { EdgeEnv } from "./env.ts";

/** An env whose vars count how often they are read. */
function countingEnv(vars: Record<string, string>): { env: EdgeEnv; reads(): number } {
  let reads = 0;
  const env: Record<string, unknown> = {};
  for (const name of varNames) {
    Object.defineProperty(env, name, {
      enumerable: true,
      get: () => {
        reads++;
        return vars[name];
      },
    });
  }
  return { env: env as EdgeEnv, reads: () => reads };
}

test("the same env object: the vars are read for the first call only", () => {
  const { env, reads } = countingEnv({ MAX_MESSAGE_BYTES: "2048" });
  const first = edgeConfig(env);
  const after = reads();
  expect(after).toBeGreaterThan(0);
  for (let i = 0; i < 5; i++) expect(edgeConfig(env)).toBe(first);
  expect(reads()).toBe(after);
});

test("another env object with other vars gets its own config", () => {
  const a = edgeConfig(countingEnv({ MAX_MESSAGE_BYTES: "2048" }).env);
  const b = edgeConfig(countingEnv({ MAX_MESSAGE_BYTES: "4096" }).env);
  expect(a).toHaveProperty("limits.maxMessageBytes", 2048);
  expect(b).toHaveProperty("limits.maxMessageBytes", 4096);
});

import { Hono } from "hono";
import { createMatcher } from "../runtime/matcher.ts";
import type { Random } from "../runtime/types.ts";
import type { RouteTable } from "../table/types.ts";
import type { EdgeEnv } from "./env.ts";
import { handleRequest } from "./handle.ts";
import { cryptoRandom } from "./random.ts";

/** Options for tests and embedders. */
export interface AppOptions {
  /** Weighted picks and mirror sampling; `crypto.getRandomValues` by default. */
  random?: Random;
}

/**
 * The edge Worker as a Hono app over one route table. Every path is a potential gRPC
 * procedure, so there is one catch-all handler; the table's regexes compile once, here.
 */
export function createApp(table: RouteTable, options: AppOptions = {}): Hono<{ Bindings: EdgeEnv }> {
  const matcher = createMatcher(table);
  const random = options.random ?? cryptoRandom;
  const app = new Hono<{ Bindings: EdgeEnv }>();
  app.all("*", (c) =>
    handleRequest(c.req.raw, matcher, {
      env: c.env,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
      random,
    }),
  );
  return app;
}

import { compileRoutes } from "../fixtures/demo-routes.ts";
import { startOrigin, type RunningOrigin } from "./origins.ts";
import { startWorker, type RunningWorker } from "./worker.ts";

/** Routes in workerd with each named backend redirected (ORIGINS) to its own real origin. */
export interface Stage {
  worker: RunningWorker;
  origins: Map<string, RunningOrigin>;
  close(): Promise<void>;
}

export async function stage(yaml: string, backends: string[]): Promise<Stage> {
  const origins = new Map(await Promise.all(backends.map(async (b) => [b, await startOrigin(b)] as const)));
  const overrides = Object.fromEntries([...origins].map(([b, o]) => [b, o.url]));
  const worker = await startWorker(compileRoutes(yaml), { vars: { ORIGINS: JSON.stringify(overrides) } });
  return {
    worker,
    origins,
    async close() {
      await worker.dispose();
      await Promise.all([...origins.values()].map((o) => o.close()));
    },
  };
}

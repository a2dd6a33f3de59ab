/**
 * The whole demo, as `npm run demo` and the browser test start it: two real DemoService
 * origins (stable and canary), the worker in workerd with demo/routes compiled and the
 * origins passed through the ORIGINS var, and the page server, whose origin is the one
 * ALLOWED_ORIGINS lets through CORS.
 */
import { join } from "node:path";
import { formatDiagnostic } from "../src/compiler/index.ts";
import { compilePaths } from "../src/cli/pipeline.ts";
import { startWorker, type RunningWorker } from "../src/cli/workerd.ts";
import { startPage, type RunningPage } from "./page.ts";
import { startOrigin, type RunningOrigin } from "./origin.ts";
import { root } from "./root.ts";

/** Backend Service names in demo/routes; each origin answers with its name. */
export const stableBackend = "demo-svc";
export const canaryBackend = "demo-svc-canary";

export interface DemoOptions {
  /** 0 (default) picks free ports. */
  pagePort?: number;
  workerPort?: number;
}

export interface RunningDemo {
  /** Open this in a browser. */
  pageUrl: string;
  workerUrl: string;
  stable: RunningOrigin;
  canary: RunningOrigin;
  page: RunningPage;
  worker: RunningWorker;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const r = await compilePaths([join(root, "demo", "routes")]);
  if (r.errors > 0) throw new Error(`demo/routes do not compile:\n${r.all.map(formatDiagnostic).join("\n")}`);
  const started = await Promise.allSettled([startOrigin(stableBackend), startOrigin(canaryBackend), startPage(options.pagePort ?? 0)]);
  const [s, c, p] = started;
  if (s.status === "rejected" || c.status === "rejected" || p.status === "rejected") {
    // Whatever did start must not keep the process (or a test run) alive.
    await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.close() : undefined)));
    throw started.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason;
  }
  const [stable, canary, page] = [s.value, c.value, p.value];
  let worker: RunningWorker;
  try {
    worker = await startWorker(r.table, {
      port: options.workerPort ?? 0,
      vars: {
        ALLOWED_ORIGINS: page.origin,
        // The ports are free ones picked now, so the manifests' annotations are overridden.
        ORIGINS: JSON.stringify({ [stableBackend]: stable.url, [canaryBackend]: canary.url }),
      },
    });
  } catch (e) {
    await Promise.all([stable.close(), canary.close(), page.close()]);
    throw e;
  }
  page.setWorkerUrl(worker.url);
  return {
    pageUrl: `${page.origin}/`,
    workerUrl: worker.url,
    stable,
    canary,
    page,
    worker,
    async close() {
      await worker.dispose();
      await Promise.all([stable.close(), canary.close(), page.close()]);
    },
  };
}

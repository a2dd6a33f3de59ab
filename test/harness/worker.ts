/**
 * The worker in workerd for tests: the same bundling and Miniflare start as
 * `grpcroute-edge dev`, with the test's compiled table in place of `.generated/routes.json.txt`.
 */
export {
  bundleWorker,
  COMPATIBILITY_DATE as compatibilityDate,
  startWorker,
  type RunningWorker,
  type WorkerOptions,
} from "../../src/cli/workerd.ts";

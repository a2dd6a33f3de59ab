import { fileURLToPath } from "node:url";

/**
 * The repository root. Bundled by scripts/run-ts.js this module no longer sits in demo/,
 * so the launcher says where the repository is (as for src/cli/workerd.ts).
 */
export const root = process.env.GRPCROUTE_EDGE_ROOT ?? fileURLToPath(new URL("..", import.meta.url));

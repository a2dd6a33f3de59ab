import routesJson from "../../.generated/routes.json.txt";
import { parseTable } from "../table/codec.ts";
import { createApp } from "./app.ts";

/**
 * The Worker entry: the route table compiled at build time (wrangler `[build]` runs
 * `grpcroute-edge compile`) served by the edge app. The table arrives as JSON text and
 * is parsed once at startup: V8 parses a large table with JSON.parse several times
 * faster than the same data written as a JavaScript object literal (cold start,
 * BENCHMARKS.md).
 */
const app = createApp(parseTable(routesJson));

export default { fetch: app.fetch };

/** Global rate limits count here (wrangler.toml binds it when a table has one). */
export { RateLimiter } from "./policy/rate-limiter.ts";

import routes from "../../.generated/routes.json";
import type { RouteTable } from "../table/types.ts";
import { createApp } from "./app.ts";

/**
 * The Worker entry: the route table compiled at build time (wrangler `[build]` runs
 * `grpcroute-edge compile`) served by the edge app.
 */
const app = createApp(routes as RouteTable);

export default { fetch: app.fetch };

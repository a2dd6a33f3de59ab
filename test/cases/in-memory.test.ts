import { runRoutingCases } from "./run-routing-cases.ts";
import { tableAdapter } from "./table.ts";

runRoutingCases(tableAdapter("in memory", (t) => t));

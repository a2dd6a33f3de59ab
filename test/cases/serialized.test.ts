import { parseTable, serializeTable } from "../../src/table/codec.ts";
import { runRoutingCases } from "./run-routing-cases.ts";
import { tableAdapter } from "./table.ts";

// The table the worker gets is the text the CLI writes: matching must survive the round trip.
runRoutingCases(tableAdapter("serialized table", (t) => parseTable(serializeTable(t))));

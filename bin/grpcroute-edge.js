#!/usr/bin/env node
import { importTs } from "../scripts/run-ts.js";

const { main } = await importTs("src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));

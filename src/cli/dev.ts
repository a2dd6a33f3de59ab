import { UsageError } from "./usage.ts";

/** `dev`: serve the worker locally. Filled in with the worker. */
export async function dev(_args: string[]): Promise<number> {
  throw new UsageError("dev is not available yet");
}

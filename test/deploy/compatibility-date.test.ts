/**
 * One compatibility date everywhere, and never later than the pinned workerd knows:
 * workerd refuses a date after its own build, so `wrangler dev`, Miniflare in the tests and
 * a deploy would disagree (or fail) if wrangler.toml moved alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { COMPATIBILITY_DATE } from "../../src/cli/workerd.ts";

const root = join(import.meta.dirname, "../..");

function wranglerDates(): string[] {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  // Top level and any [env.X] table may set one; all must agree.
  return [...toml.matchAll(/^\s*compatibility_date\s*=\s*"([^"]*)"/gm)].map((m) => m[1]!);
}

/** workerd's version is `1.YYYYMMDD.patch`: the date is the newest it supports. */
function workerdDate(): string {
  const { version } = JSON.parse(readFileSync(join(root, "node_modules", "workerd", "package.json"), "utf8")) as { version: string };
  const m = /^1\.(\d{4})(\d{2})(\d{2})\.\d+$/.exec(version);
  if (m === null) throw new Error(`unexpected workerd version ${version}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

it("wrangler.toml's compatibility_date equals COMPATIBILITY_DATE in src/cli/workerd.ts", () => {
  const dates = wranglerDates();
  expect(dates.length).toBeGreaterThan(0);
  for (const d of dates) expect(d).toBe(COMPATIBILITY_DATE);
});

it("is a real date no later than the pinned workerd's", () => {
  const date = wranglerDates()[0]!;
  expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(date);
  // ISO dates compare as strings.
  expect(date <= workerdDate(), `compatibility_date ${date} is after workerd ${workerdDate()}`).toBe(true);
});

/**
 * The one runner for the routing cases: every way the matcher runs is an adapter, and
 * each adapter sees the same suites and cases in the same order, so a way cannot quietly
 * drop a case. An adapter that cannot answer a case returns the reason instead, and the
 * runner prints every such skip so a reader sees what that way does not cover.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routingSuites, type RoutingCase, type RoutingSuite } from "./routing.cases.ts";

/** A backend Service name, the upper-case gRPC code the router answers with, or why not. */
export type Outcome = string | { skip: string };

export interface RoutingAdapter<State = undefined> {
  name: string;
  /** Once per suite, before its cases: compile the manifests, start origins. */
  setup?(suite: RoutingSuite): Promise<State>;
  teardown?(state: State): Promise<void> | void;
  outcome(c: RoutingCase, state: State): Promise<Outcome>;
}

export function runRoutingCases<State>(adapter: RoutingAdapter<State>, suites: readonly RoutingSuite[] = routingSuites): void {
  const ran = { checked: 0, skipped: [] as string[] };
  const total = suites.reduce((n, s) => n + s.cases.length, 0);

  for (const suite of suites) {
    describe(`${suite.name} (${adapter.name})`, () => {
      let state: State;
      let ready = false;
      beforeAll(async () => {
        state = (await adapter.setup?.(suite)) as State;
        ready = true;
      });
      afterAll(async () => {
        if (ready) await adapter.teardown?.(state);
      });
      for (const c of suite.cases) {
        it(c.name, async () => {
          const got = await adapter.outcome(c, state);
          if (typeof got !== "string") {
            ran.skipped.push(`${suite.name} / ${c.name}: ${got.skip}`);
            return;
          }
          ran.checked++;
          expect(got).toBe(c.expect);
        });
      }
    });
  }

  it(`${adapter.name}: checks most cases, and says why it skips the others`, () => {
    console.log(
      `${adapter.name}: ${ran.checked} cases checked, ${ran.skipped.length} skipped${ran.skipped.map((s) => `\n  ${s}`).join("")}`,
    );
    // A case the adapter threw on is in neither count, and would otherwise read as covered.
    expect(ran.checked + ran.skipped.length).toBe(total);
    expect(ran.checked).toBeGreaterThan(ran.skipped.length);
  });
}

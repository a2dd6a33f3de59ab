/**
 * The linear reference (the spec read straight) picks the rule, and the case's
 * expectation is checked against that rule's one backend. The reference matches rules
 * only: a case whose answer needs backend resolution (weights, invalid backends,
 * Service-parent hops) is skipped, with that reason.
 */
import { loadSources, type GRPCRouteDoc, type Resource } from "../../src/compiler/index.ts";
import { createLinearMatcher } from "../reference/linear-matcher.ts";
import { runRoutingCases, type Outcome } from "./run-routing-cases.ts";

runRoutingCases<readonly Resource[]>({
  name: "linear reference",
  setup: async (suite) => loadSources(suite.files).resources,
  async outcome(c, resources): Promise<Outcome> {
    // An answer only backend resolution gives (UNAVAILABLE for an invalid backend) is out of its reach.
    if (c.expect === "UNAVAILABLE") return { skip: "UNAVAILABLE comes from backend resolution" };
    const hit = createLinearMatcher(resources)({ host: c.host, path: c.path, headers: c.headers ?? {} });
    if (hit === null) return "UNIMPLEMENTED";
    const route = resources.find(
      (r): r is GRPCRouteDoc => r.kind === "GRPCRoute" && `${r.metadata.namespace}/${r.metadata.name}` === hit.route,
    );
    const refs = route?.spec.rules[hit.rule]?.backendRefs ?? [];
    if (refs.length === 0) return "UNIMPLEMENTED";
    const live = refs.filter((b) => b.weight > 0);
    if (live.length !== 1) return { skip: "a weighted pick: the reference does not draw backends" };
    if (route?.spec.parentRefs.some((p) => p.kind === "Service"))
      return { skip: "a Service-parent hop: the reference does not follow them" };
    return live[0]!.name;
  },
});

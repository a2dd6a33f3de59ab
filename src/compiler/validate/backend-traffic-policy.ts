import type { BackendTrafficPolicySpec } from "../model.ts";
import type { Checker } from "./context.ts";

/** Placeholder until the BackendTrafficPolicy reader lands: refuses every policy. */
export function readBackendTrafficPolicySpec(ck: Checker, _raw: Record<string, unknown>, _namespace: string): BackendTrafficPolicySpec {
  ck.error(["spec"], "BackendTrafficPolicy is not supported yet", "remove it");
  return { targetRefs: [], deprecatedTargetRef: false };
}

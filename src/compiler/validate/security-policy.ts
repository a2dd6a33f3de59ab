import type { SecurityPolicySpec } from "../model.ts";
import type { Checker } from "./context.ts";

/** Placeholder until the SecurityPolicy reader lands: refuses every policy. */
export function readSecurityPolicySpec(ck: Checker, _raw: Record<string, unknown>, _namespace: string): SecurityPolicySpec {
  ck.error(["spec"], "SecurityPolicy is not supported yet", "remove it");
  return { targetRefs: [], deprecatedTargetRef: false };
}

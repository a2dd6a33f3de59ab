import type { ReferenceGrantSpec } from "../model.ts";
import { LIMITS } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readNamespace, readObjectName } from "./fields.ts";
import { field, readList, readObject, required, type Obj } from "./read.ts";

/**
 * Validates a ReferenceGrant's `spec` (the Gateway API ReferenceGrant (https://gateway-api.sigs.k8s.io/api-types/referencegrant/)): `from` and `to`, 1–16 entries each;
 * `group` is required but may be "" for the core group.
 */
export function readReferenceGrantSpec(ck: Checker, raw: Obj): ReferenceGrantSpec {
  const out: ReferenceGrantSpec = { from: [], to: [] };
  const spec = readObject(ck, required(ck, raw, "spec", [], "add spec with from and to"), ["spec"], { known: ["from", "to"] });
  if (spec === undefined) return out;
  const groupFix = 'add group: gateway.networking.k8s.io (or "" for core)';
  const from = readList(ck, field(spec, "from"), ["spec", "from"], { min: 1, max: LIMITS.grantFrom, fix: "use at most 16 entries" });
  (from ?? []).forEach((item, i) => {
    const p = ["spec", "from", i];
    const f = readObject(ck, item, p, { known: ["group", "kind", "namespace"] });
    if (f === undefined) return;
    const group = readGroup(ck, required(ck, f, "group", p, groupFix), [...p, "group"]);
    const kind = readKind(ck, required(ck, f, "kind", p, "add kind: GRPCRoute"), [...p, "kind"]);
    const namespace = readNamespace(ck, required(ck, f, "namespace", p), [...p, "namespace"]);
    out.from.push({ group: group ?? "", kind: kind ?? "", namespace: namespace ?? "" });
  });
  const to = readList(ck, field(spec, "to"), ["spec", "to"], { min: 1, max: LIMITS.grantTo, fix: "use at most 16 entries" });
  (to ?? []).forEach((item, i) => {
    const p = ["spec", "to", i];
    const t = readObject(ck, item, p, { known: ["group", "kind", "name"] });
    if (t === undefined) return;
    const group = readGroup(ck, required(ck, t, "group", p, 'add group: "" (core, for Services)'), [...p, "group"]);
    const kind = readKind(ck, required(ck, t, "kind", p, "add kind: Service"), [...p, "kind"]);
    const name = readObjectName(ck, field(t, "name"), [...p, "name"]);
    const entry: ReferenceGrantSpec["to"][number] = { group: group ?? "", kind: kind ?? "" };
    if (name !== undefined) entry.name = name;
    out.to.push(entry);
  });
  return out;
}

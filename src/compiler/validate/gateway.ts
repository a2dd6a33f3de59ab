import type { FieldPath, GatewaySpec, Listener } from "../model.ts";
import { GATEWAY_GROUP, LIMITS, PROTOCOL } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readGroup, readHostname, readKind, readObjectName, readPort, readSectionName } from "./fields.ts";
import { field, readList, readObject, readString, readStringMap, required, type Obj } from "./read.ts";

/** Gateway spec fields that exist but do not affect routing at the edge. */
const IGNORED_SPEC = ["addresses", "infrastructure", "backendTLS", "allowedListeners", "tls", "defaultScope"];
const FROM = ["Same", "All", "Selector"] as const;
type AllowedRoutes = Listener["allowedRoutes"];

function readAllowedRoutes(ck: Checker, v: unknown, path: FieldPath): AllowedRoutes {
  const out: AllowedRoutes = { namespacesFrom: "Same", kinds: [] };
  const a = readObject(ck, v, path, { known: ["namespaces", "kinds"] });
  if (a === undefined) return out;
  const nPath = [...path, "namespaces"];
  const n = readObject(ck, field(a, "namespaces"), nPath, { known: ["from", "selector"] });
  if (n !== undefined) {
    const from = readString(ck, field(n, "from"), [...nPath, "from"], { enum: FROM });
    out.namespacesFrom = (from as AllowedRoutes["namespacesFrom"] | undefined) ?? "Same";
    const sPath = [...nPath, "selector"];
    const s = readObject(ck, field(n, "selector"), sPath, { known: ["matchLabels", "matchExpressions"] });
    if (s !== undefined) {
      const exprs = field(s, "matchExpressions");
      if (exprs !== undefined && !(Array.isArray(exprs) && exprs.length === 0)) {
        ck.error([...sPath, "matchExpressions"], "matchExpressions is not supported by grpcroute-edge", "use matchLabels", "key");
      }
      const labels = readStringMap(ck, field(s, "matchLabels"), [...sPath, "matchLabels"]);
      if (out.namespacesFrom === "Selector") out.namespaceSelector = labels;
      else ck.warn(sPath, `selector is ignored because from is ${out.namespacesFrom}`, "set from: Selector, or remove the selector", "key");
    } else if (out.namespacesFrom === "Selector") {
      ck.error(sPath, "from: Selector needs a selector", "add selector.matchLabels with the namespace labels to admit");
    }
  }
  const kinds = readList(ck, field(a, "kinds"), [...path, "kinds"], { max: LIMITS.allowedKinds, fix: "use at most 8 kinds" });
  (kinds ?? []).forEach((item, i) => {
    const p = [...path, "kinds", i];
    const k = readObject(ck, item, p, { known: ["group", "kind"] });
    if (k === undefined) return;
    const group = readGroup(ck, field(k, "group"), [...p, "group"]) ?? GATEWAY_GROUP;
    const kind = readKind(ck, required(ck, k, "kind", p, "add kind: GRPCRoute"), [...p, "kind"]);
    if (kind !== undefined) out.kinds.push({ group, kind });
  });
  return out;
}

function readListener(ck: Checker, l: Obj, p: FieldPath): Listener {
  const name = readSectionName(ck, required(ck, l, "name", p), [...p, "name"]) ?? "";
  const port = readPort(ck, required(ck, l, "port", p, "add port: 443"), [...p, "port"]) ?? 0;
  const protocol =
    readString(ck, required(ck, l, "protocol", p, "add protocol: HTTPS"), [...p, "protocol"], {
      min: 1,
      max: LIMITS.protocolLength,
      pattern: PROTOCOL,
      what: "protocol",
      fix: "use HTTP or HTTPS",
    }) ?? "";
  const out: Listener = { name, port, protocol, allowedRoutes: readAllowedRoutes(ck, field(l, "allowedRoutes"), [...p, "allowedRoutes"]) };
  const hostname = readHostname(ck, field(l, "hostname"), [...p, "hostname"]);
  if (hostname !== undefined) out.hostname = hostname;
  if (protocol !== "" && protocol !== "HTTP" && protocol !== "HTTPS") {
    ck.warn(
      [...p, "protocol"],
      `listener protocol ${protocol} does not carry GRPCRoute; only HTTP and HTTPS listeners do`,
      "use protocol: HTTPS or HTTP for gRPC traffic",
    );
  }
  if (["TCP", "UDP"].includes(protocol) && hostname !== undefined) {
    ck.error([...p, "hostname"], "hostname must not be specified for protocols ['TCP', 'UDP']", "remove hostname");
  }
  const tls = readObject(ck, field(l, "tls"), [...p, "tls"]);
  if (tls !== undefined) {
    if (["HTTP", "TCP", "UDP"].includes(protocol)) {
      ck.error(
        [...p, "tls"],
        "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
        "remove tls, or use protocol: HTTPS",
        "key",
      );
    }
    const mode = readString(ck, field(tls, "mode"), [...p, "tls", "mode"], { enum: ["Terminate", "Passthrough"] });
    if (protocol === "HTTPS" && mode === "Passthrough") {
      ck.error([...p, "tls", "mode"], "tls mode must be Terminate for protocol HTTPS", "use mode: Terminate");
    }
  }
  return out;
}

/**
 * Validates a Gateway's `spec`: gatewayClassName, 1–64 listeners with unique names and
 * the listener CEL rules of the standard Gateway CRD, and `allowedRoutes` defaults.
 */
export function readGatewaySpec(ck: Checker, raw: Obj): GatewaySpec {
  const out: GatewaySpec = { gatewayClassName: "", listeners: [] };
  const spec = readObject(ck, required(ck, raw, "spec", [], "add spec with gatewayClassName and listeners"), ["spec"], {
    known: ["gatewayClassName", "listeners", ...IGNORED_SPEC],
  });
  if (spec === undefined) return out;
  out.gatewayClassName = readObjectName(ck, required(ck, spec, "gatewayClassName", ["spec"]), ["spec", "gatewayClassName"]) ?? "";
  const path = ["spec", "listeners"];
  const list = readList(ck, field(spec, "listeners"), path, {
    min: LIMITS.listenersMin,
    max: LIMITS.listeners,
    fix: "use at most 64 listeners",
  });
  const names = new Map<string, number>();
  const combos = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const p = [...path, i];
    const l = readObject(ck, item, p, { known: ["name", "hostname", "port", "protocol", "tls", "allowedRoutes"] });
    if (l === undefined) return;
    const listener = readListener(ck, l, p);
    const first = names.get(listener.name);
    if (listener.name !== "" && first !== undefined) {
      ck.error(
        [...p, "name"],
        `Listener name must be unique within the Gateway (${JSON.stringify(listener.name)} is also listeners[${first}])`,
        "rename one of the listeners",
      );
    } else names.set(listener.name, i);
    const combo = `${listener.port}|${listener.protocol}|${listener.hostname ?? ""}`;
    const same = combos.get(combo);
    if (same !== undefined) {
      ck.error(
        p,
        `Combination of port, protocol and hostname must be unique for each listener (same as listeners[${same}])`,
        "change the hostname or port of one listener",
      );
    } else combos.set(combo, i);
    out.listeners.push(listener);
  });
  return out;
}

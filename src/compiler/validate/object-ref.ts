import type { BackendObjectRef, FieldPath } from "../model.ts";
import type { Checker } from "./context.ts";
import { readGroup, readKind, readNamespace, readObjectName, readPort } from "./fields.ts";
import { field, required, type Obj } from "./read.ts";

/** Fields of `BackendObjectReference`. */
export const BACKEND_OBJECT_REF_FIELDS = ["group", "kind", "name", "namespace", "port"] as const;

/**
 * Reads the `BackendObjectReference` fields of `obj` (already checked for unknown fields),
 * defaulting group to "" (core), kind to Service and namespace to the route's, and
 * enforcing the CEL rule "Must have port for Service reference" (the Gateway API GRPCRoute reference (https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute)).
 */
export function readBackendObjectRef(ck: Checker, obj: Obj, path: FieldPath, routeNamespace: string): BackendObjectRef {
  const group = readGroup(ck, field(obj, "group"), [...path, "group"]) ?? "";
  const kind = readKind(ck, field(obj, "kind"), [...path, "kind"]) ?? "Service";
  const name = readObjectName(ck, required(ck, obj, "name", path, "add name: <Service name>"), [...path, "name"]);
  const namespace = readNamespace(ck, field(obj, "namespace"), [...path, "namespace"]) ?? routeNamespace;
  const port = readPort(ck, field(obj, "port"), [...path, "port"]);
  if (group === "" && kind === "Service" && field(obj, "port") === undefined) {
    ck.error([...path, "port"], "Must have port for Service reference", "add port: <the Service's port number>");
  }
  const out: BackendObjectRef = { group, kind, name: name ?? "", namespace };
  if (port !== undefined) out.port = port;
  return out;
}

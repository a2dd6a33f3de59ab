import type { ServicePort, ServiceSpec } from "../model.ts";
import { DNS1123_SUBDOMAIN, IPV4 } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readPort } from "./fields.ts";
import { field, readList, readObject, readString, required, type Obj } from "./read.ts";

const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] as const;

function validExternalName(name: string): boolean {
  // A single trailing dot marks a fully-qualified name and is accepted by DNS resolvers.
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (IPV4.test(bare)) return bare.split(".").every((o) => Number(o) <= 255);
  return bare.length > 0 && bare.length <= 253 && DNS1123_SUBDOMAIN.re.test(bare);
}

/**
 * Reads the parts of a core/v1 Service spec that route to an origin: `type`,
 * `externalName` and `ports[].{name,port,appProtocol}`. Every other Service field is
 * ignored silently, since real Services carry many.
 */
export function readServiceSpec(ck: Checker, raw: Obj): ServiceSpec {
  const out: ServiceSpec = { type: "ClusterIP", ports: [] };
  const spec = readObject(ck, field(raw, "spec"), ["spec"]);
  if (spec === undefined) return out;
  out.type = readString(ck, field(spec, "type"), ["spec", "type"], { enum: SERVICE_TYPES }) ?? "ClusterIP";
  const ext = readString(ck, field(spec, "externalName"), ["spec", "externalName"]);
  if (out.type === "ExternalName") {
    if (field(spec, "externalName") === undefined) {
      ck.error(
        ["spec", "externalName"],
        `missing required field "externalName" for type: ExternalName`,
        "add externalName: the origin's DNS name",
      );
    } else if (ext !== undefined && !validExternalName(ext)) {
      ck.error(
        ["spec", "externalName"],
        `${JSON.stringify(ext)} is not a valid DNS name or IPv4 address`,
        "use a lowercase DNS name such as api.example.com",
      );
    }
  }
  if (ext !== undefined) out.externalName = ext;
  const ports = readList(ck, field(spec, "ports"), ["spec", "ports"]);
  (ports ?? []).forEach((item, i) => {
    const p = ["spec", "ports", i];
    const o = readObject(ck, item, p);
    if (o === undefined) return;
    const port = readPort(ck, required(ck, o, "port", p), [...p, "port"]);
    if (port === undefined) return;
    const sp: ServicePort = { port };
    const name = readString(ck, field(o, "name"), [...p, "name"]);
    if (name !== undefined) sp.name = name;
    const appProtocol = readString(ck, field(o, "appProtocol"), [...p, "appProtocol"]);
    if (appProtocol !== undefined) sp.appProtocol = appProtocol;
    out.ports.push(sp);
  });
  return out;
}

import type { Origin, OriginProtocol } from "../../table/types.ts";
import type { ServiceDoc } from "../model.ts";

/** Annotations on a Service that say how the edge reaches it. Documented in the README. */
export const ANNOTATION = {
  /** A full origin URL (`https://api.example.net`), for any Service type. */
  origin: "grpcroute-edge.dev/origin",
  /** `connect` or `grpc-web`: what the origin speaks, when it is not both. */
  protocol: "grpcroute-edge.dev/protocol",
  /** `http` or `https` for an ExternalName origin; https when unsaid. */
  scheme: "grpcroute-edge.dev/scheme",
  /** The name of a Workers service binding that carries the calls. */
  binding: "grpcroute-edge.dev/service-binding",
} as const;

export type OriginResult = { origin: Origin } | { problem: string; fix: string };

/**
 * How the edge reaches `service` on `port`. The port's `appProtocol` can say the scheme
 * (`http`, `kubernetes.io/h2c` → http; `https` → https) and the protocol
 * (`connectrpc.com/connect` → Connect, `grpc-web` → gRPC-web); annotations win over it.
 * Without either, origins are called over https in the client's own protocol, which
 * connect-go, connect-es and Envoy's grpc_web+connect bridge all accept.
 */
export function originOf(service: ServiceDoc, port: number): OriginResult {
  const notes = service.metadata.annotations;
  const portSpec = service.spec.ports.find((p) => p.port === port);
  const app = portSpec?.appProtocol?.toLowerCase() ?? "";
  const protocol = protocolOf(notes[ANNOTATION.protocol] ?? app);
  const withProtocol = (origin: Origin): { origin: Origin } => {
    if (protocol !== undefined) origin.protocol = protocol;
    return { origin };
  };
  const binding = notes[ANNOTATION.binding];
  if (binding !== undefined) return withProtocol({ url: "", binding });
  const explicit = notes[ANNOTATION.origin];
  if (explicit !== undefined) return withProtocol({ url: explicit.replace(/\/+$/, "") });
  if (service.spec.type !== "ExternalName" || service.spec.externalName === undefined) {
    return {
      problem: `Service ${service.metadata.namespace}/${service.metadata.name} is type ${service.spec.type}: the edge cannot reach cluster addresses`,
      fix: `make it type: ExternalName with the origin's public host, or set annotation ${ANNOTATION.origin}`,
    };
  }
  const scheme = notes[ANNOTATION.scheme] ?? schemeOf(app);
  const host = service.spec.externalName.replace(/\.$/, "");
  const defaultPort = scheme === "https" ? 443 : 80;
  return withProtocol({ url: `${scheme}://${host}${port === defaultPort ? "" : `:${port}`}` });
}

function protocolOf(value: string): OriginProtocol | undefined {
  if (value === "connect" || value === "connectrpc.com/connect") return "connect";
  if (value === "grpc-web" || value === "grpc-web+proto") return "grpc-web";
  return undefined;
}

function schemeOf(appProtocol: string): "http" | "https" {
  return appProtocol === "http" || appProtocol === "kubernetes.io/h2c" ? "http" : "https";
}

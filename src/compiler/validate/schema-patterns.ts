/**
 * Patterns and limits copied from the standard-channel Gateway API CRDs
 * (`config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml` in
 * https://github.com/kubernetes-sigs/gateway-api) and from
 * Kubernetes apimachinery validation, so every validator quotes the same text.
 */

/** A regex plus the exact source text the CRD shows, for messages. */
export interface Pattern {
  re: RegExp;
  text: string;
}

function pattern(text: string): Pattern {
  return { re: new RegExp(text), text };
}

/** `Hostname` (route hostnames, listener hostname). */
export const HOSTNAME = pattern(String.raw`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`);
/** The hostname pattern accepts dotted quads; the Hostname doc says IPs are not allowed. */
export const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `Group`: empty (core) or a DNS subdomain. */
export const GROUP = pattern(String.raw`^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`);
/** `Kind`. */
export const KIND = pattern(String.raw`^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`);
/** `Namespace` (DNS-1123 label). */
export const NAMESPACE = pattern(String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`);
/** `SectionName` (listener names, rule names, parentRef sectionName). */
export const SECTION_NAME = pattern(String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`);
/** DNS-1123 subdomain: names of most namespaced objects. */
export const DNS1123_SUBDOMAIN = SECTION_NAME;
/** DNS-1035 label: Service names. */
export const DNS1035_LABEL = pattern(String.raw`^[a-z]([-a-z0-9]*[a-z0-9])?$`);
/** `HeaderName` / `GRPCHeaderName`: an RFC 7230 token. */
export const HEADER_NAME = pattern(String.raw`^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$`);
/**
 * GRPCMethodMatch CEL rule for `service` under `type: Exact`. JavaScript has no inline
 * `(?i)`, so the regex carries the flag while `text` keeps the CRD's spelling.
 */
export const EXACT_SERVICE: Pattern = {
  re: /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i,
  text: String.raw`^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$`,
};
/** GRPCMethodMatch CEL rule for `method` under `type: Exact`. */
export const EXACT_METHOD = pattern(String.raw`^[A-Za-z_][A-Za-z_0-9]*$`);
/** Listener `ProtocolType`. */
export const PROTOCOL = pattern(
  String.raw`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$`,
);
/** Label value (apimachinery `IsValidLabelValue`). */
export const LABEL_VALUE = pattern(String.raw`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`);
/** Name part of a label or annotation key (apimachinery `IsQualifiedName`). */
export const QUALIFIED_NAME = pattern(String.raw`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`);
/** RFC 3339 date-time as Kubernetes writes `metav1.Time`. */
export const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Control characters that would split or corrupt a header line; tab is legal in field values. */
export const HEADER_VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Default API group of Gateway API kinds. */
export const GATEWAY_GROUP = "gateway.networking.k8s.io";
/** Envoy Gateway's policy kinds (https://gateway.envoyproxy.io/docs/api/extension_types/). */
export const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";

/** CRD limits, named after the field they bound. */
export const LIMITS = {
  hostnames: 16,
  hostnameLength: 253,
  parentRefs: 32,
  rules: 16,
  matchesPerRule: 64,
  matchesPerRoute: 128,
  headerMatches: 16,
  headerNameLength: 256,
  headerValueLength: 4096,
  methodLength: 1024,
  filters: 16,
  headerModifierItems: 16,
  backendRefs: 16,
  weightMax: 1_000_000,
  portMax: 65535,
  groupLength: 253,
  kindLength: 63,
  namespaceLength: 63,
  nameLength: 253,
  sectionNameLength: 253,
  listenersMin: 1,
  listeners: 64,
  allowedKinds: 8,
  grantFrom: 16,
  grantTo: 16,
  protocolLength: 255,
  labelValueLength: 63,
  /** apimachinery's TotalAnnotationSizeLimitB: keys and values together, in bytes. */
  annotationsTotalBytes: 256 * 1024,
  percentMax: 100,
} as const;

import type { FieldPath } from "../model.ts";
import { GROUP, HEADER_NAME, HOSTNAME, IPV4, KIND, LIMITS, NAMESPACE, SECTION_NAME } from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { readInt, readString } from "./read.ts";

// Readers for the small typed fields Gateway API objects share, each with the CRD's limits.

/** `Group`: "" (core) or a DNS subdomain, at most 253 characters. */
export function readGroup(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  return readString(ck, v, path, {
    max: LIMITS.groupLength,
    pattern: GROUP,
    what: "API group",
    fix: `use "" for the core group or a DNS subdomain such as ${"gateway.networking.k8s.io"}`,
  });
}

/** `Kind`: 1–63 characters, a letter first. */
export function readKind(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  return readString(ck, v, path, {
    min: 1,
    max: LIMITS.kindLength,
    pattern: KIND,
    what: "kind",
    fix: "use a Kubernetes kind name such as Service or Gateway",
  });
}

/** `Namespace`: a DNS-1123 label, 1–63 characters. */
export function readNamespace(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  return readString(ck, v, path, {
    min: 1,
    max: LIMITS.namespaceLength,
    pattern: NAMESPACE,
    what: "namespace",
    fix: "use a namespace name: lowercase letters, digits and '-'",
  });
}

/** `ObjectName`: the CRD checks only its length. */
export function readObjectName(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  return readString(ck, v, path, { min: 1, max: LIMITS.nameLength });
}

/** `SectionName`: a DNS subdomain, 1–253 characters (listener, rule and section names). */
export function readSectionName(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  return readString(ck, v, path, {
    min: 1,
    max: LIMITS.sectionNameLength,
    pattern: SECTION_NAME,
    what: "section name",
    fix: "use lowercase letters, digits, '-' and '.' (a DNS subdomain)",
  });
}

/** `PortNumber`: 1–65535. */
export function readPort(ck: Checker, v: unknown, path: FieldPath): number | undefined {
  return readInt(ck, v, path, { min: 1, max: LIMITS.portMax, fix: "use a port number between 1 and 65535" });
}

/** `Hostname`, plus the doc's "IP addresses are not allowed" that the pattern does not enforce. */
export function readHostname(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  const lower = typeof v === "string" ? v.toLowerCase() : "";
  let fix = 'use a DNS name such as api.example.com, or "*.example.com" for a wildcard';
  if (v === "*") fix = "omit hostnames to match every host, or use a wildcard such as *.example.com";
  else if (typeof v === "string" && lower !== v && HOSTNAME.re.test(lower)) fix = `use lowercase: ${lower}`;
  const h = readString(ck, v, path, {
    min: 1,
    max: LIMITS.hostnameLength,
    pattern: HOSTNAME,
    what: "hostname",
    fix,
  });
  if (h !== undefined && IPV4.test(h)) {
    ck.error(
      path,
      `${JSON.stringify(h)} is an IP address; hostnames must be DNS names`,
      "use the DNS name clients send in :authority, or omit hostnames to match every host",
    );
    return undefined;
  }
  return h;
}

/** `HeaderName`: an RFC 7230 token, 1–256 characters; pseudo-headers get their own advice. */
export function readHeaderName(ck: Checker, v: unknown, path: FieldPath): string | undefined {
  const pseudo = typeof v === "string" && v.startsWith(":");
  return readString(ck, v, path, {
    min: 1,
    max: LIMITS.headerNameLength,
    pattern: HEADER_NAME,
    what: "header name",
    fix: pseudo
      ? "pseudo-headers cannot be used here; match :authority with spec.hostnames and :path with method"
      : "use an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces)",
  });
}

import { objectLabel } from "../diagnostics.ts";
import type { ObjectMeta } from "../model.ts";
import {
  DNS1035_LABEL,
  DNS1123_SUBDOMAIN,
  LABEL_VALUE,
  LIMITS,
  NAMESPACE,
  QUALIFIED_NAME,
  RFC3339,
  type Pattern,
} from "./schema-patterns.ts";
import type { Checker } from "./context.ts";
import { field, isObj, readObject, readString, readStringMap, type Obj } from "./read.ts";

/** Every `ObjectMeta` field, so a typo (`namspace`) is caught while server-set fields pass. */
const META_FIELDS = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
] as const;

/** Which Kubernetes name rule `metadata.name` follows for a kind. */
export type NameRule = "subdomain" | "label" | "dns1035";

const NAME_RULES: Record<NameRule, { pattern: Pattern; max: number; what: string }> = {
  subdomain: { pattern: DNS1123_SUBDOMAIN, max: 253, what: "name (DNS-1123 subdomain)" },
  label: { pattern: NAMESPACE, max: 63, what: "name (DNS-1123 label)" },
  dns1035: { pattern: DNS1035_LABEL, max: 63, what: "name (DNS-1035 label: starts with a letter)" },
};

/** `Kind ns/name` for diagnostics, from unvalidated metadata; cluster-scoped kinds have no namespace. */
export function labelOf(kind: string, raw: Obj, clusterScoped: boolean): string {
  const meta = isObj(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : "(unnamed)";
  if (clusterScoped) return `${kind} ${name}`;
  const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  return objectLabel(kind, ns, name);
}

const utf8 = new TextEncoder();

/** The API server counts bytes, not characters. */
function annotationBytes(annotations: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(annotations)) n += utf8.encode(k).length + utf8.encode(v).length;
  return n;
}

function checkKey(ck: Checker, key: string, path: readonly (string | number)[]): void {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const okPrefix = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.re.test(prefix));
  const okName = name.length <= 63 && QUALIFIED_NAME.re.test(name);
  if (!okPrefix || !okName) {
    ck.error(
      path,
      `${JSON.stringify(key)} is not a valid key (an optional DNS-subdomain prefix and "/", then up to 63 letters, digits, '-', '_', '.')`,
      "rename the key, e.g. example.com/my-key",
      "key",
    );
  }
}

/**
 * Reads `metadata`, defaulting `namespace` to `default` (empty for cluster-scoped kinds).
 * Implements the apimachinery ObjectMeta checks the API server runs on create.
 */
export function readMeta(ck: Checker, raw: Obj, rule: NameRule, clusterScoped: boolean): ObjectMeta {
  const out: ObjectMeta = { name: "", namespace: clusterScoped ? "" : "default", annotations: {}, labels: {} };
  const m = readObject(ck, field(raw, "metadata"), ["metadata"], { known: META_FIELDS });
  if (m === undefined) {
    if (field(raw, "metadata") === undefined) ck.error(["metadata"], `missing required field "metadata"`, "add metadata.name");
    return out;
  }
  const nr = NAME_RULES[rule];
  const name = readString(ck, field(m, "name"), ["metadata", "name"], {
    min: 1,
    max: nr.max,
    pattern: nr.pattern,
    what: nr.what,
    fix: "use lowercase letters, digits and '-'",
  });
  if (field(m, "name") === undefined) {
    const gen = field(m, "generateName") !== undefined;
    ck.error(
      ["metadata", "name"],
      gen ? "generateName is not supported; routes need a fixed name" : `missing required field "name"`,
      "add metadata.name",
    );
  }
  out.name = name ?? "";
  if (!clusterScoped) {
    const ns = readString(ck, field(m, "namespace"), ["metadata", "namespace"], {
      min: 1,
      max: LIMITS.namespaceLength,
      pattern: NAMESPACE,
      what: "namespace",
      fix: "use a namespace name: lowercase letters, digits and '-'",
    });
    if (ns !== undefined) out.namespace = ns;
  }
  const ts = readString(ck, field(m, "creationTimestamp"), ["metadata", "creationTimestamp"]);
  if (ts !== undefined) {
    if (!RFC3339.test(ts) || Number.isNaN(Date.parse(ts))) {
      ck.error(
        ["metadata", "creationTimestamp"],
        `${JSON.stringify(ts)} is not an RFC 3339 timestamp`,
        "write it like 2024-05-01T12:00:00Z, or remove it",
      );
    } else {
      out.creationTimestamp = ts;
    }
  }
  const labels = readStringMap(ck, field(m, "labels"), ["metadata", "labels"]);
  for (const [k, v] of Object.entries(labels)) {
    checkKey(ck, k, ["metadata", "labels", k]);
    if (v.length > LIMITS.labelValueLength || !LABEL_VALUE.re.test(v)) {
      ck.error(
        ["metadata", "labels", k],
        `${JSON.stringify(v)} is not a valid label value (at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric)`,
        "shorten or rename the value, or move it to an annotation",
      );
    }
  }
  const annotations = readStringMap(ck, field(m, "annotations"), ["metadata", "annotations"]);
  for (const k of Object.keys(annotations)) checkKey(ck, k, ["metadata", "annotations", k]);
  const total = annotationBytes(annotations);
  if (total > LIMITS.annotationsTotalBytes) {
    ck.error(
      ["metadata", "annotations"],
      `annotations total ${total} bytes; Kubernetes allows at most ${LIMITS.annotationsTotalBytes} (256 KiB), keys and values together`,
      "move large values out of annotations, e.g. into a ConfigMap",
      "key",
    );
  }
  out.labels = labels;
  out.annotations = annotations;
  return out;
}

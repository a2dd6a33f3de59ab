/**
 * Header modifier values with CR/LF are rejected at compile time: a manifest cannot make
 * the edge split or inject a header. The basic case (a RequestHeaderModifier `set` value
 * with `\r\n`, its message and line) is already pinned in
 * src/compiler/validate-route-filter.test.ts ("CR, LF and other control characters in
 * values are header injection"), through loadSources only. Not repeated here; this file
 * covers the rest of the surface, through the whole pipeline the CLI runs
 * (loadSources + compile, as src/cli/pipeline.ts): both modifier kinds, `set` and `add`,
 * rule-level and backendRef-level filters, bare LF and bare CR, each an error at the
 * value's own line, and the build refused (compileRoutes throws, as `check`/`compile`
 * exit 1).
 */
import { describe, expect, test } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { loadSources } from "../../src/compiler/index.ts";
import { compileRoutes } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";

const file = "routes/injected.yaml";

/** A gateway, a service and a route whose filter sits at `level`; the value is on line `valueLine`. */
function manifest(
  kind: "RequestHeaderModifier" | "ResponseHeaderModifier",
  action: "set" | "add",
  level: "rule" | "backendRef",
  yamlValue: string,
): { text: string; valueLine: number; valueCol: number } {
  const key = kind === "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier";
  const head = `${edgeGateway()}
---
${originService("svc", "https://svc.example.net")}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: r}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{method: {service: pkg.Svc}}]
`;
  const filter = (indent: string) =>
    `${indent}filters:\n${indent}- type: ${kind}\n${indent}  ${key}:\n${indent}    ${action}:\n${indent}    - name: x-injected\n${indent}      value: ${yamlValue}\n`;
  const body =
    level === "rule"
      ? `${filter("    ")}    backendRefs: [{name: svc, port: 80}]\n`
      : `    backendRefs:\n    - name: svc\n      port: 80\n${filter("      ")}`;
  const text = head + body;
  const lines = text.split("\n");
  const valueLine = lines.findIndex((l) => l.includes("value: ")) + 1;
  const valueCol = lines[valueLine - 1]!.indexOf("value: ") + "value: ".length + 1;
  return { text, valueLine, valueCol };
}

const values = [
  ["CRLF", '"ok\\r\\nSet-Cookie: session=attacker"'],
  ["bare LF", '"ok\\nx-admin: true"'],
  ["bare CR", '"ok\\rx-admin: true"'],
  ["NUL", '"ok\\0"'],
] as const;

describe.each(["RequestHeaderModifier", "ResponseHeaderModifier"] as const)("%s", (kind) => {
  for (const action of ["set", "add"] as const) {
    for (const level of ["rule", "backendRef"] as const) {
      test.each(values)(`${action} at ${level} level with %s: error at the value's line, build refused`, (_name, v) => {
        const { text, valueLine, valueCol } = manifest(kind, action, level, v);
        const loaded = loadSources([{ file, text }]);
        const result = compile(loaded.resources);
        const errors = [...loaded.diagnostics, ...result.diagnostics].filter((d) => d.severity === "error");
        expect(errors, JSON.stringify(errors, null, 1)).toHaveLength(1);
        const e = errors[0]!;
        expect(e.message).toMatch(/control character, (CR \(\\r\)|LF \(\\n\)|NUL) at position 2; it would split or inject a header/);
        expect(e.path).toMatch(
          new RegExp(`\\.${kind === "RequestHeaderModifier" ? "request" : "response"}HeaderModifier\\.${action}\\[0\\]\\.value$`),
        );
        expect(e.pos).toMatchObject({ file, line: valueLine, col: valueCol });
        expect(() => compileRoutes(text)).toThrow(/control character/);
        // Whatever table compile() produced regardless, the injected value is not in it.
        expect(JSON.stringify(result.table)).not.toMatch(/Set-Cookie|x-admin/);
      });
    }
  }
});

test("control: the same manifests with a plain value compile cleanly and carry the value", () => {
  for (const kind of ["RequestHeaderModifier", "ResponseHeaderModifier"] as const) {
    for (const level of ["rule", "backendRef"] as const) {
      const table = compileRoutes(manifest(kind, "set", level, '"plain value\\twith tab"').text);
      expect(JSON.stringify(table)).toContain("plain value\\twith tab");
    }
  }
});

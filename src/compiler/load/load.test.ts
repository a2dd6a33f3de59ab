import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { loadSources, readInputs } from "./load.ts";
import type { GRPCRouteDoc } from "../model.ts";
import { at, errors, load, one, yaml } from "../validate/test-util.ts";

const ROUTE = (name: string): string => `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: ${name}}\nspec: {}\n`;

describe("documents", () => {
  test("multi-document YAML, empty and comment-only documents skipped", () => {
    const text = `---\n${ROUTE("a")}---\n---\n# only a comment\n---\n${ROUTE("b")}`;
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.resources.map((d) => d.metadata.name)).toEqual(["a", "b"]);
  });

  test("kind: List and *List kinds are flattened, with positions inside items", () => {
    const text = yaml`
      apiVersion: v1
      kind: List
      items:
      - apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRouteList
        items:
        - apiVersion: gateway.networking.k8s.io/v1
          kind: GRPCRoute
          metadata: {name: inner}
          spec:
            hostnames: [Bad]
        - ${"{apiVersion: gateway.networking.k8s.io/v1, kind: GRPCRoute, metadata: {name: ok}, spec: {}}"}
      - apiVersion: v1
        kind: Namespace
        metadata: {name: team}
    `;
    const r = load(text);
    const d = one(r.diagnostics, "spec.hostnames[0]");
    expect(d.object).toBe("GRPCRoute default/inner");
    expect(d.pos).toMatchObject(at(text, "Bad"));
    expect(r.resources.map((x) => `${x.kind}/${x.metadata.name}`)).toEqual(["GRPCRoute/ok", "Namespace/team"]);
    expect(r.resources[0]?.locate(["metadata", "name"]).line).toBe(12);
  });

  test("a YAML syntax error is reported at its position and later documents are still read", () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a: b\n---\n${ROUTE("after")}`;
    const r = load(text);
    const e = one(errors(r.diagnostics), "");
    expect(e.object).toBe("");
    expect(e.message).toBe("YAML: Nested mappings are not allowed in compact mappings");
    expect(e.pos).toEqual({ file: "t.yaml", line: 4, col: 9 });
    expect(r.resources.map((x) => x.metadata.name)).toEqual(["after"]);
    // An unclosed flow map is only noticed where the next line starts.
    const open = load("apiVersion: v1\nkind: Namespace\nmetadata: {name: a\n---\n");
    expect(errors(open.diagnostics)[0]?.pos.line).toBe(4);
  });

  test("an unquoted wildcard hostname is an alias error with a fix to quote it", () => {
    const text = `${ROUTE("r").replace("spec: {}\n", "")}spec:\n  hostnames:\n  - *.example.com\n`;
    const r = load(text);
    const d = one(r.diagnostics, "");
    expect(d.message).toContain("Unresolved alias");
    expect(d.fix).toBe('quote wildcard hostnames: "*.example.com"');
    expect(d.pos).toEqual({ file: "t.yaml", line: 6, col: 5 });
  });

  test("duplicate keys are errors at the second key", () => {
    const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: r}\nspec:\n  rules: []\n  rules: []\n`;
    const r = load(text);
    const d = one(r.diagnostics, "");
    expect(d.message).toMatch(/^duplicate key: Map keys must be unique/);
    expect(d.pos).toEqual({ file: "t.yaml", line: 6, col: 3 });
    expect(d.object).toBe("");
    expect(r.resources).toEqual([]);
  });

  test("a document that is not a mapping, or lacks apiVersion/kind, is an error", () => {
    const text = `just a string\n---\n- a\n- b\n---\nkind: GRPCRoute\nmetadata: {name: r}\n---\napiVersion: v1\nmetadata: {name: r}\n`;
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.severity, d.pos.line, d.path])).toEqual([
      ["error", 1, ""],
      ["error", 3, ""],
      ["error", 6, "apiVersion"],
      ["error", 9, "kind"],
    ]);
    expect(r.diagnostics[0]?.message).toBe('expected a Kubernetes object (a mapping with apiVersion and kind), got string "just a string"');
  });

  test("kinds grpcroute-edge does not use are ignored with a warning", () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: app}
      ---
      apiVersion: example.com/v1
      kind: Widget
      metadata: {name: w}
    `;
    const r = load(text);
    expect(r.resources).toEqual([]);
    expect(r.diagnostics.map((d) => [d.severity, d.pos.line, d.object, d.message])).toEqual([
      ["warning", 2, "HTTPRoute default/web", "ignored: kind HTTPRoute is not used by grpcroute-edge"],
      ["warning", 6, "Deployment default/app", "ignored: kind Deployment is not used by grpcroute-edge"],
      ["warning", 10, "Widget default/w", "ignored: kind Widget is not used by grpcroute-edge"],
    ]);
  });

  test("GRPCRoute v1alpha2 is accepted with a deprecation warning; other versions are errors", () => {
    const alpha = ROUTE("r").replace("/v1", "/v1alpha2");
    const r = load(alpha);
    const d = one(r.diagnostics, "apiVersion");
    expect(d.severity).toBe("warning");
    expect(d.message).toContain("deprecated");
    expect(d.fix).toContain("gateway.networking.k8s.io/v1");
    expect(r.resources).toHaveLength(1);
    const beta = load(ROUTE("r").replace("/v1", "/v1beta1"));
    const e = one(beta.diagnostics, "apiVersion");
    expect(e.severity).toBe("error");
    expect(e.pos).toEqual({ file: "t.yaml", line: 1, col: 13 });
  });

  test("status is accepted and ignored", () => {
    expect(load(`${ROUTE("r")}status: {parents: [{parentRef: {name: gw}}]}\n`).diagnostics).toEqual([]);
  });

  test("anchors, aliases and merge keys resolve", () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: {name: r}
      spec:
        rules:
        - backendRefs:
          - &b {name: a, port: 80}
          - <<: *b
            weight: 2
    `;
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    const refs = (r.resources[0] as GRPCRouteDoc).spec.rules[0]?.backendRefs;
    expect(refs?.map((b) => [b.name, b.port, b.weight])).toEqual([
      ["a", 80, 1],
      ["a", 80, 2],
    ]);
  });

  test("one file's problems do not stop another file, and each names its file", () => {
    const r = loadSources([
      { file: "a.yaml", text: "apiVersion: v1\nkind: Namespace\nmetadata: {name: A}\n" },
      { file: "b.yaml", text: ROUTE("b") },
    ]);
    expect(r.diagnostics.map((d) => `${d.pos.file}:${d.pos.line}`)).toEqual(["a.yaml:3"]);
    expect(r.resources.map((x) => x.metadata.name)).toEqual(["b"]);
  });
});

describe("readInputs", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "grpcroute-edge-load-"));
    await mkdir(join(dir, "routes", "b-sub"), { recursive: true });
    await writeFile(join(dir, "routes", "z.yaml"), "z");
    await writeFile(join(dir, "routes", "a.yml"), "a");
    await writeFile(join(dir, "routes", "notes.txt"), "n");
    await writeFile(join(dir, "routes", "b-sub", "m.yaml"), "m");
    await writeFile(join(dir, "single.manifest"), "\uFEFFs");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("folders recursively, .yaml/.yml only, sorted; files as given", async () => {
    const got = await readInputs([join(dir, "routes"), join(dir, "single.manifest")]);
    expect(got.map((i) => i.file.slice(dir.length + 1))).toEqual([
      "routes/a.yml",
      "routes/b-sub/m.yaml",
      "routes/z.yaml",
      "single.manifest",
    ]);
    expect(got.map((i) => i.text)).toEqual(["a", "m", "z", "s"]);
  });

  test("- reads standard input as <stdin>", async () => {
    const spy = vi.spyOn(process, "stdin", "get").mockReturnValue(Readable.from([Buffer.from("kind: x\n")]) as typeof process.stdin);
    try {
      expect(await readInputs(["-"])).toEqual([{ file: "<stdin>", text: "kind: x\n" }]);
    } finally {
      spy.mockRestore();
    }
  });

  test("a missing path is a thrown error naming it", async () => {
    await expect(readInputs([join(dir, "nope.yaml")])).rejects.toThrow(`no such file or directory: ${join(dir, "nope.yaml")}`);
  });
});

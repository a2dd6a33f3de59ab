import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { parseDocument, type YAMLMap } from "yaml";
import { duplicateKeyErrors, INPUT_LIMITS, loadSources, readInputs } from "./load.ts";
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

  // Parsing this many keys alone takes seconds on a slow runner, hence the timeout; the
  // library's pairwise check took 30 s or more.
  test("a mapping with 40,000 keys loads, with its one duplicate at the second key", () => {
    const n = 40_000;
    const keys = Array.from({ length: n }, (_, i) => `k${i}: ${i}\n`).join("");
    const r = load(`${keys}k123: again\n`);
    const d = one(r.diagnostics, "");
    expect(d.message).toBe("duplicate key: Map keys must be unique");
    expect(d.pos).toEqual({ file: "t.yaml", line: n + 1, col: 1 });
  }, 20_000);

  test("the duplicate check reads each key of a mapping a bounded number of times", () => {
    const n = 10_000;
    const doc = parseDocument(`${Array.from({ length: n }, (_, i) => `k${i}: ${i}\n`).join("")}k7: again\n`, { uniqueKeys: false });
    const map = doc.contents as YAMLMap;
    let reads = 0;
    map.items = new Proxy(map.items, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    expect(duplicateKeyErrors(doc).map((e) => [e.code, e.pos[0]])).toEqual([["DUPLICATE_KEY", keys(n)]]);
    // visit() reads each pair once and the check once more; comparing with every earlier key would be n²/2.
    expect(reads).toBeLessThanOrEqual(2 * (n + 1));

    function keys(count: number): number {
      let len = 0;
      for (let i = 0; i < count; i++) len += `k${i}: ${i}\n`.length;
      return len;
    }
  });

  test("duplicate keys compare by value as YAML does: 1 and '1' differ, quoting does not", () => {
    expect(errors(load("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {1: x, '1': y}}\n").diagnostics)).toEqual([]);
    const d = one(load("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'kind': Namespace\n").diagnostics, "");
    expect(d.pos).toEqual({ file: "t.yaml", line: 4, col: 1 });
  });

  test("a document over 1.5 MiB is an error at its first line and is not parsed; the others are", () => {
    const MiB = 1024 * 1024;
    // A comment is the cheapest bulk to build and would parse fine.
    const big = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n# ${"x".repeat(1.5 * MiB)}\n`;
    const r = load(`${big("first")}---\n${ROUTE("ok")}---\n${big("third")}`);
    expect(r.diagnostics.map((d) => [d.severity, d.pos.line, d.pos.col])).toEqual([
      ["error", 1, 1],
      ["error", 10, 1],
    ]);
    expect(r.diagnostics[0]?.message).toBe(
      "document is larger than 1.5 MiB, the most Kubernetes stores for one object (etcd's request limit)",
    );
    expect(r.diagnostics[0]?.fix).toContain("split the object");
    expect(r.resources.map((x) => x.metadata.name)).toEqual(["ok"]);
    // Just under the cap, counted in UTF-8 bytes: "é" is two.
    const under = `apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n# `;
    const fill = (1.5 * MiB - under.length - 1) / 2;
    expect(load(`${under}${"é".repeat(fill)}\n`).diagnostics).toEqual([]);
    expect(one(load(`${under}${"é".repeat(fill)}x\n`).diagnostics, "").pos.line).toBe(1);
  });

  test("an input over 32 MiB is one error at line 1 and nothing of it is parsed", () => {
    const text = `${ROUTE("r")}${`#${"x".repeat(1022)}\n`.repeat(32 * 1024)}`;
    expect(text.length).toBeGreaterThan(32 * 1024 * 1024);
    const r = load(text);
    expect(r.diagnostics).toEqual([
      {
        severity: "error",
        pos: { file: "t.yaml", line: 1, col: 1 },
        object: "",
        path: "",
        message: "input is larger than 32 MiB",
        fix: "split it into smaller files",
      },
    ]);
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

  test("a file over the cap is read only far enough to report it", async () => {
    const path = join(dir, "huge.yaml");
    await writeFile(path, Buffer.alloc(INPUT_LIMITS.fileBytes + 4096, "#"));
    const [got] = await readInputs([path]);
    expect(got?.text.length).toBe(INPUT_LIMITS.fileBytes + 1);
    expect(loadSources(got === undefined ? [] : [got]).diagnostics.map((d) => [d.pos.line, d.message])).toEqual([
      [1, "input is larger than 32 MiB"],
    ]);
  });

  test("a missing path is a thrown error naming it", async () => {
    await expect(readInputs([join(dir, "nope.yaml")])).rejects.toThrow(`no such file or directory: ${join(dir, "nope.yaml")}`);
  });
});

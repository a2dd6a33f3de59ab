/** Client input the edge echoes in its errors is bounded: a huge path is not a huge grpc-message. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";

let quiet: RunningOrigin;
let worker: RunningWorker;

beforeAll(async () => {
  quiet = await startRawOrigin("quiet", (req, res) => {
    req.resume();
    // "answered": one message, then silence; "silent": never answers.
    if (req.headers["x-mode"] === "answered") {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.write(Buffer.from([0, 0, 0, 0, 0]));
    }
  });
  const text = [
    edgeGateway(),
    originService("quiet", quiet.url),
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: quiet}
spec:
  parentRefs: [{name: edge}]
  rules: [{matches: [{method: {service: ${demoService}}}], backendRefs: [{name: quiet, port: 80}]}]`,
  ].join("\n---\n");
  worker = await startWorker(compile(loadSources([{ file: "quiet.yaml", text }]).resources).table);
});
afterAll(async () => {
  await worker?.dispose();
  await quiet?.close();
});

describe("client input echoed in errors", () => {
  test("a 70 KB path gets UNIMPLEMENTED with a bounded grpc-message", async () => {
    const res = await fetch(`${worker.url}/${"a".repeat(70_000)}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: new Uint8Array(5),
    });
    expect(res.headers.get("grpc-status")).toBe("12");
    expect(res.headers.get("grpc-message")!.length).toBeLessThan(2048);
  });
});

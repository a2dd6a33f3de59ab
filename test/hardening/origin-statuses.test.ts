/**
 * Statuses from misbehaving origins, in workerd: every relayed call ends with exactly one
 * status. An origin that marks its grpc-status header hop-by-hop (`Connection: grpc-status`)
 * loses it in transit, so the edge ends the stream with one; an HTML 503 that carries
 * `grpc-status: 0` is an error mapped from its HTTP status, never a success.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { startRawOrigin, type RunningOrigin } from "../harness/origins.ts";
import { parseFrames, parseTrailer } from "../harness/wire.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";

let origin: RunningOrigin;
let worker: RunningWorker;

beforeAll(async () => {
  origin = await startRawOrigin("odd", (req, res) => {
    req.resume();
    if (req.headers["x-case"] === "hop-by-hop-status") {
      res.writeHead(200, { "content-type": "application/grpc-web+proto", connection: "grpc-status", "grpc-status": "0" });
      res.end(Buffer.from([0, 0, 0, 0, 0]));
    } else {
      res.writeHead(503, { "content-type": "text/html", "grpc-status": "0" });
      res.end("<html>busy</html>");
    }
  });
  const text = [
    edgeGateway(),
    originService("odd", origin.url),
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: odd}
spec:
  parentRefs: [{name: edge}]
  rules: [{matches: [{method: {service: ${demoService}}}], backendRefs: [{name: odd, port: 80}]}]`,
  ].join("\n---\n");
  worker = await startWorker(compile(loadSources([{ file: "odd.yaml", text }]).resources).table);
});
afterAll(async () => {
  await worker?.dispose();
  await origin?.close();
});

async function call(mode: string): Promise<{ status: string | null; trailers: string[] }> {
  const res = await fetch(`${worker.url}/${demoService}/Echo`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-case": mode },
    body: new Uint8Array(5),
  });
  const frames = parseFrames(new Uint8Array(await res.arrayBuffer()));
  const trailers = frames.filter((f) => (f.flags & 0x80) !== 0).map((f) => parseTrailer(f.data)["grpc-status"] ?? "");
  return { status: res.headers.get("grpc-status"), trailers };
}

describe("exactly one status", () => {
  test("a status the origin made hop-by-hop is replaced by one at the end of the stream", async () => {
    const r = await call("hop-by-hop-status");
    const statuses = [r.status, ...r.trailers].filter((s) => s !== null);
    expect(statuses).toHaveLength(1);
  });

  test("an HTML 503 with grpc-status: 0 is UNAVAILABLE, trailers-only", async () => {
    expect(await call("html")).toEqual({ status: "14", trailers: [] });
  });
});

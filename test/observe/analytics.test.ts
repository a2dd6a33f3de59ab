/**
 * The Analytics Engine data point each call writes, from the worker in workerd. Miniflare's
 * local dataset accepts points and drops them, so here `ANALYTICS` is a recorder bound in its
 * place with the dataset's `writeDataPoint` interface (src/cli/workerd.ts), printing each
 * point it is given: what is checked is exactly what the worker handed the binding.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { compile, loadSources } from "../../src/compiler/index.ts";
import { ANALYTICS_BLOBS, ANALYTICS_DOUBLES } from "../../src/runtime/analytics-layout.ts";
import { demoService } from "../fixtures/demo-routes.ts";
import { edgeGateway, originService } from "../fixtures/manifests.ts";
import { deadOriginUrl, eventually, startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { demoClient, via } from "../worker/setup.ts";

let alpha: RunningOrigin;
let worker: RunningWorker;
const points: { indexes: string[]; blobs: string[]; doubles: number[] }[] = [];
const accessLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  alpha = await startOrigin("alpha");
  const dead = await deadOriginUrl();
  const rule = (name: string, backend: string) =>
    `  - name: ${name}\n    matches: [{method: {service: ${demoService}}, headers: [{name: x-route, value: ${name}}]}]\n    backendRefs: [{name: ${backend}, port: 80}]`;
  const yaml = [
    edgeGateway(),
    originService("alpha", alpha.url),
    originService("dead", dead),
    `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: measured}
spec:
  parentRefs: [{name: edge}]
  rules:
${[rule("ok", "alpha"), rule("dead", "dead")].join("\n")}`,
  ].join("\n---\n");
  const table = compile(loadSources([{ file: "analytics.yaml", text: yaml }]).resources).table;
  worker = await startWorker(table, {
    analyticsRecorder: true,
    onLogLine: (line, stream) => {
      if (stream !== "stdout") return;
      if (line.startsWith('{"analytics_data_point":')) points.push(JSON.parse(line).analytics_data_point);
      else if (line.startsWith('{"v":1,')) accessLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
});
afterAll(async () => {
  await worker?.dispose();
  await alpha?.close();
});

const blob = (p: (typeof points)[number], name: (typeof ANALYTICS_BLOBS)[number]) => p.blobs[ANALYTICS_BLOBS.indexOf(name)];
const double = (p: (typeof points)[number], name: (typeof ANALYTICS_DOUBLES)[number]) => p.doubles[ANALYTICS_DOUBLES.indexOf(name)];

test("one data point per call, in the documented layout, agreeing with the call's log line", async () => {
  await demoClient(worker.url, "grpc-web (node)").echo({ message: "hi" }, via("ok"));
  await demoClient(worker.url, "connect (node)")
    .echo({}, via("dead"))
    .catch(() => undefined);
  await eventually(() => points.length >= 2 && accessLines.length >= 2, 150);
  expect(points).toHaveLength(2);
  const [ok, dead] = points as [(typeof points)[number], (typeof points)[number]];
  expect(ok.indexes).toEqual(["default/measured"]);
  expect(ok.blobs).toHaveLength(ANALYTICS_BLOBS.length);
  expect(ok.doubles).toHaveLength(ANALYTICS_DOUBLES.length);
  expect([blob(ok, "layout"), blob(ok, "service"), blob(ok, "method"), blob(ok, "route"), blob(ok, "rule")]).toEqual([
    "1",
    demoService,
    "Echo",
    "default/measured",
    "0",
  ]);
  expect([blob(ok, "backend"), blob(ok, "grpc_status"), blob(ok, "protocol"), blob(ok, "status_source")]).toEqual([
    "default/alpha:80",
    "OK",
    "grpc-web",
    "origin",
  ]);
  expect([double(ok, "grpc_code"), double(ok, "attempts"), double(ok, "request_messages"), double(ok, "response_messages")]).toEqual([
    0, 1, 1, 1,
  ]);
  const okLine = accessLines.find((l) => l.protocol === "grpc-web")!;
  expect(double(ok, "response_bytes")).toBe(okLine.response_bytes);
  expect(double(ok, "request_bytes")).toBe(okLine.request_bytes);
  expect(double(ok, "duration_ms")).toBe(okLine.duration_ms);
  expect([blob(dead, "grpc_status"), blob(dead, "status_source"), blob(dead, "protocol"), double(dead, "grpc_code")]).toEqual([
    "UNAVAILABLE",
    "edge",
    "connect",
    14,
  ]);
});

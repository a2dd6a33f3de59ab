import { describe, expect, it } from "vitest";
import { type AccessRecord, dataPoint } from "./access-record.ts";
import { ANALYTICS_BLOBS, ANALYTICS_DOUBLES, analyticsColumn } from "./analytics-layout.ts";

const record: AccessRecord = {
  v: 1,
  ts: "2026-12-03T07:00:00.000Z",
  request_id: "r1",
  host: "api.example.com",
  protocol: "grpc-web",
  service: "pkg.Svc",
  method: "Get",
  route: "default/r",
  rule: 2,
  backend: "default/b:80",
  attempts: 1,
  grpc_status: "OK",
  grpc_code: 0,
  http_status: 200,
  status_source: "origin",
  duration_ms: 12,
  ttfb_ms: 3,
  request_bytes: 10,
  response_bytes: 20,
  request_messages: 1,
  response_messages: 2,
  colo: "ZRH",
};

describe("the Analytics Engine data point, layout 1", () => {
  it("puts each field where the layout says, the route as the index", () => {
    const p = dataPoint(record);
    expect(p.indexes).toEqual(["default/r"]);
    expect(p.blobs).toEqual([
      "1",
      "api.example.com",
      "pkg.Svc",
      "Get",
      "default/r",
      "2",
      "default/b:80",
      "OK",
      "grpc-web",
      "origin",
      "ZRH",
    ]);
    expect(p.doubles).toEqual([12, 3, 10, 20, 1, 2, 1, 0]);
    expect(p.blobs).toHaveLength(ANALYTICS_BLOBS.length);
    expect(p.doubles).toHaveLength(ANALYTICS_DOUBLES.length);
  });
  it("writes empty blobs and zero doubles for what is unknown", () => {
    const { route: _r, rule: _u, backend: _b, attempts: _a, colo: _c, ...bare } = record;
    const p = dataPoint({ ...bare, grpc_status: "UNIMPLEMENTED", grpc_code: 12, status_source: "edge" });
    expect(p.indexes).toEqual([""]);
    expect(p.blobs[4]).toBe("");
    expect(p.doubles[6]).toBe(0);
  });
  it("names SQL columns by field", () => {
    expect([
      analyticsColumn("route"),
      analyticsColumn("grpc_status"),
      analyticsColumn("duration_ms"),
      analyticsColumn("grpc_code"),
    ]).toEqual(["blob5", "blob8", "double1", "double8"]);
  });
});

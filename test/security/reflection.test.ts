/**
 * Reflection services are reachable only where a route says so. gRPC server reflection
 * tells anyone what an API looks like; the edge must not forward it by accident.
 *
 * - The shipped routes/: `reflection-route` sends both reflection versions on
 *   foo.example.com to foo-svc. bar.example.com and smiley.example.com have catch-all
 *   rules, so reflection there goes where those rules send everything (that is a route
 *   saying so, too). Every other host, and every near-miss spelling, gets UNIMPLEMENTED
 *   and reaches no origin.
 * - A route set of our own with only `com.example.User/Login`: reflection, in every
 *   protocol and with path tricks, gets UNIMPLEMENTED and reaches no origin.
 *
 * The status alone proves nothing (an origin without reflection answers UNIMPLEMENTED
 * too), so each case counts the calls every origin received.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stage, type Stage } from "../harness/stage.ts";
import { emptyGrpcWebBody, frames, grpcWebCall, header, rawRequest } from "../support/raw-http.ts";
import { shippedRoutesYaml } from "../fixtures/manifests.ts";

const v1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
const v1alpha = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
const unimplemented = "12";

/** Runs `call` and returns the backends whose origin saw a request meanwhile, with the paths. */
async function reached<T>(s: Stage, call: () => Promise<T>): Promise<{ answer: T; hits: { backend: string; procedure: string }[] }> {
  const before = new Map([...s.origins].map(([b, o]) => [b, o.calls.length]));
  const answer = await call();
  const hits = [...s.origins].flatMap(([b, o]) => o.calls.slice(before.get(b)!).map((c) => ({ backend: b, procedure: c.procedure })));
  return { answer, hits };
}

describe("shipped routes/", () => {
  const yaml = shippedRoutesYaml();
  let s: Stage;
  beforeAll(async () => {
    s = await stage(yaml, ["foo-svc", "bar-svc", "bar-svc-canary", "smiley", "smiley2"]);
  });
  afterAll(() => s?.close());

  test.each([v1, v1alpha])("foo.example.com %s is routed to foo-svc (reflection-route says so)", async (path) => {
    const { hits } = await reached(s, () => grpcWebCall(s.worker.url, "foo.example.com", path));
    expect(hits).toEqual([{ backend: "foo-svc", procedure: path }]);
  });

  test("bar.example.com: the catch-all rule sends reflection to bar-svc, like everything else", async () => {
    const { hits } = await reached(s, () => grpcWebCall(s.worker.url, "bar.example.com", v1));
    expect(hits).toEqual([{ backend: "bar-svc", procedure: v1 }]);
  });

  test("smiley.example.com: the catch-all rule sends reflection into the smiley split", async () => {
    const { hits } = await reached(s, () => grpcWebCall(s.worker.url, "smiley.example.com", v1));
    expect(hits).toHaveLength(1);
    expect(["smiley", "smiley2"]).toContain(hits[0]!.backend);
    expect(hits[0]!.procedure).toBe(v1);
  });

  // No route for these hosts, or no rule naming reflection (or everything) on them.
  const hosts = [
    "baz.example.com", // inside the listener's *.example.com, but no route
    "example.com", // the apex: not matched by *.example.com
    "a.foo.example.com", // not foo.example.com
    "foo-svc.default.svc.cluster.local", // only Service parents get in-cluster names
    "reflection.example.com",
    "unknown.test",
  ];
  for (const host of hosts) {
    test.each([v1, v1alpha])(`${host} %s → UNIMPLEMENTED, no origin`, async (path) => {
      const { answer, hits } = await reached(s, () => grpcWebCall(s.worker.url, host, path));
      expect(hits).toEqual([]);
      expect(answer.grpcStatus).toBe(unimplemented);
    });
  }

  // Service names are case-sensitive and matched whole; paths are exactly /pkg.Service/Method.
  const nearMisses = [
    "/grpc.reflection.v1.serverreflection/ServerReflectionInfo",
    "/Grpc.Reflection.V1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflectionX/ServerReflectionInfo",
    "/grpc.reflection.v2.ServerReflection/ServerReflectionInfo",
    "/grpc.health.v1.Health/Check",
    "/com.example.User/Login/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  ];
  test.each(nearMisses)("foo.example.com %s → UNIMPLEMENTED, no origin", async (path) => {
    const { answer, hits } = await reached(s, () => grpcWebCall(s.worker.url, "foo.example.com", path));
    expect(hits).toEqual([]);
    expect(answer.grpcStatus).toBe(unimplemented);
  });
});

describe("a route set with only com.example.User/Login", () => {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  gatewayClassName: grpcroute-edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata:
  name: login-svc
  annotations: {grpcroute-edge.dev/origin: "http://login.invalid"}
spec: {type: ClusterIP, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: login}
spec:
  parentRefs: [{name: edge}]
  hostnames: [api.example.com]
  rules:
  - matches: [{method: {service: com.example.User, method: Login}}]
    backendRefs: [{name: login-svc, port: 80}]
`;
  const host = "api.example.com";
  let s: Stage;
  beforeAll(async () => {
    s = await stage(yaml, ["login-svc"]);
  });
  afterAll(() => s?.close());

  test("control: com.example.User/Login reaches login-svc", async () => {
    const { hits } = await reached(s, () => grpcWebCall(s.worker.url, host, "/com.example.User/Login"));
    expect(hits).toEqual([{ backend: "login-svc", procedure: "/com.example.User/Login" }]);
  });

  const paths = [
    v1,
    v1alpha,
    // Path tricks: whatever normalisation happens, none of these may reach an origin.
    "/com.example.User/Login/../../grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection%2FServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo/",
    "//grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/prefix/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  ];

  test.each(paths)("gRPC-web binary %s → UNIMPLEMENTED, no origin", async (path) => {
    const { answer, hits } = await reached(s, () => grpcWebCall(s.worker.url, host, path));
    expect(hits).toEqual([]);
    expect(answer.grpcStatus).toBe(unimplemented);
  });

  test.each([v1, v1alpha])("gRPC-web text %s → UNIMPLEMENTED, no origin", async (path) => {
    const { answer, hits } = await reached(s, () =>
      rawRequest(s.worker.url, {
        host,
        path,
        headers: { "content-type": "application/grpc-web-text", "x-grpc-web": "1" },
        body: Buffer.from(emptyGrpcWebBody).toString("base64"),
      }),
    );
    expect(hits).toEqual([]);
    expect(header(answer, "grpc-status")).toBe(unimplemented);
  });

  test.each([v1, v1alpha])("Connect unary %s → 501 unimplemented, no origin", async (path) => {
    const { answer, hits } = await reached(s, () =>
      rawRequest(s.worker.url, {
        host,
        path,
        headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
        body: new Uint8Array(0),
      }),
    );
    expect(hits).toEqual([]);
    expect(answer.status).toBe(501);
    expect(JSON.parse(answer.body.toString("utf8"))).toMatchObject({ code: "unimplemented" });
  });

  test.each([v1, v1alpha])("Connect streaming %s (what grpcurl-like tools call: a stream) → unimplemented, no origin", async (path) => {
    const { answer, hits } = await reached(s, () =>
      rawRequest(s.worker.url, {
        host,
        path,
        headers: { "content-type": "application/connect+proto", "connect-protocol-version": "1" },
        body: emptyGrpcWebBody,
      }),
    );
    expect(hits).toEqual([]);
    const end = frames(answer.body).find((f) => f.flags & 0x02);
    expect(JSON.parse(end!.data.toString("utf8"))).toMatchObject({ error: { code: "unimplemented" } });
  });

  test("native gRPC reflection (what grpcurl speaks) → UNIMPLEMENTED, no origin", async () => {
    const { answer, hits } = await reached(s, () =>
      rawRequest(s.worker.url, { host, path: v1, headers: { "content-type": "application/grpc", te: "trailers" }, body: emptyGrpcWebBody }),
    );
    expect(hits).toEqual([]);
    expect(header(answer, "grpc-status")).toBe(unimplemented);
  });

  test.each(["other.example.com", "localhost", "127.0.0.1"])("reflection on host %s → UNIMPLEMENTED, no origin", async (h) => {
    const { answer, hits } = await reached(s, () => grpcWebCall(s.worker.url, h, v1));
    expect(hits).toEqual([]);
    expect(answer.grpcStatus).toBe(unimplemented);
  });
});

/**
 * Routing cases shared by every way the matcher runs (test/cases/*.test.ts, one adapter
 * each, all through run-routing-cases.ts), so a case written once is checked everywhere.
 * From the Gateway API conformance tests (https://github.com/kubernetes-sigs/gateway-api/tree/main/conformance/tests, the GRPCRoute ones) and the project's
 * shipped examples.
 */
import { shippedRouteFiles } from "../fixtures/manifests.ts";

export interface RoutingCase {
  name: string;
  host: string;
  path: string;
  headers?: Record<string, string>;
  /** A backend Service name, or the gRPC code the router answers with. */
  expect: string;
}

export interface ManifestFile {
  file: string;
  text: string;
}

export interface RoutingSuite {
  name: string;
  /** One entry per input file, as the CLI would read them. */
  files: ManifestFile[];
  /** Every Service a case may reach, so an adapter with real origins knows which to start. */
  backends: string[];
  cases: RoutingCase[];
}

const SVC = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";
const NS = "gateway-conformance-infra";

const infra = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: same-namespace, namespace: ${NS}}
spec:
  gatewayClassName: edge
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
---
${["v1", "v2", "v3"]
  .map(
    (v) => `apiVersion: v1
kind: Service
metadata: {name: grpc-infra-backend-${v}, namespace: ${NS}}
spec:
  type: ExternalName
  externalName: ${v}.backends.test
  ports: [{port: 8080, appProtocol: kubernetes.io/h2c}]`,
  )
  .join("\n---\n")}
`;

const backend = (v: string) => `{name: grpc-infra-backend-${v}, port: 8080}`;
const infraBackends = ["grpc-infra-backend-v1", "grpc-infra-backend-v2", "grpc-infra-backend-v3"];

const conformance: { name: string; manifests: string; cases: RoutingCase[] }[] = [
  {
    name: "GRPCExactMethodMatching",
    manifests: `${infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: exact-matching, namespace: ${NS}}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{method: {service: ${SVC}, method: Echo}}]
    backendRefs: [${backend("v1")}]
  - matches: [{method: {service: ${SVC}, method: EchoTwo}}]
    backendRefs: [${backend("v2")}]
`,
    cases: [
      { name: "Echo", host: "10.0.0.1:80", path: `/${SVC}/Echo`, expect: "grpc-infra-backend-v1" },
      { name: "EchoTwo", host: "10.0.0.1:80", path: `/${SVC}/EchoTwo`, expect: "grpc-infra-backend-v2" },
      { name: "EchoThree", host: "10.0.0.1:80", path: `/${SVC}/EchoThree`, expect: "UNIMPLEMENTED" },
    ],
  },
  {
    name: "GRPCRouteHeaderMatching",
    manifests: `${infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-header-matching, namespace: ${NS}}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{headers: [{name: version, value: one}]}]
    backendRefs: [${backend("v1")}]
  - matches: [{headers: [{name: version, value: two}]}]
    backendRefs: [${backend("v2")}]
  - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
    backendRefs: [${backend("v1")}]
  - matches: [{headers: [{name: color, value: blue}]}, {headers: [{name: color, value: green}]}]
    backendRefs: [${backend("v1")}]
  - matches: [{headers: [{name: color, value: red}]}, {headers: [{name: color, value: yellow}]}]
    backendRefs: [${backend("v2")}]
`,
    cases: [
      ["version: one", { version: "one" }, "grpc-infra-backend-v1"],
      ["version: two", { version: "two" }, "grpc-infra-backend-v2"],
      ["version two + orange", { version: "two", color: "orange" }, "grpc-infra-backend-v1"],
      ["version two + blue (tie: first rule)", { version: "two", color: "blue" }, "grpc-infra-backend-v2"],
      ["orange alone", { color: "orange" }, "UNIMPLEMENTED"],
      ["unrelated header", { "some-other-header": "one" }, "UNIMPLEMENTED"],
      ["blue", { color: "blue" }, "grpc-infra-backend-v1"],
      ["green", { color: "green" }, "grpc-infra-backend-v1"],
      ["red", { color: "red" }, "grpc-infra-backend-v2"],
      ["yellow", { color: "yellow" }, "grpc-infra-backend-v2"],
      ["purple", { color: "purple" }, "UNIMPLEMENTED"],
    ].map(([name, headers, expect]) => ({
      name: name as string,
      host: "10.0.0.1:80",
      path: `/${SVC}/Echo`,
      headers: headers as Record<string, string>,
      expect: expect as string,
    })),
  },
  {
    name: "GRPCRouteListenerHostnameMatching",
    manifests: `${infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpcroute-listener-hostname-matching, namespace: ${NS}}
spec:
  gatewayClassName: edge
  listeners:
  - {name: listener-1, port: 80, protocol: HTTP, hostname: bar.com}
  - {name: listener-2, port: 80, protocol: HTTP, hostname: foo.bar.com}
  - {name: listener-3, port: 80, protocol: HTTP, hostname: "*.bar.com"}
  - {name: listener-4, port: 80, protocol: HTTP, hostname: "*.foo.com"}
${[
  ["backend-v1", ["listener-1"], "v1"],
  ["backend-v2", ["listener-2"], "v2"],
  ["backend-v3", ["listener-3", "listener-4"], "v3"],
]
  .map(
    ([name, sections, v]) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: ${name as string}, namespace: ${NS}}
spec:
  parentRefs: [${(sections as string[]).map((s) => `{name: grpcroute-listener-hostname-matching, sectionName: ${s}}`).join(", ")}]
  rules:
  - backendRefs: [${backend(v as string)}]`,
  )
  .join("\n")}
`,
    cases: [
      ["bar.com", "grpc-infra-backend-v1"],
      ["foo.bar.com", "grpc-infra-backend-v2"],
      ["baz.bar.com", "grpc-infra-backend-v3"],
      ["boo.bar.com", "grpc-infra-backend-v3"],
      ["multiple.prefixes.bar.com", "grpc-infra-backend-v3"],
      ["multiple.prefixes.foo.com", "grpc-infra-backend-v3"],
      ["foo.com", "UNIMPLEMENTED"],
      ["no.matching.host", "UNIMPLEMENTED"],
      ["FOO.Bar.COM:80", "grpc-infra-backend-v2"],
      ["foo.bar.com.", "grpc-infra-backend-v2"],
    ].map(([host, expect]) => ({ name: host!, host: host!, path: `/${SVC}/Echo`, expect: expect! })),
  },
  {
    name: "GRPCRouteNamedRule",
    manifests: `${infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-named-rules, namespace: ${NS}}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - name: named-rule
    matches: [{method: {service: ${SVC}, method: Echo}}]
    backendRefs: [${backend("v1")}]
  - matches: [{method: {service: ${SVC}, method: EchoTwo}}]
    backendRefs: [${backend("v2")}]
`,
    cases: [
      { name: "Echo", host: "gw", path: `/${SVC}/Echo`, expect: "grpc-infra-backend-v1" },
      { name: "EchoTwo", host: "gw", path: `/${SVC}/EchoTwo`, expect: "grpc-infra-backend-v2" },
    ],
  },
];

/** Each conformance suite is one YAML file named after it, on the three infra backends. */
export const conformanceSuites: RoutingSuite[] = conformance.map(({ name, manifests, cases }) => ({
  name,
  files: [{ file: `${name}.yaml`, text: manifests }],
  backends: infraBackends,
  cases,
}));

/** The shipped `routes/` examples, as a newcomer would call them. */
const shippedCases: RoutingCase[] = [
  { name: "foo Login", host: "foo.example.com", path: "/com.example.User/Login", expect: "foo-svc" },
  { name: "foo other method", host: "foo.example.com", path: "/com.example.User/Logout", expect: "UNIMPLEMENTED" },
  {
    name: "foo reflection v1",
    host: "foo.example.com",
    path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    expect: "foo-svc",
  },
  {
    name: "foo reflection v1alpha",
    host: "foo.example.com",
    path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    expect: "foo-svc",
  },
  { name: "bar canary", host: "bar.example.com", path: "/any.Svc/Any", headers: { env: "canary" }, expect: "bar-svc-canary" },
  { name: "bar prod header", host: "bar.example.com", path: "/any.Svc/Any", headers: { env: "prod" }, expect: "bar-svc" },
  { name: "bar no header", host: "bar.example.com", path: "/any.Svc/Any", expect: "bar-svc" },
  {
    name: "bar header value is case-sensitive",
    host: "bar.example.com",
    path: "/any.Svc/Any",
    headers: { env: "Canary" },
    expect: "bar-svc",
  },
  { name: "unknown host", host: "nope.example.org", path: "/com.example.User/Login", expect: "UNIMPLEMENTED" },
  { name: "not a gRPC path", host: "foo.example.com", path: "/index.html", expect: "UNIMPLEMENTED" },
];

export const shippedSuite: RoutingSuite = {
  name: "shipped routes/",
  files: shippedRouteFiles(),
  backends: ["foo-svc", "bar-svc", "bar-svc-canary", "smiley", "smiley2"],
  cases: shippedCases,
};

export const routingSuites: RoutingSuite[] = [...conformanceSuites, shippedSuite];

/** GRPCRouteWeight: 70/30 with a weight-0 third backend; 500 samples, ±5%, none on v3. */
export const weightManifests = `${infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: weighted-backends, namespace: ${NS}}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs:
    - {name: grpc-infra-backend-v1, port: 8080, weight: 70}
    - {name: grpc-infra-backend-v2, port: 8080, weight: 30}
    - {name: grpc-infra-backend-v3, port: 8080, weight: 0}
`;
export const weightShares: Record<string, number> = {
  "grpc-infra-backend-v1": 0.7,
  "grpc-infra-backend-v2": 0.3,
  "grpc-infra-backend-v3": 0,
};
export const weightPath = `/${SVC}/Echo`;

import { describe, expect, test } from "vitest";
import type { SecurityPolicyDoc } from "../model.ts";
import { durationMs } from "./policy-fields.ts";
import { at, errors, load, one, yaml } from "./test-util.ts";

/** A SecurityPolicy `p` in namespace `default`; `spec` is indented by two spaces and starts on line 6. */
const sp = (spec: string): string =>
  `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: yages}]\n${spec}\n`;

/** An RSA public JWK (the values only need to be present for the reader). */
const RSA_JWK =
  '{"kty": "RSA", "kid": "k1", "alg": "RS256", "n": "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw", "e": "AQAB"}';

function loadPolicy(text: string): { spec: SecurityPolicyDoc["spec"] | undefined; diagnostics: ReturnType<typeof load>["diagnostics"] } {
  const r = load(text);
  const doc = r.resources.find((x): x is SecurityPolicyDoc => x.kind === "SecurityPolicy");
  return { spec: doc?.spec, diagnostics: r.diagnostics };
}

describe("SecurityPolicy: Envoy Gateway's examples load as typed specs", () => {
  test("JWT with remoteJWKS on a GRPCRoute", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: jwt-example, namespace: default}
      spec:
        targetRefs:
        - group: gateway.networking.k8s.io
          kind: GRPCRoute
          name: yages
        jwt:
          providers:
          - name: example
            remoteJWKS:
              uri: https://raw.githubusercontent.com/envoyproxy/gateway/main/examples/kubernetes/jwt/jwks.json
            claimToHeaders: [{header: x-sub, claim: sub}]
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: "yages" }],
      deprecatedTargetRef: false,
      jwt: {
        optional: false,
        failOpen: false,
        providers: [
          {
            name: "example",
            audiences: [],
            remoteJWKS: {
              uri: "https://raw.githubusercontent.com/envoyproxy/gateway/main/examples/kubernetes/jwt/jwks.json",
              cacheDurationMs: 300_000,
              failedRefetchDurationMs: 1000,
            },
            claimToHeaders: [{ header: "x-sub", claim: "sub" }],
          },
        ],
      },
    });
  });

  test("API key on one rule (sectionName), client ID forwarded, key removed", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: apikey-admin, namespace: apps}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: yages, sectionName: admin}]
        apiKeyAuth:
          credentialRefs: [{group: "", kind: Secret, name: apikey-secret}, {name: shared-keys, namespace: infra}]
          extractFrom: [{headers: [x-api-key]}, {params: [key]}]
          forwardClientIDHeader: x-client-id
          sanitize: true
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: "yages", sectionName: "admin" }],
      deprecatedTargetRef: false,
      apiKeyAuth: {
        credentialRefs: [
          { name: "apikey-secret", namespace: "apps" },
          { name: "shared-keys", namespace: "infra" },
        ],
        extractFrom: [
          { headers: ["x-api-key"], params: [], cookies: [] },
          { headers: [], params: ["key"], cookies: [] },
        ],
        forwardClientIDHeader: "x-client-id",
        sanitize: true,
      },
    });
  });

  test("basic auth on a Gateway", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: gw-basic, namespace: default}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
        basicAuth: {users: {name: basic-auth}, forwardUsernameHeader: x-user}
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "eg" }],
      deprecatedTargetRef: false,
      basicAuth: { users: { name: "basic-auth", namespace: "default" }, forwardUsernameHeader: "x-user" },
    });
  });

  test("IP allowlist, with operation defaults", () => {
    const text = sp(
      yaml`
      authorization:
        defaultAction: Deny
        rules:
        - action: Allow
          principal: {clientCIDRs: ["10.0.1.0/24", "2001:db8::/48", "::ffff:10.0.0.0/104"]}
          operation: {path: {}}
        - name: posts
          action: Allow
          operation: {methods: [POST], path: {type: RegularExpression, value: '^/yages\\.Echo/.*'}}
          principal: {headers: [{name: x-env, values: [prod]}]}
    `.replace(/^/gm, "  "),
    );
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.authorization).toEqual({
      defaultAction: "Deny",
      rules: [
        {
          action: "Allow",
          principal: { clientCIDRs: ["10.0.1.0/24", "2001:db8::/48", "::ffff:10.0.0.0/104"], headers: [], clientIPGeoLocations: [] },
          operation: { methods: [], path: { type: "PathPrefix", value: "/", invert: false } },
        },
        {
          name: "posts",
          action: "Allow",
          principal: { clientCIDRs: [], headers: [{ name: "x-env", values: ["prod"] }], clientIPGeoLocations: [] },
          operation: { methods: ["POST"], path: { type: "RegularExpression", value: "^/yages\\.Echo/.*", invert: false } },
        },
      ],
    });
  });

  test("Cloudflare Access as a JWT provider, with claim authorization and geo rules", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: cf-access, namespace: default}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg, sectionName: partners}]
        jwt:
          providers:
          - name: cf-access
            issuer: https://TEAM.cloudflareaccess.com
            audiences: ["4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"]
            remoteJWKS:
              uri: https://TEAM.cloudflareaccess.com/cdn-cgi/access/certs
              cacheDuration: 1h30m
              failedRefetchDuration: 1500ms
            extractFrom:
              headers: [{name: Cf-Access-Jwt-Assertion}]
        authorization:
          rules:
          - name: staff
            action: Allow
            principal:
              jwt:
                provider: cf-access
                scopes: [read]
                claims: [{name: email, values: ["ann@corp.example"]}, {name: groups, valueType: StringArray, values: [staff]}]
          - name: embargo
            action: Deny
            principal: {clientIPGeoLocations: [{country: ru}, {country: US, region: TX, city: Austin, asn: 13335}]}
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.jwt?.providers).toEqual([
      {
        name: "cf-access",
        issuer: "https://TEAM.cloudflareaccess.com",
        audiences: ["4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"],
        remoteJWKS: {
          uri: "https://TEAM.cloudflareaccess.com/cdn-cgi/access/certs",
          cacheDurationMs: 5_400_000,
          failedRefetchDurationMs: 1500,
        },
        claimToHeaders: [],
        extractFrom: { headers: [{ name: "Cf-Access-Jwt-Assertion" }], cookies: [], params: [] },
      },
    ]);
    expect(r.spec?.authorization).toEqual({
      defaultAction: "Deny",
      rules: [
        {
          name: "staff",
          action: "Allow",
          principal: {
            clientCIDRs: [],
            headers: [],
            clientIPGeoLocations: [],
            jwt: {
              provider: "cf-access",
              scopes: ["read"],
              claims: [
                { name: "email", valueType: "String", values: ["ann@corp.example"] },
                { name: "groups", valueType: "StringArray", values: ["staff"] },
              ],
            },
          },
        },
        {
          name: "embargo",
          action: "Deny",
          principal: {
            clientCIDRs: [],
            headers: [],
            clientIPGeoLocations: [{ country: "ru" }, { country: "US", region: "TX", city: "Austin", asn: 13335 }],
          },
        },
      ],
    });
  });

  test("local JWKS, inline and from a ConfigMap", () => {
    const text = sp(
      `  jwt:\n    optional: true\n    providers:\n    - name: inline\n      localJWKS: {type: Inline, inline: '{"keys": [${RSA_JWK}]}'}\n    - name: example.com/from-cm\n      localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: jwks}}`,
    );
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.jwt?.optional).toBe(true);
    expect(r.spec?.jwt?.providers.map((p) => p.localJWKS)).toEqual([{ inline: `{"keys": [${RSA_JWK}]}` }, { configMap: "jwks" }]);
  });
});

describe("SecurityPolicy: targets", () => {
  test("the deprecated targetRef is read, with a warning", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: p}
      spec:
        targetRef: {group: gateway.networking.k8s.io, kind: GRPCRoute, name: yages}
        authorization: {defaultAction: Allow}
    `;
    const r = loadPolicy(text);
    const d = one(r.diagnostics, "spec.targetRef");
    expect(d).toMatchObject({
      severity: "warning",
      message: "spec.targetRef is deprecated, use spec.targetRefs instead",
      pos: at(text, "targetRef:"),
    });
    expect(r.spec).toMatchObject({ deprecatedTargetRef: true, targetRefs: [{ kind: "GRPCRoute", name: "yages" }] });
  });

  test("exactly one of targetRef and targetRefs", () => {
    const none = "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\nspec:\n  authorization: {}\n";
    const d = one(load(none).diagnostics, "spec");
    expect(d).toMatchObject({ severity: "error", message: "either targetRef or targetRefs must be used", pos: { line: 4, col: 1 } });
    const both = sp("  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: eg}");
    expect(one(errors(load(both).diagnostics), "spec.targetRef").pos).toMatchObject(at(both, "targetRef:"));
  });

  test("group and kind CEL rules; kinds the edge does not route are dropped with a warning", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: p}
      spec:
        targetRefs:
        - {group: gateway.envoyproxy.io, kind: GRPCRoute, name: a}
        - {group: gateway.networking.k8s.io, kind: Service, name: b}
        - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: c}
        - {group: gateway.networking.k8s.io, kind: GRPCRoute, name: d, namespace: other}
    `;
    const diags = load(text).diagnostics;
    const group = one(diags, "spec.targetRefs[0].group");
    expect(group).toMatchObject({
      message: "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
      pos: at(text, "gateway.envoyproxy.io,"),
    });
    expect(group.fix).toBe("use group: gateway.networking.k8s.io");
    expect(one(diags, "spec.targetRefs[1].kind").message).toBe(
      "this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute",
    );
    const http = one(diags, "spec.targetRefs[2].kind");
    expect(http).toMatchObject({ severity: "warning", pos: at(text, "HTTPRoute") });
    expect(http.message).toBe("grpcroute-edge ignores this target: it routes only GRPCRoute and Gateway, not HTTPRoute");
    const ns = one(diags, "spec.targetRefs[3].namespace");
    expect(ns).toMatchObject({ message: 'unknown field "namespace"', pos: at(text, "namespace: other") });
  });

  test("a bad group and a bad kind are both reported, as the API server prints every failing rule", () => {
    const text = sp("  authorization: {}").replace("group: gateway.networking.k8s.io, kind: GRPCRoute", 'group: "", kind: Service');
    const diags = errors(load(text).diagnostics);
    expect(diags.map((d) => [d.path, d.pos.col])).toEqual([
      ["spec.targetRefs[0].group", at(text, '""').col],
      ["spec.targetRefs[0].kind", at(text, "Service").col],
    ]);
  });

  test("spec is required; an empty targetRefs is a warning; targetSelectors alone is only refused", () => {
    const none = "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: p}\n";
    expect(one(load(none).diagnostics, "spec").message).toBe('missing required field "spec"');
    const empty = sp("  authorization: {}").replace(/targetRefs: \[.*\]/, "targetRefs: []");
    const d = one(load(empty).diagnostics, "spec.targetRefs");
    expect(d).toMatchObject({
      severity: "warning",
      message: "targetRefs is empty, so this policy applies to nothing",
      pos: at(empty, "targetRefs"),
    });
    const selectors = sp("  targetSelectors: [{kind: GRPCRoute, matchLabels: {app: a}}]").replace(/ {2}targetRefs: \[.*\]\n/, "");
    expect(errors(load(selectors).diagnostics).map((e) => e.path)).toEqual(["spec.targetSelectors"]);
  });

  test("an HTTPRoute target alone leaves the policy with no targets, and loads", () => {
    const text = sp("  authorization: {}").replace("GRPCRoute", "TCPRoute");
    const r = loadPolicy(text);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.spec?.targetRefs).toEqual([]);
  });
});

describe("SecurityPolicy: refused fields", () => {
  test.each([
    ["oidc", "  oidc: {provider: {issuer: https://a.b}, clientID: x, clientSecret: {name: s}}", "browser login flow"],
    ["extAuth", "  extAuth: {grpc: {backendRefs: [{name: authz, port: 9000}]}}", "external authorization"],
    ["cors", "  cors: {allowOrigins: ['https://a.example']}", "ALLOWED_ORIGINS"],
    ["csrf", "  csrf: {}", "POST"],
    ["targetSelectors", "  targetSelectors: [{kind: GRPCRoute, matchLabels: {app: a}}]", "targetRefs"],
    ["mergeType", "  mergeType: StrategicMerge", "most specific policy applies whole"],
  ])("%s", (key, spec, why) => {
    const text = sp(spec);
    const d = one(load(text).diagnostics, `spec.${key}`);
    expect(d.severity).toBe("error");
    expect(d.message).toMatch(new RegExp(`^${key} is not supported by grpcroute-edge: .*${why}`));
    expect(d.pos).toMatchObject(at(text, `${key}:`));
    expect(d.fix).not.toBe("");
  });

  test("mergeType also gets its own CEL rules", () => {
    const text = sp("  mergeType: Replace").replace("kind: GRPCRoute", "kind: Gateway");
    const msgs = load(text)
      .diagnostics.filter((d) => d.path === "spec.mergeType")
      .map((d) => d.message);
    expect(msgs).toContain("Replace is not a valid MergeType for SecurityPolicy");
    expect(msgs).toContain("mergeType can only be used with xRoute targets");
  });

  test("unknown fields are errors with a hint", () => {
    const text = sp("  apiKeyAuht: {}");
    const d = one(load(text).diagnostics, "spec.apiKeyAuht");
    expect(d).toMatchObject({ message: 'unknown field "apiKeyAuht"', fix: 'did you mean "apiKeyAuth"?', pos: at(text, "apiKeyAuht") });
  });
});

describe("SecurityPolicy: jwt", () => {
  const P = "spec.jwt.providers";

  test("optional and failOpen cannot both be set", () => {
    const text = sp(
      "  jwt:\n    optional: false\n    failOpen: true\n    providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks}}]",
    );
    const d = one(load(text).diagnostics, "spec.jwt.failOpen");
    expect(d).toMatchObject({
      severity: "error",
      message: "optional and failOpen cannot both be set; failOpen already tolerates a missing JWT",
      pos: at(text, "failOpen"),
    });
  });

  test("1 to 16 providers", () => {
    expect(one(load(sp("  jwt: {providers: []}")).diagnostics, P).message).toBe("has 0 items (at least 1)");
    expect(one(load(sp("  jwt: {}")).diagnostics, P).message).toMatch(/^missing required field "providers"/);
    const many = Array.from({ length: 17 }, (_, i) => `{name: p${i}, remoteJWKS: {uri: https://a.example/jwks}}`).join(", ");
    expect(one(load(sp(`  jwt: {providers: [${many}]}`)).diagnostics, P).message).toBe("has 17 items (at most 16)");
  });

  test("provider names are unique qualified names", () => {
    const text = sp(
      "  jwt:\n    providers:\n    - {name: a, remoteJWKS: {uri: https://a.example/jwks}}\n    - {name: a, remoteJWKS: {uri: https://a.example/jwks}}\n    - {name: -bad-, remoteJWKS: {uri: https://a.example/jwks}}",
    );
    const diags = load(text).diagnostics;
    const dup = one(diags, `${P}[1].name`);
    expect(dup.message).toBe('provider name "a" is already used by providers[0]; names must be unique');
    expect(dup.pos.line).toBe(9);
    const bad = one(diags, `${P}[2].name`);
    expect(bad).toMatchObject({ pos: at(text, "-bad-") });
    expect(bad.message).toMatch(/^provider name "-bad-" is not a Kubernetes qualified name: the name part must consist of alphanumeric/);
  });

  test("JWKS: exactly one of remoteJWKS and localJWKS", () => {
    const text = sp(
      "  jwt:\n    providers:\n    - {name: none}\n    - name: both\n      remoteJWKS: {uri: https://a.example/jwks}\n      localJWKS: {inline: '{}'}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${P}[0]`)).toMatchObject({
      message: "either remoteJWKS or localJWKS must be specified.",
      pos: at(text, "{name: none}"),
    });
    expect(one(diags, `${P}[1].localJWKS`, "error").message).toBe("remoteJWKS and localJWKS cannot both be specified.");
  });

  test("issuer with ':' must be a URI", () => {
    const text = sp("  jwt: {providers: [{name: a, issuer: 'https://exa mple.com', remoteJWKS: {uri: https://a.example/jwks}}]}");
    const d = one(load(text).diagnostics, `${P}[0].issuer`);
    expect(d).toMatchObject({
      message: "issuer \"https://exa mple.com\" contains ':' but is not a valid URI",
      pos: at(text, "'https://exa"),
    });
    expect(
      errors(load(sp("  jwt: {providers: [{name: a, issuer: 'urn:example:issuer', localJWKS: {inline: '{}'}}]}")).diagnostics),
    ).toHaveLength(1);
  });

  test("remoteJWKS: http(s) only, http a warning, no routing of the fetch", () => {
    const text = sp(
      yaml`
      jwt:
        providers:
        - name: ftp
          remoteJWKS: {uri: "ftp://a.example/jwks"}
        - name: http
          remoteJWKS: {uri: "http://127.0.0.1:8787/jwks"}
        - name: routed
          remoteJWKS:
            uri: https://a.example/jwks
            backendRef: {name: idp, port: 443}
            backendRefs: [{name: idp, port: 443}]
            backendSettings: {retry: {perRetry: {timeout: 1s}}}
    `.replace(/^/gm, "  "),
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${P}[0].remoteJWKS.uri`)).toMatchObject({
      severity: "error",
      message: 'remoteJWKS.uri "ftp://a.example/jwks" is not an http(s) URL',
      pos: at(text, '"ftp'),
    });
    const http = one(diags, `${P}[1].remoteJWKS.uri`);
    expect(http.severity).toBe("warning");
    expect(http.message).toMatch(/local testing only/);
    const R = `${P}[2].remoteJWKS`;
    expect(one(diags, `${R}.backendRef`)).toMatchObject({
      message: "BackendRefs must be used, backendRef is not supported.",
      pos: at(text, "backendRef:"),
    });
    expect(one(diags, `${R}.backendRefs`).message).toMatch(
      /^backendRefs is not supported by grpcroute-edge: the Worker fetches remoteJWKS.uri itself/,
    );
    expect(one(diags, `${R}.backendSettings`).pos).toMatchObject(at(text, "backendSettings"));
    expect(one(diags, `${R}.backendSettings.retry.perRetry.timeout`).message).toBe("Retry timeout is not supported.");
  });

  test("durations follow the Gateway API Duration pattern", () => {
    const text = sp(
      "  jwt:\n    providers:\n    - name: a\n      remoteJWKS: {uri: https://a.example/jwks, cacheDuration: '1.5s', failedRefetchDuration: '10'}",
    );
    const diags = load(text).diagnostics;
    const frac = one(diags, `${P}[0].remoteJWKS.cacheDuration`);
    expect(frac).toMatchObject({
      message: '"1.5s" is not a valid duration (must match ^([0-9]{1,5}(h|m|s|ms)){1,4}$)',
      pos: at(text, "'1.5s'"),
    });
    expect(frac.fix).toMatch(/1500ms/);
    expect(one(diags, `${P}[0].remoteJWKS.failedRefetchDuration`).fix).toBe('add a unit: "10s"');
  });

  test("inline JWKS must be JSON with public keys only", () => {
    const cases: [string, RegExp][] = [
      ["not json", /^localJWKS.inline is not JSON/],
      ['{"kid": "x"}', /is not a JWKS: expected a JSON object with a "keys" list/],
      [
        '{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "d": "secret"}]}',
        /keys\[0\] holds private key members \(d\); a private or secret key must never be in the manifests/,
      ],
      ['{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', /keys\[0\] holds a symmetric key \(kty oct\)/],
      ['{"keys": [{"kty": "EC", "crv": "P-256", "x": "x"}]}', /keys\[0\] \(kty EC\) lacks y/],
    ];
    for (const [jwks, msg] of cases) {
      const text = sp(`  jwt: {providers: [{name: a, localJWKS: {type: Inline, inline: '${jwks}'}}]}`);
      const d = one(load(text).diagnostics, `${P}[0].localJWKS.inline`);
      expect(d.severity).toBe("error");
      expect(d.message).toMatch(msg);
      expect(d.pos).toMatchObject(at(text, `'${jwks}'`));
    }
  });

  test("localJWKS: type and one source; valueRef only to a ConfigMap", () => {
    const text = sp(
      yaml`
      jwt:
        providers:
        - name: a
          localJWKS: {type: ValueRef, inline: '{}'}
        - name: b
          localJWKS: {type: ValueRef, valueRef: {group: "", kind: Secret, name: jwks}}
        - name: c
          localJWKS: {type: Remote, inline: '{}'}
    `.replace(/^/gm, "  "),
    );
    const diags = load(text).diagnostics;
    expect(diags.filter((d) => d.path.startsWith(`${P}[2]`)).map((d) => d.message)).toEqual([
      '"Remote" is not a supported value (must be one of: Inline, ValueRef)',
    ]);
    expect(one(diags, `${P}[0].localJWKS`)).toMatchObject({
      message: "Exactly one of inline or valueRef must be set with correct type.",
      pos: at(text, "localJWKS: {type: ValueRef, inline"),
    });
    const kind = one(diags, `${P}[1].localJWKS.valueRef.kind`);
    expect(kind).toMatchObject({
      message: "kind Secret is not supported: a local JWKS is read only from a ConfigMap",
      pos: at(text, "Secret"),
    });
  });

  test("recomputeRoute is refused, and needs claimToHeaders", () => {
    const text = sp("  jwt: {providers: [{name: a, recomputeRoute: true, remoteJWKS: {uri: https://a.example/jwks}}]}");
    const msgs = errors(load(text).diagnostics).map((d) => [d.path, d.message, d.pos.col]);
    const col = at(text, "recomputeRoute").col;
    expect(msgs).toContainEqual([
      `${P}[0].recomputeRoute`,
      "claimToHeaders must be specified if recomputeRoute is enabled.",
      col + "recomputeRoute: ".length,
    ]);
    expect(msgs).toContainEqual([
      `${P}[0].recomputeRoute`,
      "recomputeRoute is not supported by grpcroute-edge: the Worker matches a request's route once, before authentication",
      col,
    ]);
  });

  test("claimToHeaders and extractFrom items", () => {
    const text = sp(
      "  jwt: {providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks}, claimToHeaders: [{header: 'x user', claim: ''}], extractFrom: {headers: [{valuePrefix: 'Bearer '}]}}]}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${P}[0].claimToHeaders[0].header`).pos).toMatchObject(at(text, "'x user'"));
    expect(one(diags, `${P}[0].claimToHeaders[0].claim`).message).toBe("must not be empty");
    expect(one(diags, `${P}[0].extractFrom.headers[0].name`).message).toBe('missing required field "name"');
  });

  test("durations convert to milliseconds", () => {
    expect(durationMs("300s")).toBe(300_000);
    expect(durationMs("1h2m3s4ms")).toBe(3_723_004);
    expect(durationMs("0s")).toBe(0);
    const text = sp(
      "  jwt: {providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks, cacheDuration: 10m, failedRefetchDuration: 250ms}}]}",
    );
    expect(loadPolicy(text).spec?.jwt?.providers[0]?.remoteJWKS).toEqual({
      uri: "https://a.example/jwks",
      cacheDurationMs: 600_000,
      failedRefetchDurationMs: 250,
    });
  });

  test("an extractFrom that lists nothing falls back to the default locations, with a warning", () => {
    const text = sp("  jwt: {providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks}, extractFrom: {headers: []}}]}");
    const r = loadPolicy(text);
    expect(one(r.diagnostics, `${P}[0].extractFrom`)).toMatchObject({ severity: "warning", pos: at(text, "extractFrom") });
    expect(r.spec?.jwt?.providers[0]?.extractFrom).toBeUndefined();
  });

  test("booleans must be booleans", () => {
    const text = sp('  jwt: {optional: "true", providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks}}]}');
    const d = one(load(text).diagnostics, "spec.jwt.optional");
    expect(d).toMatchObject({
      message: 'expected a boolean, got string "true"',
      fix: "write true without quotes",
      pos: at(text, '"true"'),
    });
  });
});

describe("SecurityPolicy: apiKeyAuth and basicAuth", () => {
  test("extractFrom entries name exactly one list", () => {
    const text = sp(
      "  apiKeyAuth:\n    credentialRefs: [{name: keys}]\n    extractFrom:\n    - {headers: [x-api-key], params: [key]}\n    - {cookies: []}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.apiKeyAuth.extractFrom[0]")).toMatchObject({
      message: "exactly one of headers, params, or cookies must be specified",
      pos: at(text, "{headers: [x-api-key]"),
    });
    expect(one(diags, "spec.apiKeyAuth.extractFrom[1].cookies").message).toBe("has 0 items (at least 1)");
  });

  test("credentialRefs and extractFrom are required", () => {
    const text = sp("  apiKeyAuth: {sanitize: true}");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.apiKeyAuth.credentialRefs").message).toBe('missing required field "credentialRefs"');
    expect(one(diags, "spec.apiKeyAuth.extractFrom").message).toBe('missing required field "extractFrom" (a list of at least 1 item)');
  });

  test("Secret references: core Secrets only", () => {
    const text = sp(
      "  apiKeyAuth:\n    credentialRefs: [{kind: ConfigMap, name: keys}]\n    extractFrom: [{headers: [x-api-key]}]\n  basicAuth: {users: {group: example.com, name: htpasswd}}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.apiKeyAuth.credentialRefs[0].kind")).toMatchObject({
      message: "kind ConfigMap is not supported: credentials are read only from Secrets",
      fix: "use kind: Secret",
      pos: at(text, "ConfigMap"),
    });
    expect(one(diags, "spec.basicAuth.users.group")).toMatchObject({ fix: 'use group: ""', pos: at(text, "example.com") });
  });

  test("an empty credentialRefs refuses every call (warning); header sources must be header names", () => {
    const text = sp("  apiKeyAuth: {credentialRefs: [], extractFrom: [{headers: ['x api key']}]}");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.apiKeyAuth.credentialRefs")).toMatchObject({
      severity: "warning",
      message: "credentialRefs is empty, so no API key is valid and every call is refused",
    });
    expect(one(diags, "spec.apiKeyAuth.extractFrom[0].headers[0]")).toMatchObject({ severity: "error", pos: at(text, "'x api key'") });
  });

  test("basicAuth needs users", () => {
    const text = sp("  basicAuth: {forwardUsernameHeader: x-user}");
    const d = one(load(text).diagnostics, "spec.basicAuth.users");
    expect(d).toMatchObject({ severity: "error", message: 'missing required field "users"', pos: at(text, "basicAuth") });
  });
});

describe("SecurityPolicy: authorization", () => {
  const R = "spec.authorization.rules";
  const rules = (s: string): string => sp(`  authorization:\n    rules:\n${s}`);

  test("defaultAction is Deny when unset, and rules need an action", () => {
    const r = loadPolicy(sp("  authorization: {}"));
    expect(r.spec?.authorization).toEqual({ defaultAction: "Deny", rules: [] });
    const text = rules("    - principal: {clientCIDRs: [10.0.0.0/8]}");
    expect(one(load(text).diagnostics, `${R}[0].action`).message).toBe('missing required field "action"');
  });

  test("rule, principal and operation CEL rules", () => {
    const text = rules("    - {action: Allow, operation: {methods: [POST]}}\n    - {action: Allow, principal: {}, operation: {}}");
    const diags = load(text).diagnostics;
    expect(one(diags, `${R}[0]`)).toMatchObject({
      message: "at least one of principal or cel must be specified",
      pos: { line: 8, col: 7 },
    });
    expect(one(diags, `${R}[1].principal`).message).toBe(
      "at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified",
    );
    expect(one(diags, `${R}[1].operation`).message).toBe("at least one of methods or path must be specified");
  });

  test("rules[].cel is refused", () => {
    const text = rules("    - {action: Allow, cel: 'request.path == \"/\"'}");
    const d = one(load(text).diagnostics, `${R}[0].cel`);
    expect(d).toMatchObject({ severity: "error", pos: at(text, "cel:") });
    expect(d.message).toMatch(/^cel is not supported by grpcroute-edge/);
  });

  test("methods enum and RE2 paths", () => {
    const text = rules(
      "    - {action: Allow, principal: {headers: [{name: a, values: [b]}]}, operation: {methods: [post], path: {type: RegularExpression, value: '(?=x)'}}}",
    );
    const diags = load(text).diagnostics;
    expect(one(diags, `${R}[0].operation.methods[0]`)).toMatchObject({ fix: 'did you mean "POST"?', pos: at(text, "post") });
    const re = one(diags, `${R}[0].operation.path.value`);
    expect(re.message).toMatch(/^"\(\?=x\)" is not a valid RE2 regular expression/);
    expect(re.pos).toMatchObject(at(text, "'(?=x)'"));
  });

  test("clientCIDRs must parse as CIDRs", () => {
    const text = rules(
      "    - action: Allow\n      principal:\n        clientCIDRs: ['10.0.1.0/33', 'x10.0.0.0/8', '2001:db8:::/48', '2001:db8::/129', '192.168.1.7/24', hosts]",
    );
    const diags = load(text).diagnostics;
    const C = `${R}[0].principal.clientCIDRs`;
    const v4 = one(diags, `${C}[0]`);
    expect(v4).toMatchObject({ severity: "error", pos: at(text, "'10.0.1.0/33'") });
    expect(v4.message).toBe(
      '"10.0.1.0/33" is not a valid CIDR: the prefix length must be a number from 0 to 32 (Envoy Gateway would mark the policy Invalid)',
    );
    expect(one(diags, `${C}[1]`).message).toMatch(
      /^"x10.0.0.0\/8" is not a valid CIDR: "x10.0.0.0" is not an IPv4 or IPv6 address \(Envoy Gateway/,
    );
    expect(one(diags, `${C}[2]`).message).toMatch(/is not an IPv4 or IPv6 address/);
    expect(one(diags, `${C}[3]`).message).toMatch(/from 0 to 128/);
    const host = one(diags, `${C}[4]`);
    expect(host).toMatchObject({ severity: "warning", message: '"192.168.1.7/24" has host bits set; it stands for the whole network' });
    expect(one(diags, `${C}[5]`).message).toMatch(/\(the API server rejects it\)$/);
  });

  test("IPv4 and IPv6 CIDR forms that parse", () => {
    const cidrs = ["0.0.0.0/0", "::/0", "fe80::/10", "::ffff:192.0.2.0/120", "2001:db8:0:0:0:0:0:0/32", "1:2:3:4:5:6:7::/128", "::1/128"];
    const text = rules(`    - {action: Allow, principal: {clientCIDRs: [${cidrs.map((c) => `'${c}'`).join(", ")}]}}`);
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.authorization?.rules[0]?.principal.clientCIDRs).toEqual(cidrs);
    const bad = rules(
      "    - {action: Allow, principal: {clientCIDRs: ['010.0.0.0/8', '1:2:3:4:5:6:7:8:9/64', 'fe80::1%eth0/64', '10.0.0.0']}}",
    );
    const diags = errors(load(bad).diagnostics);
    expect(diags.map((d) => d.path)).toEqual([0, 1, 2, 3].map((i) => `${R}[0].principal.clientCIDRs[${i}]`));
    expect(diags[3]?.message).toMatch(/a CIDR needs a prefix length/);
  });

  test("an Exact or PathPrefix path without a leading '/' never matches (warning)", () => {
    const text = rules(
      "    - {action: Allow, principal: {headers: [{name: a, values: [b]}]}, operation: {path: {type: Exact, value: yages.Echo/Ping}}}",
    );
    const d = one(load(text).diagnostics, `${R}[0].operation.path.value`);
    expect(d).toMatchObject({ severity: "warning", pos: at(text, "yages.Echo/Ping") });
  });

  test("principal.jwt needs this policy's jwt and one of its providers", () => {
    const noJwt = rules("    - {action: Allow, principal: {jwt: {provider: a, scopes: [read]}}}");
    const d = one(load(noJwt).diagnostics, `${R}[0].principal.jwt`);
    expect(d).toMatchObject({ message: "if authorization.rules.principal.jwt is used, jwt must be defined", pos: at(noJwt, "jwt:") });
    const text = `${sp("  jwt: {providers: [{name: a, remoteJWKS: {uri: https://a.example/jwks}}]}")}  authorization:\n    rules:\n    - {action: Allow, principal: {jwt: {provider: b}}}\n`;
    const diags = load(text).diagnostics;
    const p = one(diags, `${R}[0].principal.jwt.provider`);
    expect(p).toMatchObject({
      message: 'provider "b" is not one of this policy\'s jwt.providers (a); the rule could never match',
      fix: "use one of: a",
      pos: at(text, "b}"),
    });
    expect(one(diags, `${R}[0].principal.jwt`).message).toBe("at least one of claims or scopes must be specified");
  });

  test("geo: schema rules, and isp and anonymous refused", () => {
    const text = rules(
      "    - action: Deny\n      principal:\n        clientIPGeoLocations: [{country: USA}, {}, {isp: Example ISP}, {anonymous: {isVPN: true}}, {asn: 0}]",
    );
    const diags = load(text).diagnostics;
    const G = `${R}[0].principal.clientIPGeoLocations`;
    expect(one(diags, `${G}[0].country`)).toMatchObject({ message: "is 3 characters long (at most 2)", pos: at(text, "USA") });
    expect(one(diags, `${G}[1]`).message).toBe("at least one of country, region, city, asn, isp, or anonymous must be specified");
    const isp = one(diags, `${G}[2].isp`);
    expect(isp).toMatchObject({ severity: "error", pos: at(text, "isp:") });
    expect(isp.message).toMatch(/^isp is not supported by grpcroute-edge: the Worker's request.cf has no such signal/);
    expect(one(diags, `${G}[3].anonymous`).message).toMatch(/^anonymous is not supported by grpcroute-edge/);
    expect(one(diags, `${G}[4].asn`).message).toBe("0 is out of range (must be between 1 and 2147483647)");
  });
});

import { describe, expect, test } from "vitest";
import type { BackendTrafficPolicyDoc } from "../model.ts";
import { at, errors, load, one, yaml } from "./test-util.ts";

/** A BackendTrafficPolicy `p` in namespace `default` targeting GRPCRoute `yages`; `spec` is indented by two spaces. */
const btp = (spec: string): string =>
  `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: yages}]\n${spec}\n`;

/** `body` (written at column 0) indented under `spec:`. */
const indent = (body: string): string => body.replace(/^(?=.)/gm, "  ");

function loadPolicy(text: string): {
  spec: BackendTrafficPolicyDoc["spec"] | undefined;
  diagnostics: ReturnType<typeof load>["diagnostics"];
} {
  const r = load(text);
  const doc = r.resources.find((x): x is BackendTrafficPolicyDoc => x.kind === "BackendTrafficPolicy");
  return { spec: doc?.spec, diagnostics: r.diagnostics };
}

const SEL = { headers: [], methods: [], queryParams: [] };

describe("BackendTrafficPolicy: Envoy Gateway's examples load as typed specs", () => {
  test("Local per-Minute limit per distinct x-user-id on one GRPCRoute rule (sectionName)", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: BackendTrafficPolicy
      metadata: {name: rl-users, namespace: default}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: yages, sectionName: echo}]
        rateLimit:
          local:
            rules:
            - clientSelectors: [{headers: [{name: x-user-id, type: Distinct}]}]
              limit: {requests: 3, unit: Minute}
            - clientSelectors: [{sourceCIDR: {type: Exact, value: "203.0.113.0/24"}}]
              limit: {requests: 1, unit: Minute}
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: "yages", sectionName: "echo" }],
      deprecatedTargetRef: false,
      rateLimit: {
        local: {
          rules: [
            {
              clientSelectors: [{ ...SEL, headers: [{ name: "x-user-id", type: "Distinct", invert: false }] }],
              limit: { requests: 3, unit: "Minute" },
              shared: false,
              shadowMode: false,
            },
            {
              clientSelectors: [{ ...SEL, sourceCIDR: { type: "Exact", value: "203.0.113.0/24", invert: false } }],
              limit: { requests: 1, unit: "Minute" },
              shared: false,
              shadowMode: false,
            },
          ],
        },
      },
    });
  });

  test("Global per-Second limit per distinct client address (sourceCIDR Distinct), shared, on a Gateway", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: BackendTrafficPolicy
      metadata: {name: rl-ips, namespace: default}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
        rateLimit:
          global:
            rules:
            - clientSelectors:
              - sourceCIDR: {type: Distinct, value: 0.0.0.0/0}
                methods: [{value: POST}]
                path: {type: RegularExpression, value: '^/yages\\.Echo/.*'}
              limit: {requests: 10, unit: Second}
              shared: true
              xRateLimitHeaders: "Off"
    `;
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.rateLimit).toEqual({
      global: {
        rules: [
          {
            clientSelectors: [
              {
                ...SEL,
                methods: [{ value: "POST", invert: false }],
                path: { type: "RegularExpression", value: "^/yages\\.Echo/.*", invert: false },
                sourceCIDR: { type: "Distinct", value: "0.0.0.0/0", invert: false },
              },
            ],
            limit: { requests: 10, unit: "Second" },
            shared: true,
            shadowMode: false,
            xRateLimitHeaders: "Off",
          },
        ],
      },
    });
  });

  test("retry on gRPC unavailable and resource-exhausted, with a per-retry timeout", () => {
    const text = btp(
      indent(yaml`
        retry:
          numRetries: 3
          retryOn: {triggers: [unavailable, resource-exhausted]}
          perRetry: {timeout: 250ms, backOff: {baseInterval: 100ms, maxInterval: 1s}}
      `),
    );
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([]);
    // Envoy Gateway's quirk: given triggers, the retriable status list is exactly httpStatusCodes (none here).
    expect(r.spec?.retry).toEqual({
      numRetries: 3,
      triggers: ["unavailable", "resource-exhausted"],
      httpStatusCodes: [],
      perRetryTimeoutMs: 250,
      backOff: { baseIntervalMs: 100, maxIntervalMs: 1000 },
    });
  });

  test("a request timeout of 2s", () => {
    const r = loadPolicy(btp("  timeout: {http: {requestTimeout: 2s}}"));
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: "yages" }],
      deprecatedTargetRef: false,
      timeout: { requestTimeoutMs: 2000 },
    });
  });
});

describe("BackendTrafficPolicy: targets", () => {
  test("the kind CEL list has UDPRoute and TLSRoute; those are dropped with a warning", () => {
    const text = yaml`
      apiVersion: gateway.envoyproxy.io/v1alpha1
      kind: BackendTrafficPolicy
      metadata: {name: p}
      spec:
        targetRefs:
        - {group: gateway.networking.k8s.io, kind: Service, name: a}
        - {group: gateway.networking.k8s.io, kind: TLSRoute, name: b}
        - {group: gateway.envoyproxy.io, kind: GRPCRoute, name: c}
        timeout: {http: {requestTimeout: 1s}}
    `;
    const r = loadPolicy(text);
    expect(one(r.diagnostics, "spec.targetRefs[0].kind")).toMatchObject({
      severity: "error",
      message: "this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute",
      pos: at(text, "Service"),
    });
    expect(one(r.diagnostics, "spec.targetRefs[1].kind")).toMatchObject({
      severity: "warning",
      message: "grpcroute-edge ignores this target: it routes only GRPCRoute and Gateway, not TLSRoute",
      pos: at(text, "TLSRoute"),
    });
    expect(one(r.diagnostics, "spec.targetRefs[2].group")).toMatchObject({
      severity: "error",
      message: "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
      pos: at(text, "gateway.envoyproxy.io,"),
    });
  });

  test("the deprecated targetRef is read, with a warning; both forms is an error", () => {
    const text = btp("  timeout: {}").replace("targetRefs: [", "targetRef: ").replace("yages}]", "yages}");
    const r = loadPolicy(text);
    expect(one(r.diagnostics, "spec.targetRef")).toMatchObject({
      severity: "warning",
      message: "spec.targetRef is deprecated, use spec.targetRefs instead",
      pos: at(text, "targetRef:"),
    });
    expect(r.spec).toMatchObject({ deprecatedTargetRef: true, targetRefs: [{ kind: "GRPCRoute", name: "yages" }] });
    const both = btp("  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: eg}");
    expect(one(errors(load(both).diagnostics), "spec.targetRef")).toMatchObject({
      message: "either targetRef or targetRefs must be used",
      pos: at(both, "targetRef:"),
    });
  });

  test("targetSelectors and mergeType are refused; mergeType Replace has the BTP's own CEL message", () => {
    const text = btp("  mergeType: Replace\n  targetSelectors: [{kind: GRPCRoute, matchLabels: {app: a}}]");
    const diags = errors(load(text).diagnostics);
    expect(one(diags, "spec.targetSelectors").message).toMatch(/^targetSelectors is not supported by grpcroute-edge: /);
    const merge = diags.filter((d) => d.path === "spec.mergeType").map((d) => d.message);
    expect(merge).toContain("Replace is not a valid MergeType for BackendTrafficPolicySpec");
    expect(merge.some((m) => m.startsWith("mergeType is not supported by grpcroute-edge"))).toBe(true);
  });

  test("spec is required", () => {
    const none = "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: p}\n";
    expect(one(load(none).diagnostics, "spec")).toMatchObject({ severity: "error", message: 'missing required field "spec"' });
  });
});

/** A policy with `rateLimit:` and `body` under it (body written at column 0). */
const rl = (body: string): string => btp(`  rateLimit:\n${body.replace(/^(?=.)/gm, "    ")}`);

describe("BackendTrafficPolicy: rateLimit selectors", () => {
  test("Distinct takes no value and no invert", () => {
    const text = rl(yaml`
      local:
        rules:
        - clientSelectors: [{headers: [{name: x-user, type: Distinct, value: ann, invert: true}]}]
          limit: {requests: 3, unit: Minute}
    `);
    const diags = load(text).diagnostics;
    const base = "spec.rateLimit.local.rules[0].clientSelectors[0].headers[0]";
    expect(one(diags, `${base}.value`)).toMatchObject({
      severity: "error",
      message: "value must not be set with type Distinct: each distinct header value gets its own counter",
      pos: at(text, "ann"),
    });
    expect(one(diags, `${base}.invert`)).toMatchObject({
      severity: "error",
      message: "invert is not applicable for type Distinct",
      pos: at(text, "true"),
    });
  });

  test("Exact and RegularExpression need a value; RE2 is checked", () => {
    const text = rl(yaml`
      global:
        rules:
        - clientSelectors:
          - headers: [{name: x-tenant}]
            queryParams: [{name: tenant, type: RegularExpression, value: '(a)\\1'}]
          limit: {requests: 3, unit: Hour}
    `);
    const diags = load(text).diagnostics;
    const base = "spec.rateLimit.global.rules[0].clientSelectors[0]";
    expect(one(diags, `${base}.headers[0].value`)).toMatchObject({
      severity: "error",
      message: "value is required for type Exact",
      pos: at(text, "{name: x-tenant}"),
    });
    const re = one(diags, `${base}.queryParams[0].value`);
    expect(re).toMatchObject({ severity: "error", pos: at(text, "'(a)") });
    expect(re.message).toMatch(/is not a valid RE2 regular expression/);
  });

  test("an empty query parameter value counts as missing; an empty header value does not", () => {
    const text = rl(yaml`
      global:
        rules:
        - clientSelectors: [{headers: [{name: x-a, value: ""}], queryParams: [{name: a, value: ""}]}]
          limit: {requests: 3, unit: Hour}
    `);
    const diags = load(text).diagnostics;
    expect(diags).toHaveLength(1);
    expect(one(diags, "spec.rateLimit.global.rules[0].clientSelectors[0].queryParams[0].value")).toMatchObject({
      severity: "error",
      message: "value is required for type Exact (and must not be empty)",
      pos: at(text, '""}]}]'),
    });
  });

  test("sourceCIDR must parse as a CIDR", () => {
    const text = rl(yaml`
      global:
        rules:
        - clientSelectors: [{sourceCIDR: {value: 10.0.0.1}}]
          limit: {requests: 3, unit: Day}
    `);
    const d = one(load(text).diagnostics, "spec.rateLimit.global.rules[0].clientSelectors[0].sourceCIDR.value");
    expect(d).toMatchObject({
      severity: "error",
      message:
        '"10.0.0.1" is not a valid CIDR: a CIDR needs a prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32 (Envoy Gateway would mark the policy Invalid)',
      pos: at(text, "10.0.0.1"),
    });
  });

  test("an empty selector, an unknown method, too many selectors", () => {
    const nine = Array.from({ length: 9 }, () => "{methods: [{value: POST}]}").join(", ");
    const text = rl(yaml`
      global:
        rules:
        - clientSelectors: [{}, {methods: [{value: FETCH}]}]
          limit: {requests: 3, unit: Minute}
        - clientSelectors: [${nine}]
          limit: {requests: 3, unit: Minute}
    `);
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.global.rules[0].clientSelectors[0]")).toMatchObject({
      severity: "error",
      message: "at least one of headers, methods, path, sourceCIDR or queryParams must be specified",
      pos: at(text, "{}"),
    });
    expect(one(diags, "spec.rateLimit.global.rules[0].clientSelectors[1].methods[0].value").pos).toMatchObject(at(text, "FETCH"));
    expect(one(diags, "spec.rateLimit.global.rules[1].clientSelectors").message).toBe("has 9 items (at most 8)");
  });
});

describe("BackendTrafficPolicy: rateLimit limits and rules", () => {
  test("requests is 0..4294967295 and unit an enum; both are required", () => {
    const text = rl(yaml`
      global:
        rules:
        - limit: {requests: 4294967296, unit: Minutes}
        - limit: {}
    `);
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.global.rules[0].limit.requests")).toMatchObject({
      message: "4294967296 is out of range (must be between 0 and 4294967295)",
      pos: at(text, "4294967296"),
    });
    const unit = one(diags, "spec.rateLimit.global.rules[0].limit.unit");
    expect(unit).toMatchObject({ pos: at(text, "Minutes"), fix: 'did you mean "Minute"?' });
    expect(one(diags, "spec.rateLimit.global.rules[1].limit.requests").message).toBe('missing required field "requests"');
    expect(one(diags, "spec.rateLimit.global.rules[1].limit.unit").message).toBe('missing required field "unit"');
  });

  test("Local counts only per Minute; Global up to Day", () => {
    const text = rl(yaml`
      local:
        rules:
        - clientSelectors: [{headers: [{name: a, type: Distinct}]}]
          limit: {requests: 3, unit: Second}
      global:
        rules:
        - limit: {requests: 3, unit: Week}
    `);
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.local.rules[0].limit.unit")).toMatchObject({
      severity: "error",
      message: "unit Second is not supported for Local rate limits: the Workers rate limiting binding counts per 10 or 60 seconds",
      fix: "use unit: Minute, or type Global for exact limits in any unit from Second to Day",
      pos: at(text, "Second"),
    });
    expect(one(diags, "spec.rateLimit.global.rules[0].limit.unit")).toMatchObject({
      severity: "error",
      message: "unit Week is not supported for Global rate limits: fixed windows at the edge go up to Day",
      pos: at(text, "Week"),
    });
  });

  test("Local: at most one rule without clientSelectors, and other units are multiples of its unit", () => {
    const text = rl(yaml`
      local:
        rules:
        - limit: {requests: 100, unit: Hour}
        - clientSelectors: []
          limit: {requests: 100, unit: Minute}
        - clientSelectors: [{headers: [{name: a, type: Distinct}]}]
          limit: {requests: 3, unit: Minute}
    `);
    const diags = errors(load(text).diagnostics);
    expect(one(diags, "spec.rateLimit.local.rules[1]")).toMatchObject({
      message: "local rateLimit can not have more than one rule without clientSelectors (rule 0 already has none)",
      pos: at(text, "clientSelectors: []"),
    });
    const multiple = one(diags, "spec.rateLimit.local.rules[2].limit.unit");
    expect(multiple.message).toMatch(/^local rateLimit rule limit unit must be a multiple of the default limit unit: Minute/);
    // The default rule's Hour is refused too (Minute only at the edge).
    expect(one(diags, "spec.rateLimit.local.rules[0].limit.unit").pos).toMatchObject(at(text, "Hour"));
  });

  test("cost and limit.fromMetadata are refused; their Local CEL rules keep the API server's messages", () => {
    const text = rl(yaml`
      local:
        rules:
        - limit: {requests: 3, unit: Minute, fromMetadata: {namespace: ns, key: k}}
          cost: {response: {from: Number, number: 2}}
      global:
        rules:
        - limit: {requests: 3, unit: Minute, fromMetadata: {namespace: ns2, key: k2}}
          cost: {request: {from: Number, number: 2, metadata: {namespace: a, key: b}}}
    `);
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.local.rules[0].limit.fromMetadata")).toMatchObject({
      message: "limit fromMetadata is not supported for Local Rate Limits",
      pos: at(text, "fromMetadata: {namespace: ns,"),
    });
    expect(one(diags, "spec.rateLimit.local.rules[0].cost.response").message).toBe("response cost is not supported for Local Rate Limits");
    expect(one(diags, "spec.rateLimit.local.rules[0].cost")).toMatchObject({
      severity: "error",
      pos: at(text, "cost: {response"),
    });
    expect(one(diags, "spec.rateLimit.global.rules[0].limit.fromMetadata").message).toMatch(
      /^fromMetadata is not supported by grpcroute-edge: /,
    );
    expect(one(diags, "spec.rateLimit.global.rules[0].cost.request").message).toBe("only one of number or metadata can be specified");
    expect(one(diags, "spec.rateLimit.global.rules[0].cost").message).toMatch(/^cost is not supported by grpcroute-edge: /);
  });

  test("shared on a Local rule is a warning and is dropped", () => {
    const text = rl(yaml`
      local:
        rules:
        - limit: {requests: 3, unit: Minute}
          shared: true
    `);
    const r = loadPolicy(text);
    expect(one(r.diagnostics, "spec.rateLimit.local.rules[0].shared")).toMatchObject({ severity: "warning", pos: at(text, "true") });
    expect(r.spec?.rateLimit?.local?.rules[0]?.shared).toBe(false);
  });

  test("global.rules is required; local.rules has at most 16", () => {
    const seventeen = Array.from(
      { length: 17 },
      (_, i) => `{clientSelectors: [{headers: [{name: h${i}, type: Distinct}]}], limit: {requests: 1, unit: Minute}}`,
    );
    const text = rl(`global: {}\nlocal:\n  rules: [${seventeen.join(", ")}]\n`);
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.global.rules").message).toBe('missing required field "rules"');
    expect(one(diags, "spec.rateLimit.local.rules").message).toBe("has 17 items (at most 16)");
  });
});

describe("BackendTrafficPolicy: the deprecated rateLimit.type", () => {
  test("the block it names must be present", () => {
    const text = rl("type: Global\nlocal: {rules: [{limit: {requests: 1, unit: Minute}}]}\n");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.rateLimit.type")).toMatchObject({
      severity: "error",
      message: "global configuration empty for rateLimit: type is Global, but rateLimit.global is not set",
      pos: at(text, "Global"),
    });
  });

  test("the other block is ignored with a warning, and its edge refusals do not apply", () => {
    const text = rl(yaml`
      type: Local
      local: {rules: [{limit: {requests: 1, unit: Minute}}]}
      global: {rules: [{limit: {requests: 1, unit: Year}, cost: {request: {from: Number, number: 2}}}]}
    `);
    const r = loadPolicy(text);
    expect(r.diagnostics).toHaveLength(1);
    expect(one(r.diagnostics, "spec.rateLimit.global")).toMatchObject({
      severity: "warning",
      message: "rateLimit.global is ignored: type is Local, so Envoy Gateway uses only rateLimit.local",
      pos: at(text, "global:"),
    });
    expect(r.spec?.rateLimit).toEqual({
      local: { rules: [{ clientSelectors: [], limit: { requests: 1, unit: "Minute" }, shared: false, shadowMode: false }] },
    });
  });

  test("the ignored block still gets the API server's checks", () => {
    const text = rl("type: Local\nlocal: {}\nglobal: {rules: [{limit: {requests: -1, unit: Minute}}]}\n");
    expect(one(errors(load(text).diagnostics), "spec.rateLimit.global.rules[0].limit.requests").pos).toMatchObject(at(text, "-1"));
  });
});

describe("BackendTrafficPolicy: retry", () => {
  test("retry: {} gets Envoy Gateway's defaults", () => {
    expect(loadPolicy(btp("  retry: {}")).spec?.retry).toEqual({
      numRetries: 2,
      triggers: ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
      httpStatusCodes: [503],
    });
  });

  test("only httpStatusCodes keeps the default triggers; backOff base alone gives max 10 × base", () => {
    const r = loadPolicy(btp("  retry: {retryOn: {httpStatusCodes: [502, 504, 502]}, perRetry: {backOff: {baseInterval: 50ms}}}"));
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.retry).toEqual({
      numRetries: 2,
      triggers: ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
      httpStatusCodes: [502, 504],
      backOff: { baseIntervalMs: 50, maxIntervalMs: 500 },
    });
  });

  test("numRetries above 10 and numAttemptsPerPriority are refused", () => {
    const text = btp("  retry: {numRetries: 11, numAttemptsPerPriority: 2}");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.retry.numRetries")).toMatchObject({
      severity: "error",
      message: "numRetries 11 is too many: the edge retries at most 10 times",
      pos: at(text, "11"),
    });
    expect(one(diags, "spec.retry.numAttemptsPerPriority")).toMatchObject({
      severity: "error",
      message: "numAttemptsPerPriority is not supported by grpcroute-edge: the edge has no endpoint priorities to fail over between",
      pos: at(text, "numAttemptsPerPriority"),
    });
  });

  test("triggers are an enum, status codes 100..599, numRetries ≥ 0", () => {
    const text = btp("  retry: {numRetries: -1, retryOn: {triggers: [unavailabel], httpStatusCodes: [99, 600]}}");
    const diags = load(text).diagnostics;
    expect(one(diags, "spec.retry.numRetries").pos).toMatchObject(at(text, "-1"));
    expect(one(diags, "spec.retry.retryOn.triggers[0]")).toMatchObject({
      fix: 'did you mean "unavailable"?',
      pos: at(text, "unavailabel"),
    });
    expect(one(diags, "spec.retry.retryOn.httpStatusCodes[0]").message).toBe("99 is out of range (must be between 100 and 599)");
    expect(one(diags, "spec.retry.retryOn.httpStatusCodes[1]").pos).toMatchObject(at(text, "600"));
  });

  test("backOff intervals: not 0s, max not below base, Durations", () => {
    const zero = btp("  retry: {perRetry: {backOff: {baseInterval: 0s, maxInterval: 0s}}}");
    const zd = load(zero).diagnostics;
    expect(one(zd, "spec.retry.perRetry.backOff.baseInterval").message).toBe("baseInterval cannot be set to 0s");
    expect(one(zd, "spec.retry.perRetry.backOff.maxInterval").message).toBe("maxInterval cannot be set to 0s");
    const below = btp("  retry: {perRetry: {backOff: {baseInterval: 1s, maxInterval: 500ms}}}");
    expect(one(load(below).diagnostics, "spec.retry.perRetry.backOff.maxInterval")).toMatchObject({
      message: "maxInterval cannot be less than baseInterval",
      pos: at(below, "500ms"),
    });
    const bad = btp("  retry: {perRetry: {timeout: 1.5s}}");
    expect(one(load(bad).diagnostics, "spec.retry.perRetry.timeout")).toMatchObject({
      message: '"1.5s" is not a valid duration (must match ^([0-9]{1,5}(h|m|s|ms)){1,4}$)',
      pos: at(bad, "1.5s"),
    });
  });
});

describe("BackendTrafficPolicy: timeout", () => {
  test("0s is kept as 0; durations in ms", () => {
    const r = loadPolicy(btp("  timeout: {http: {requestTimeout: 0s, maxStreamDuration: 1h30m, streamIdleTimeout: 90s}}"));
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.timeout).toEqual({ requestTimeoutMs: 0, maxStreamDurationMs: 5_400_000, streamIdleTimeoutMs: 90_000 });
  });

  test("connection timeouts are warned about and ignored; bad durations are errors", () => {
    const text = btp(
      indent(yaml`
        timeout:
          http: {connectionIdleTimeout: 1h, maxConnectionDuration: 10m, requestTimeout: "5"}
          tcp: {connectTimeout: 10s}
      `),
    );
    const r = loadPolicy(text);
    for (const [path, key] of [
      ["spec.timeout.http.connectionIdleTimeout", "connectionIdleTimeout"],
      ["spec.timeout.http.maxConnectionDuration", "maxConnectionDuration"],
      ["spec.timeout.tcp.connectTimeout", "connectTimeout"],
    ] as const) {
      expect(one(r.diagnostics, path)).toMatchObject({
        severity: "warning",
        message: `${key} is ignored: upstream connection tuning the Worker does not own`,
        pos: at(text, `${key}:`),
      });
    }
    expect(one(r.diagnostics, "spec.timeout.http.requestTimeout")).toMatchObject({ severity: "error", fix: 'add a unit: "5s"' });
  });
});

describe("BackendTrafficPolicy: other spec fields", () => {
  test.each([
    ["faultInjection", "  faultInjection: {abort: {grpcStatus: 14}}", "not built yet"],
    [
      "responseOverride",
      "  responseOverride: [{match: {statusCodes: [{value: 500}]}, response: {body: {inline: x}}}]",
      "rewrites the answers",
    ],
    ["requestBuffer", "  requestBuffer: {limit: 1Mi}", "whole request body"],
    ["admissionControl", "  admissionControl: {}", "success rate"],
    ["bandwidthLimit", "  bandwidthLimit: {request: {limit: 1Mi}}", "buffers"],
  ])("%s is refused", (key, body, why) => {
    const text = btp(body);
    const d = one(errors(load(text).diagnostics), `spec.${key}`);
    expect(d.message).toMatch(new RegExp(`^${key} is not supported by grpcroute-edge: .*${why}`));
    expect(d.pos).toMatchObject(at(text, `${key}:`));
  });

  test.each([
    ["circuitBreaker", "{maxConnections: 10}"],
    ["connection", "{bufferLimit: 1Mi}"],
    ["dns", "{dnsRefreshRate: 5s}"],
    ["healthCheck", "{passive: {}}"],
    ["http2", "{initialStreamWindowSize: 64Ki}"],
    ["loadBalancer", "{type: RoundRobin}"],
    ["proxyProtocol", "{version: V2}"],
    ["tcpKeepalive", "{probes: 3}"],
    ["useClientProtocol", "true"],
    ["routingType", "Service"],
    ["telemetry", "{tracing: {}}"],
    ["compression", "[{type: Gzip}]"],
    ["compressor", "[{type: Gzip}]"],
    ["httpUpgrade", "[{type: websocket}]"],
  ])("%s is ignored with a warning", (key, value) => {
    const text = btp(`  ${key}: ${value}`);
    const r = loadPolicy(text);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        severity: "warning",
        path: `spec.${key}`,
        message: `${key} is ignored: upstream connection and pool tuning the Worker does not own`,
        pos: expect.objectContaining(at(text, `${key}:`)),
      }),
    ]);
  });

  test("ignored fields keep their type check and the spec's CEL rules", () => {
    const text = btp('  useClientProtocol: "yes"\n  compression: [{type: Gzip}]\n  compressor: [{type: Gzip}]');
    const diags = errors(load(text).diagnostics);
    expect(one(diags, "spec.useClientProtocol").message).toBe('expected a boolean, got string "yes"');
    expect(one(diags, "spec.compressor").message).toBe("either compression or compressor can be set, not both");
  });

  test("unknown fields are errors", () => {
    const text = btp("  timeuot: {}\n  retry: {perTry: {}}");
    const diags = errors(load(text).diagnostics);
    expect(one(diags, "spec.timeuot")).toMatchObject({
      message: 'unknown field "timeuot"',
      fix: 'did you mean "timeout"?',
      pos: at(text, "timeuot:"),
    });
    expect(one(diags, "spec.retry.perTry").message).toBe('unknown field "perTry"');
  });
});

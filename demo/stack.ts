/**
 * The whole demo, as `npm run demo` and the browser test start it: two real DemoService
 * origins (stable and canary), the worker in workerd with demo/routes compiled and the
 * origins passed through the ORIGINS var, a token issuer whose JWKS the `secure` rule's
 * SecurityPolicy trusts, and the page server, whose origin is the one ALLOWED_ORIGINS lets
 * through CORS.
 */
import { join } from "node:path";
import { formatDiagnostic } from "../src/compiler/index.ts";
import { compilePaths, type PipelineResult } from "../src/cli/pipeline.ts";
import { startWorker, type RunningWorker } from "../src/cli/workerd.ts";
import { startPage, type RunningPage } from "./page.ts";
import { startOrigin, type RunningOrigin } from "./origin.ts";
import { root } from "./root.ts";
import { startTokenIssuer, type TokenIssuer } from "./token-issuer.ts";

/** Backend Service names in demo/routes; each origin answers with its name. */
export const stableBackend = "demo-svc";
export const canaryBackend = "demo-svc-canary";

/** The GRPCRoute rule (by name) that only a caller with the issuer's token may use. */
export const secureRule = "secure";
/** The header that selects that rule. */
export const secureHeader = { name: "x-demo", value: "secure" } as const;

/**
 * The `secure` rule's SecurityPolicy, made here because the issuer's port is only known
 * now. The JWKS is plain http on loopback: the compiler warns, which a local demo accepts.
 */
export function securityPolicy(issuer: TokenIssuer): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: demo-secure}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: demo-route, sectionName: ${secureRule}}]
  jwt:
    providers:
      - name: demo-issuer
        issuer: ${issuer.url}
        remoteJWKS: {uri: ${issuer.jwksUri}}
`;
}

export interface DemoOptions {
  /** 0 (default) picks free ports. */
  pagePort?: number;
  workerPort?: number;
  /** Every line the worker prints (its access log among them), as `dev` shows them. */
  onLogLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface RunningDemo {
  /** Open this in a browser. */
  pageUrl: string;
  workerUrl: string;
  stable: RunningOrigin;
  canary: RunningOrigin;
  issuer: TokenIssuer;
  page: RunningPage;
  worker: RunningWorker;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const issuer = await startTokenIssuer();
  let r: PipelineResult;
  try {
    r = await compilePaths([join(root, "demo", "routes")], [{ file: "<demo/stack.ts security policy>", text: securityPolicy(issuer) }]);
  } catch (e) {
    await issuer.close();
    throw e;
  }
  if (r.errors > 0) {
    await issuer.close();
    throw new Error(`demo/routes do not compile:\n${r.all.map(formatDiagnostic).join("\n")}`);
  }
  // Short-lived on purpose: the page asks for a fresh one before each secure call.
  const issueToken = () => issuer.sign({ sub: "demo-user", exp: Math.floor(Date.now() / 1000) + 300 });
  const started = await Promise.allSettled([
    startOrigin(stableBackend),
    startOrigin(canaryBackend),
    startPage(options.pagePort ?? 0, issueToken),
  ]);
  const [s, c, p] = started;
  if (s.status === "rejected" || c.status === "rejected" || p.status === "rejected") {
    // Whatever did start must not keep the process (or a test run) alive.
    await Promise.all([...started.map((r) => (r.status === "fulfilled" ? r.value.close() : undefined)), issuer.close()]);
    throw started.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason;
  }
  const [stable, canary, page] = [s.value, c.value, p.value];
  let worker: RunningWorker;
  try {
    worker = await startWorker(r.table, {
      port: options.workerPort ?? 0,
      ...(options.onLogLine !== undefined ? { onLogLine: options.onLogLine } : {}),
      vars: {
        ALLOWED_ORIGINS: page.origin,
        // The ports are free ones picked now, so the manifests' annotations are overridden.
        ORIGINS: JSON.stringify({ [stableBackend]: stable.url, [canaryBackend]: canary.url }),
      },
    });
  } catch (e) {
    await Promise.all([stable.close(), canary.close(), page.close(), issuer.close()]);
    throw e;
  }
  page.setWorkerUrl(worker.url);
  return {
    pageUrl: `${page.origin}/`,
    workerUrl: worker.url,
    stable,
    canary,
    issuer,
    page,
    worker,
    async close() {
      await worker.dispose();
      await Promise.all([stable.close(), canary.close(), page.close(), issuer.close()]);
    },
  };
}

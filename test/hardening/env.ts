/**
 * One worker for the hardening tests: real origins (alpha, beta), a scripted origin that
 * misbehaves as `x-case` says, an address that refuses connections, and small limits
 * (MAX_MESSAGE_BYTES 1024, ORIGIN_HEADERS_TIMEOUT_MS and STREAM_IDLE_TIMEOUT_MS 400) so
 * every failure shows within milliseconds.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CountResponseSchema, EchoResponseSchema } from "../../demo/gen/grpcroute/demo/v1/demo_pb.ts";
import { envelope, refusingOriginUrl, startScriptedOrigin, trailerFrameOf, type ScriptedOrigin } from "../harness/failing-origins.ts";
import { startOrigin, type RunningOrigin } from "../harness/origins.ts";
import { startWorker, type RunningWorker } from "../harness/worker.ts";
import { caseHeader, hardeningTable } from "./fixture.ts";

export const limits = { MAX_MESSAGE_BYTES: "1024", ORIGIN_HEADERS_TIMEOUT_MS: "400", STREAM_IDLE_TIMEOUT_MS: "400" };

export interface HardeningEnv {
  alpha: RunningOrigin;
  beta: RunningOrigin;
  bad: ScriptedOrigin;
  /** Receives the mirrored copies of `retry-status-mirrored`. */
  mirror: RunningOrigin;
  refused: string;
  worker: RunningWorker;
  close(): Promise<void>;
}

const message = (n: number) => envelope(0, toBinary(CountResponseSchema, create(CountResponseSchema, { number: n, backend: "bad" })));
const ok = "grpc-status: 0\r\n";

/** What the scripted origin does, by the request's `x-case`. */
function misbehave(req: IncomingMessage, res: ServerResponse): void {
  const mode = String(req.headers[caseHeader] ?? "");
  const grpcWeb = { "content-type": "application/grpc-web+proto" };
  req.on("data", () => undefined);
  const afterBody = (f: () => void): void => {
    if (req.complete) f();
    else req.on("end", f);
  };
  switch (mode) {
    case "stall-headers":
    case "stall-headers-deadline":
      return; // never answers
    case "stall-mid":
      res.writeHead(200, grpcWeb);
      res.write(message(1));
      return; // never ends
    case "reset-mid":
    case "retry-reset-mid":
      res.writeHead(200, grpcWeb);
      res.write(message(1));
      setTimeout(() => res.socket?.destroy(), 30);
      return;
    case "retry-reset-after-request":
      return afterBody(() => res.socket?.destroy());
    case "html503":
      res.writeHead(503, { "content-type": "text/html" });
      return void res.end("<html><body>503 Service Unavailable from 10.0.0.7:8080</body></html>");
    case "html500":
      res.writeHead(500, { "content-type": "text/html" });
      return void res.end("<html>oops</html>");
    case "garbage-trailer":
      res.writeHead(200, grpcWeb);
      res.write(message(1));
      return void res.end(envelope(0x80, new Uint8Array([0xff, 0x00, 0x13, 0x37, 0x0a])));
    case "no-status-trailer":
      res.writeHead(200, grpcWeb);
      res.write(message(1));
      return void res.end(trailerFrameOf("x-custom: yes\r\n"));
    case "nan-status-trailer":
      res.writeHead(200, grpcWeb);
      res.write(message(1));
      return void res.end(trailerFrameOf("grpc-status: abc\r\n"));
    case "nan-status-header":
      res.writeHead(200, { ...grpcWeb, "grpc-status": "fourteen" });
      return void res.end();
    case "retry-status":
    case "retry-status-mirrored":
    case "retry-status-streamed":
      // UNAVAILABLE, as a trailer frame (connect-es style) or trailers-only (connect-go style).
      return afterBody(() => {
        if (req.headers["content-type"]?.startsWith("application/grpc-web")) {
          if (mode === "retry-status") {
            res.writeHead(200, { ...grpcWeb, "grpc-status": "14", "grpc-message": "overloaded" });
            return void res.end();
          }
          res.writeHead(200, grpcWeb);
          return void res.end(trailerFrameOf("grpc-status: 14\r\ngrpc-message: overloaded\r\n"));
        }
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "unavailable", message: "overloaded" }));
      });
    default:
      res.writeHead(200, grpcWeb);
      res.write(envelope(0, toBinary(EchoResponseSchema, create(EchoResponseSchema, { backend: "bad" }))));
      return void res.end(trailerFrameOf(ok));
  }
}

/** Weights that make the first draw all but certainly the misbehaving backend. */
const heavy = 1_000_000;

export async function startHardeningEnv(): Promise<HardeningEnv> {
  const [alpha, beta, mirror, bad, refused] = await Promise.all([
    startOrigin("alpha"),
    startOrigin("beta"),
    startOrigin("mirror"),
    startScriptedOrigin(misbehave),
    refusingOriginUrl(),
  ]);
  const single = (name: string, url: string) => ({ backends: [{ name, url }] });
  const table = hardeningTable({
    plain: {
      cases: {
        alpha: single("alpha", alpha.url),
        refused: single("refused", refused),
        ...Object.fromEntries(
          [
            "stall-headers",
            "stall-headers-deadline",
            "stall-mid",
            "reset-mid",
            "html503",
            "html500",
            "garbage-trailer",
            "no-status-trailer",
            "nan-status-trailer",
            "nan-status-header",
          ].map((m) => [m, single("bad", bad.url)]),
        ),
        // Retries: the first draw goes to the failing backend, a retry to alpha.
        "retry-refused": {
          backends: [
            { name: "refused", url: refused, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
        "retry-reset-mid": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
        "retry-reset-after-request": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
        "retry-status-off": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
      },
    },
    retrying: {
      annotations: { "retry.linkerd.io/grpc": "unavailable, internal", "retry.linkerd.io/limit": "2" },
      cases: {
        "retry-status": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
        "retry-status-streamed": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
        },
        "retry-status-mirrored": {
          backends: [
            { name: "bad", url: bad.url, weight: heavy },
            { name: "alpha", url: alpha.url },
          ],
          mirror: { name: "mirror", url: mirror.url },
        },
      },
    },
    timed: {
      annotations: { "timeout.linkerd.io/request": "300ms" },
      cases: { timed: single("alpha", alpha.url) },
    },
    hosted: {
      hostnames: ["api.example.com"],
      cases: { host: single("beta", beta.url) },
    },
  });
  const worker = await startWorker(table, { vars: { ...limits, ALLOWED_ORIGINS: "https://app.example.com" } });
  return {
    alpha,
    beta,
    bad,
    mirror,
    refused,
    worker,
    async close() {
      await worker.dispose();
      await Promise.all([alpha.close(), beta.close(), mirror.close(), bad.close()]);
    },
  };
}

import { Code, type ClientProtocol, type ConnectError, observeResponse, type Observed, type RelayOutcome } from "../../protocol/index.ts";
import { type AccessRecord, codeNames, dataPoint } from "../../runtime/access-record.ts";
import type { EdgeEnv } from "../env.ts";

/** The part of the Analytics Engine binding the edge uses. */
interface AnalyticsDataset {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

interface Cf {
  colo?: string;
  country?: string;
}

const reasonMax = 120;

/**
 * Exists only so bench/observe.ts can measure what the access log and the data point cost per
 * call: its bundle defines this as `false`. No other build defines it (wrangler, dev, tests),
 * so there it is undeclared and logging is on; it is not a setting.
 */
declare const __GRPCROUTE_EDGE_ACCESS_LOG__: boolean | undefined;
const accessLog = typeof __GRPCROUTE_EDGE_ACCESS_LOG__ === "undefined" || __GRPCROUTE_EDGE_ACCESS_LOG__;

/**
 * The facts of one call, filled in as the request goes through the edge, written as one
 * access-log line (src/runtime/access-record.ts) and one Analytics Engine data point when the
 * ANALYTICS binding exists.
 */
export class CallLog {
  readonly started = Date.now();
  private readonly fields: Partial<AccessRecord> = {};
  private edgeError: ConnectError | undefined;
  private requestBytes = 0;
  private requestMessages = 0;
  private relayOutcome: Promise<RelayOutcome> | undefined;
  private done = false;

  constructor(
    private readonly incoming: Request,
    host: string,
    requestId: string,
    traceId: string | undefined,
    private readonly env: EdgeEnv,
  ) {
    const cf = (incoming as { cf?: Cf }).cf;
    this.fields.request_id = requestId;
    if (traceId !== undefined) this.fields.trace_id = traceId;
    this.fields.host = host;
    if (cf?.colo !== undefined) this.fields.colo = cf.colo;
    if (cf?.country !== undefined) this.fields.country = cf.country;
  }

  set<K extends keyof AccessRecord>(key: K, value: AccessRecord[K] | undefined): void {
    if (value !== undefined) this.fields[key] = value;
  }

  client(c: ClientProtocol): void {
    this.fields.protocol =
      c.kind === "grpc-web"
        ? c.responseText
          ? "grpc-web-text"
          : "grpc-web"
        : c.kind === "connect-stream"
          ? "connect-stream"
          : c.get
            ? "connect-get"
            : "connect";
  }

  /** The edge decided the call's status (an error it wrote, or a final frame it appended). */
  edge(error: ConnectError): void {
    this.edgeError ??= error;
  }

  /**
   * Something went wrong that the caller's answer does not tell: a second line, level error,
   * with the call's request id, never free text (Workers Logs indexes it as the access line).
   */
  error(message: string): void {
    console.error(JSON.stringify({ v: 1, level: "error", ts: new Date().toISOString(), request_id: this.fields.request_id, message }));
  }

  request(bytes: number, messages: number): void {
    this.requestBytes = bytes;
    this.requestMessages = messages;
  }

  /** The relay reports what the client was sent: the line needs no watching stream of its own. */
  relayed(outcome: Promise<RelayOutcome>): void {
    this.relayOutcome = outcome;
  }

  /**
   * The response, watched: the line is written when the relay reports the end, at the last
   * byte of a body the log must read itself (edge errors, translated answers), when the
   * client goes away (CANCELLED, from the edge), or at once for a response without a body.
   */
  finish(response: Response, client: ClientProtocol | undefined): Response {
    if (!accessLog) return response;
    const ttfb = Date.now() - this.started;
    if (this.relayOutcome !== undefined) {
      this.incoming.signal?.addEventListener("abort", () => this.write(response, ttfb, undefined, true), { once: true });
      this.relayOutcome.then((o) => this.write(response, ttfb, o, o.cancelled));
      return response;
    }
    if (client === undefined || response.body === null) {
      this.write(response, ttfb, client === undefined ? undefined : observeResponse(client, response).result(), false);
      return response;
    }
    const observer = observeResponse(client, response);
    // workerd aborts request.signal when it notices the client went away.
    this.incoming.signal?.addEventListener("abort", () => this.write(response, ttfb, observer.result(), true), { once: true });
    // One stream of our own, reading the body and looking at each chunk on the way: no
    // extra TransformStream between the relay and the client.
    const reader = response.body.getReader();
    const watched = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const next = await reader.read().catch((e: unknown) => {
          this.write(response, ttfb, observer.result(), false);
          throw e;
        });
        if (next.done) {
          c.close();
          this.write(response, ttfb, observer.result(), false);
        } else {
          observer.see(next.value);
          c.enqueue(next.value);
        }
      },
      cancel: async (reason) => {
        this.write(response, ttfb, observer.result(), true);
        await reader.cancel(reason);
      },
    });
    return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  private write(response: Response, ttfb: number, seen: Observed | RelayOutcome | undefined, cancelled: boolean): void {
    if (this.done) return;
    this.done = true;
    let code: number | undefined;
    let source: AccessRecord["status_source"] = "origin";
    let reason: string | undefined;
    // Past the exact prefix a piped stream is not seen by the edge: its status, bytes and
    // messages are unknown, and absent from the line.
    const piped = seen !== undefined && "piped" in seen && seen.piped;
    if (cancelled) {
      code = Code.Canceled;
      source = "edge";
      reason = "client went away";
    } else if (this.edgeError !== undefined) {
      code = this.edgeError.code;
      source = "edge";
      reason = this.edgeError.rawMessage;
    } else code = piped ? seen.code : (seen?.code ?? Code.Unknown);
    if (seen?.code === undefined && !cancelled && this.edgeError === undefined && !piped) {
      source = "edge";
      reason = "response ended without a status";
    }
    const record: AccessRecord = {
      v: 1,
      ts: new Date(this.started).toISOString(),
      request_id: this.fields.request_id!,
      ...this.fields,
      host: this.fields.host!,
      http_status: response.status,
      status_source: source,
      duration_ms: Date.now() - this.started,
      ttfb_ms: ttfb,
      request_bytes: this.requestBytes,
      request_messages: this.requestMessages,
    };
    if (code !== undefined) {
      record.grpc_status = codeNames[code] ?? "UNKNOWN";
      record.grpc_code = code;
    }
    if (piped) record.relay = "piped";
    else {
      record.response_bytes = seen?.bytes ?? 0;
      record.response_messages = seen?.messages ?? 0;
    }
    if (reason !== undefined) record.edge_reason = reason.length > reasonMax ? `${reason.slice(0, reasonMax)}…` : reason;
    console.log(JSON.stringify(record));
    const dataset = this.env.ANALYTICS as AnalyticsDataset | undefined;
    if (dataset !== undefined && typeof dataset.writeDataPoint === "function") {
      try {
        dataset.writeDataPoint(dataPoint(record));
      } catch (e) {
        console.log(
          JSON.stringify({
            v: 1,
            level: "error",
            request_id: record.request_id,
            message: `analytics data point not written: ${String(e)}`,
          }),
        );
      }
    }
  }
}

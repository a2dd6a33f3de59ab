import { request } from "node:http";

/** What a gRPC-web call came back with, read off the wire. */
export interface RawAnswer {
  httpStatus: number;
  /** From the headers (trailers-only) or the trailer frame. */
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
}

/**
 * One gRPC-web call with an empty message, sent with node:http because fetch() will not
 * send a Host header of our choosing, and host matching is what these tests are about.
 */
export function grpcWebCall(baseUrl: string, host: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path,
        headers: { ...headers, host, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          const trailer = trailerOf(body);
          resolve({
            httpStatus: res.statusCode ?? 0,
            grpcStatus: headerOf(res.headers["grpc-status"]) ?? trailer["grpc-status"],
            grpcMessage: headerOf(res.headers["grpc-message"]) ?? trailer["grpc-message"],
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${baseUrl}${path} in 10 s`)));
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

function headerOf(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The trailer frame (flag 0x80) of a gRPC-web body as lower-case key → value. */
function trailerOf(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 5 <= body.length; ) {
    const len = body.readUInt32BE(i + 1);
    if (body[i] === 0x80) {
      for (const line of body
        .subarray(i + 5, i + 5 + len)
        .toString("utf8")
        .split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    }
    i += 5 + len;
  }
  return out;
}

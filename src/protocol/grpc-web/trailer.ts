import { Code, ConnectError } from "@connectrpc/connect";
import { invalidGrpcStatus, parseGrpcStatus } from "../grpc/status.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The status of an uncompressed gRPC-web trailer frame (undefined: details only), or its
 * problem (the gRPC-web protocol, https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md):
 * not a header block (a non-empty line without `name:`, or not UTF-8), no `grpc-status`
 * (and no `grpc-status-details-bin`), or a status that is not 0..16.
 */
export function checkTrailerBlock(data: Uint8Array): { code: Code | undefined; problem?: ConnectError } {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { code: undefined, problem: new ConnectError("protocol error: malformed trailer from the origin", Code.Internal) };
  }
  let status: string | null = null;
  let details = false;
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0)
      return { code: undefined, problem: new ConnectError("protocol error: malformed trailer from the origin", Code.Internal) };
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === "grpc-status" && status === null) status = line.slice(colon + 1);
    if (name === "grpc-status-details-bin") details = true;
  }
  if (status === null && details) return { code: undefined };
  const problem = invalidGrpcStatus(status);
  return problem === undefined ? { code: parseGrpcStatus(status!) } : { code: undefined, problem };
}

import { Code, ConnectError } from "@connectrpc/connect";
import { invalidGrpcStatus } from "../grpc/status.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The problem with an uncompressed gRPC-web trailer frame's contents (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)):
 * not a header block (a non-empty line without `name:`, or not UTF-8), no `grpc-status`
 * (and no `grpc-status-details-bin`), or a status that is not 0..16.
 */
export function invalidTrailerBlock(data: Uint8Array): ConnectError | undefined {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return new ConnectError("protocol error: malformed trailer from the origin", Code.Internal);
  }
  let status: string | null = null;
  let details = false;
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return new ConnectError("protocol error: malformed trailer from the origin", Code.Internal);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === "grpc-status" && status === null) status = line.slice(colon + 1);
    if (name === "grpc-status-details-bin") details = true;
  }
  if (status === null && details) return undefined;
  return invalidGrpcStatus(status);
}

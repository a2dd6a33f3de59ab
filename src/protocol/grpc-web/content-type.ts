/**
 * gRPC-web content types (the gRPC-web protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)). Parsing reuses connect-es; the text
 * variants are the edge's own, since connect-es servers refuse them.
 */

import { contentTypeJson, contentTypeProto } from "@connectrpc/connect/protocol-grpc-web";
export { parseContentType, contentTypeProto, contentTypeJson } from "@connectrpc/connect/protocol-grpc-web";

export const contentTypeGrpcWebPrefix = "application/grpc-web";
export const contentTypeGrpcWebTextPrefix = "application/grpc-web-text";
export const contentTypeTextProto = "application/grpc-web-text+proto";
/** connect-es accepts `-text+json`; the edge answers it with the same subtype. */
export const contentTypeTextJson = "application/grpc-web-text+json";

/** The content type of a gRPC-web response in the client's mode and codec. */
export function grpcWebContentType(text: boolean, codec: "proto" | "json"): string {
  if (text) return codec === "json" ? contentTypeTextJson : contentTypeTextProto;
  return codec === "json" ? contentTypeJson : contentTypeProto;
}

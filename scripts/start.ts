/**
 * `npm start`: the edge on the shipped `routes/`, working on this machine. The example
 * Services point at `*.origins.example.net`, which do not exist here, so each gets a small
 * Connect origin on 127.0.0.1 that answers every unary JSON call with the name of the
 * backend that served it: the header match and the weighted split show in the answers.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { formatDiagnostic } from "../src/compiler/index.ts";
import { compilePaths } from "../src/cli/pipeline.ts";
import { startWorker } from "../src/cli/workerd.ts";

const BACKENDS = ["foo-svc", "bar-svc", "bar-svc-canary", "smiley", "smiley2"] as const;
const PORT = Number(process.env.PORT ?? 8787);

/** A Connect unary origin (https://connectrpc.com/docs/protocol#unary-request) for JSON calls. */
function startOrigin(backend: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/json") {
        res
          .writeHead(415, { "content-type": "application/json" })
          .end(JSON.stringify({ code: "unimplemented", message: "this stand-in answers Connect unary JSON only" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ backend, procedure: req.url }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const compiled = await compilePaths(["routes/"]);
for (const d of compiled.all) process.stderr.write(`${formatDiagnostic(d)}\n`);
if (compiled.errors > 0) process.exit(1);

const origins = await Promise.all(BACKENDS.map(startOrigin));
const vars = {
  ORIGINS: JSON.stringify(
    Object.fromEntries(BACKENDS.map((name, i) => [name, `http://127.0.0.1:${(origins[i]!.address() as AddressInfo).port}`])),
  ),
  ALLOWED_ORIGINS: "*",
};
const worker = await startWorker(compiled.table, { port: PORT, vars });
const call = (host: string, path: string, header = "") =>
  `curl -s -H 'host: ${host}' ${header}-H 'content-type: application/json' -d '{}' ${worker.url}${path}`;
process.stdout.write(`grpcroute-edge: ${compiled.table.routes.length} routes from routes/, listening on ${worker.url}
local stand-ins for ${BACKENDS.join(", ")}; try:

  ${call("foo.example.com", "/com.example.User/Login")}
  ${call("bar.example.com", "/any.Service/Method", "-H 'env: canary' ")}
  ${call("smiley.example.com", "/smiley.v1.Smiley/Get")}
  ${call("foo.example.com", "/com.example.User/Logout")}     # no route: unimplemented

Ctrl-C stops it.
`);

await new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
await worker.dispose();
for (const origin of origins) origin.close();

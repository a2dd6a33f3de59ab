/**
 * The demo page's own origin: a static server on 127.0.0.1 serving demo/web/index.html
 * and demo/web/app.ts, bundled for the browser with esbuild once at start. The page is
 * opened as `http://localhost:PORT`, a different origin from the worker's
 * `http://127.0.0.1:PORT`, so every call is cross-origin and the browser preflights it.
 * `GET /token` hands the page a signed token for the secure call.
 */
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { closer, listen } from "./origin.ts";
import { root } from "./root.ts";

export interface RunningPage {
  /** `http://localhost:<port>`: the origin the worker's ALLOWED_ORIGINS must name. */
  origin: string;
  port: number;
  /** Tells the page where the worker is; call before the page is opened. */
  setWorkerUrl(url: string): void;
  close(): Promise<void>;
}

const web = join(root, "demo", "web");

async function bundleApp(): Promise<string> {
  const out = await build({
    entryPoints: [join(web, "app.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** Start the page server; `port` 0 picks a free one. `issueToken` backs `GET /token`. */
export async function startPage(port = 0, issueToken?: () => Promise<string>): Promise<RunningPage> {
  const [app, html] = await Promise.all([bundleApp(), readFile(join(web, "index.html"), "utf8")]);
  let workerUrl = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/" || path === "/index.html") {
      // The worker's port is only known at run time: the page reads it from this meta tag.
      const body = html.replace("%WORKER_URL%", workerUrl);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(body);
    } else if (path === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
      res.end(app);
    } else if (path === "/token" && issueToken !== undefined) {
      // Stands in for a real login: anyone who can load the page gets a token, no questions asked.
      issueToken().then(
        (token) => {
          res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
          res.end(JSON.stringify({ token }));
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`cannot issue a token: ${String(e)}\n`);
        },
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  const bound = await listen(server, port);
  return {
    origin: `http://localhost:${bound}`,
    port: bound,
    setWorkerUrl: (url) => {
      workerUrl = url;
    },
    close: closer(server),
  };
}

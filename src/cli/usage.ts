/** A mistake in how the command was called: exit code 2, with the usage text. */
export class UsageError extends Error {}

export const USAGE = `usage: grpcroute-edge <command> [options]

commands:
  check   [-f PATH]... [--format text|json] [--config FILE] [--strict]
                                                  validate routes; exit 0 valid, 1 problems, 2 usage
  compile [-f PATH]... [-o FILE] [--bindings FILE] [--strict]
                                                  write the compiled route table (stdout without -o)
  explain [-f PATH]... --host H --path /pkg.Service/Method [-H 'name: value']...
  explain [-f PATH]... --json                     one JSON request per stdin line, one JSON answer per line
  dev     [-f PATH]... [--port N] [--origin KEY=URL]... [--log-format text|json]
                                                  serve the worker in workerd on 127.0.0.1
  stats   [--since 15m] [--by route|backend|method|status] [--json] [--print-sql] [--dataset NAME]
                                                  calls, success, RPS and latency from Analytics Engine

PATH is a file or folder of YAML manifests (default routes/), or - for stdin.`;

export type Command = "check" | "compile" | "explain" | "dev" | "stats";

const PATH_LINE = "  -f, --file PATH          a file or folder of YAML manifests, or - for stdin; repeatable (default routes/)";
const HELP_LINE = "  -h, --help               print this help and exit";

/** `grpcroute-edge <command> --help`: every flag of the command, one line each. */
export const COMMAND_HELP: Record<Command, string> = {
  check: `usage: grpcroute-edge check [-f PATH]... [--format text|json] [--config FILE] [--strict]

Validates the manifests. Exit 0 when valid, 1 with errors, 2 for usage errors. A route a
parent does not accept (Accepted=False) is a warning: the other routes still work.

${PATH_LINE}
  --format text|json       text: one line per diagnostic, then statuses (default); json: one document
  -c, --config FILE        the wrangler.toml whose bindings the routes need (default ./wrangler.toml,
                           read only when a BackendTrafficPolicy needs bindings)
  --strict                 a route a parent does not accept is an error (exit 1)
${HELP_LINE}`,

  compile: `usage: grpcroute-edge compile [-f PATH]... [-o FILE] [--bindings FILE] [--strict]

Writes the compiled route table and prints a one-line summary. Errors: nothing is written, exit 1.
A route a parent does not accept is left out of the table for that parent, with a warning.

${PATH_LINE}
  -o, --output FILE        write the table to FILE (folders are created); without it, to stdout
  --bindings FILE          write the wrangler.toml bindings the table needs (rate limits) to FILE
  --strict                 a route a parent does not accept is an error: nothing is written, exit 1
${HELP_LINE}`,

  explain: `usage: grpcroute-edge explain [-f PATH]... --host H --path /pkg.Service/Method [-H 'name: value']... [dry-run flags]
       grpcroute-edge explain [-f PATH]... --json [dry-run flags] < requests

Which route and rule win a request, why, and the final backends. When the winning rule has a
SecurityPolicy, a policy: line names it and the target that gave it, and a decision: line says
whether the edge would let the call through (JSON: "policy" and "decision" keys).

${PATH_LINE}
  --host H                 the request's host (default empty)
  --path /pkg.Svc/Method   the request's path; without it, --json reads one request per stdin line
  -H, --header 'n: v'      a request header; repeatable; counts for header rules of the policy too
  --json                   print the answer as one JSON line
  --jwt-claims JSON        claims of a token assumed valid for every JWT provider of the policy,
                           e.g. '{"sub":"alice","scope":"read write"}'
  --client-ip IP           the client address clientCIDRs rules see (cf-connecting-ip)
  --country CC             the country geo rules see (request.cf.country), e.g. CH
  --api-key-client NAME    an API key assumed valid for client id NAME
${HELP_LINE}

Without a JWT, API key or Basic credentials the policy asks for, the decision is
UNAUTHENTICATED; explain never sees passwords, so a policy with basicAuth always is.`,

  dev: `usage: grpcroute-edge dev [-f PATH]... [--port N] [--origin KEY=URL]... [--allowed-origins LIST] [--secret NAME=VALUE]... [--log-format text|json]

Compiles the routes and serves the real worker bundle in workerd on 127.0.0.1 until interrupted.

${PATH_LINE}
  --port N                 port to listen on, 0 for any free one (default 8787)
  --origin KEY=URL         backend origin override; KEY is name, name.namespace or name.namespace:port;
                           URL is http(s)://... or binding:NAME; repeatable
  --allowed-origins LIST   the ALLOWED_ORIGINS var: browser origins allowed by CORS (default *)
  --secret NAME=VALUE      a Worker secret binding, e.g. EG_SECRET_DEFAULT_API_KEYS='{"client-a":"key"}';
                           repeatable; wins over .dev.vars
  --log-format text|json   the worker's access and error log records on stdout: text, one short line
                           per call, status coloured on a terminal unless NO_COLOR is set (default);
                           json, the records as the worker wrote them, one JSON object per line, and
                           dev's own lines (secrets:, listening on) go to stderr instead
${HELP_LINE}

Anything else the worker prints (console.log, console.warn, console.error) goes to stderr unchanged.

Worker secrets (and other bindings) are read from a .dev.vars file (NAME=value lines, as wrangler
reads them) beside the routes (in the first -f folder), else in the current directory. dev prints
the names it loaded, never the values, and warns about each secret a SecurityPolicy needs that
is missing. ORIGINS and ALLOWED_ORIGINS always come from the flags above.

In dev a cf-connecting-ip header sent by the client is honoured, so clientCIDRs rules can be
tried locally (send -H 'cf-connecting-ip: 203.0.113.7'). On Cloudflare that header is always
set by Cloudflare itself to the real client address; a client cannot choose it.`,

  stats: `usage: grpcroute-edge stats [--since 15m] [--by route|backend|method|status] [--json] [--print-sql] [--dataset NAME]

Calls, success rate, requests per second and p50/p99 latency of the deployed worker, one row per
group, most calls first, from the data points it writes to Workers Analytics Engine (read through
its SQL API, weighted by _sample_interval so sampled data still counts every call).

  --since N[s|m|h|d]       how far back to look, e.g. 30s, 15m, 6h, 7d (default 15m)
  --by route|backend|method|status
                           what one row is (default route); method is service/method,
                           status the gRPC status code name (OK, UNAVAILABLE, ...)
  --json                   print one JSON document: {"since", "by", "rows": [{"<by>", "calls",
                           "success_rate", "rps", "p50_ms", "p99_ms"}]}
  --print-sql              print the SQL and exit, without credentials (for a dashboard or curl)
  --dataset NAME           the Analytics Engine dataset, the binding's dataset in wrangler.toml
                           (default grpcroute_edge)
${HELP_LINE}

Needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (a token with Account Analytics Read), the
names wrangler uses. For tests only, GRPCROUTE_EDGE_ANALYTICS_URL replaces the API base URL
https://api.cloudflare.com/client/v4. Exit 0 ok, 1 when the API fails, 2 for usage errors.`,
};

export function isCommand(s: string | undefined): s is Command {
  return s === "check" || s === "compile" || s === "explain" || s === "dev" || s === "stats";
}

/** Every command's `-h`/`--help` option. */
export const helpOption = { help: { type: "boolean", short: "h" } } as const;

/** Prints the command's help when asked for; true means the command is done. */
export function printedHelp(command: Command, values: { help?: boolean | undefined }): boolean {
  if (values.help !== true) return false;
  process.stdout.write(`${COMMAND_HELP[command]}\n`);
  return true;
}

/** A mistake in how the command was called: exit code 2, with the usage text. */
export class UsageError extends Error {}

export const USAGE = `usage: grpcroute-edge <command> [options]

commands:
  check   [-f PATH]... [--format text|json]       validate routes; exit 0 valid, 1 problems, 2 usage
  compile [-f PATH]... [-o FILE]                  write the compiled route table (stdout without -o)
  explain [-f PATH]... --host H --path /pkg.Service/Method [-H 'name: value']...
  explain [-f PATH]... --json                     one JSON request per stdin line, one JSON answer per line
  dev     [-f PATH]... [--port N] [--origin KEY=URL]...
                                                  serve the worker in workerd on 127.0.0.1

PATH is a file or folder of YAML manifests (default routes/), or - for stdin.`;

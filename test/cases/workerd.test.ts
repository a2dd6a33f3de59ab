/**
 * The routing cases through the worker in workerd: each backend is a real connect-node
 * origin, and the outcome is which origin received the call, or which status the edge
 * answered when none did.
 */
import { grpcWebCall } from "../support/raw-http.ts";
import { stage, type Stage } from "../harness/stage.ts";
import { runRoutingCases } from "./run-routing-cases.ts";

const codeNames: Record<string, string> = { "12": "UNIMPLEMENTED", "14": "UNAVAILABLE" };

runRoutingCases<Stage>({
  name: "workerd",
  setup: (suite) => stage(suite.files.map((f) => f.text).join("\n---\n"), suite.backends),
  teardown: (s) => s.close(),
  async outcome(c, s) {
    const before = new Map([...s.origins].map(([b, o]) => [b, o.calls.length]));
    const answer = await grpcWebCall(s.worker.url, c.host, c.path, c.headers);
    const reached = [...s.origins].filter(([b, o]) => o.calls.length > before.get(b)!).map(([b]) => b);
    if (reached.length === 0) return codeNames[answer.grpcStatus ?? ""] ?? `no origin reached, grpc-status ${answer.grpcStatus}`;
    if (reached.length > 1) return `reached ${reached.join(", ")}`;
    const only = reached[0]!;
    const procedure = s.origins.get(only)!.calls.at(-1)!.procedure;
    // Reaching the right origin with a rewritten path would still be a routing bug.
    return procedure === c.path ? only : `${only} saw ${procedure}`;
  },
});

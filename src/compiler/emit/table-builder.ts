import type { Backend, Candidate, Filters, HeaderOps, Origin, RouteTable, Rule, Scope } from "../../table/types.ts";
import { TABLE_VERSION } from "../../table/types.ts";
import type { HeaderModifier } from "../model.ts";

/**
 * Appends table rows and interns the shared ones (origins, regexes), so the same input
 * always yields the same ids and byte-identical JSON.
 */
export class TableBuilder {
  readonly table: RouteTable = {
    version: TABLE_VERSION,
    hosts: { exact: {}, wildcard: {}, fallback: -1 },
    scopes: [],
    candidates: [],
    rules: [],
    backends: [],
    origins: [],
    routes: [],
    regexes: [],
  };
  private readonly originIds = new Map<string, number>();
  private readonly regexIds = new Map<string, number>();
  private readonly backendIds = new Map<string, number>();

  origin(origin: Origin | undefined): number {
    if (origin === undefined) return -1;
    const k = JSON.stringify([origin.url, origin.protocol ?? "", origin.binding ?? ""]);
    let id = this.originIds.get(k);
    if (id === undefined) {
      id = this.table.origins.length;
      this.table.origins.push(origin);
      this.originIds.set(k, id);
    }
    return id;
  }

  regex(source: string): number {
    let id = this.regexIds.get(source);
    if (id === undefined) {
      id = this.table.regexes.length;
      this.table.regexes.push(source);
      this.regexIds.set(source, id);
    }
    return id;
  }

  /**
   * Identical backend rows (the same Service, port, origin, hop and filters, as most
   * backendRefs of a large route set are) are stored once: about half of a 10,000-rule
   * table was repeated backend rows, and table size is cold-start time.
   */
  backend(b: Backend): number {
    const k = JSON.stringify(b);
    let id = this.backendIds.get(k);
    if (id === undefined) {
      id = this.table.backends.length;
      this.table.backends.push(b);
      this.backendIds.set(k, id);
    }
    return id;
  }

  rule(r: Rule): number {
    this.table.rules.push(r);
    return this.table.rules.length - 1;
  }

  scope(): number {
    // Null-prototype lookups: `constructor`, `toString` and `__proto__` are valid service
    // and method names, and must not find (or assign to) Object.prototype members.
    const s: Scope = { next: -1, exact: lookup(), service: lookup(), method: lookup(), rest: [], fallbackBackend: -1 };
    this.table.scopes.push(s);
    return this.table.scopes.length - 1;
  }

  candidate(c: Candidate): number {
    this.table.candidates.push(c);
    return this.table.candidates.length - 1;
  }
}

function lookup(): Record<string, number[]> {
  return Object.create(null) as Record<string, number[]>;
}

/** Header names lower-cased: HTTP header names are case-insensitive and Workers' Headers lower-case them. */
export function headerOps(m: HeaderModifier): HeaderOps {
  return {
    set: m.set.map((h) => [h.name.toLowerCase(), h.value]),
    add: m.add.map((h) => [h.name.toLowerCase(), h.value]),
    remove: m.remove.map((n) => n.toLowerCase()),
  };
}

export function isEmptyFilters(f: Filters): boolean {
  return f.request === undefined && f.response === undefined && f.mirrors === undefined;
}

import { DurableObject } from "cloudflare:workers";

/** What one count in a window says. */
export interface LimitCount {
  allowed: boolean;
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * One Global rate-limit counter: a Durable Object per limit key (the policy rule, the route
 * rule unless `shared`, and each Distinct value), so every Cloudflare location counts in the
 * same place and counts are exact. Windows are fixed and aligned to the unit (the epoch
 * second, minute, hour or day), as Envoy's rate-limit service counts. The count is kept in
 * memory and in storage: a call is decided synchronously between loading and writing, so
 * concurrent calls never race, and an evicted object resumes its window's count.
 */
export class RateLimiter extends DurableObject {
  private window: Window | undefined;

  async hit(limit: number, windowMs: number): Promise<LimitCount> {
    this.window ??= await this.ctx.storage.get<Window>("window");
    const now = Date.now();
    const start = Math.floor(now / windowMs) * windowMs;
    if (this.window === undefined || this.window.start !== start) this.window = { start, count: 0 };
    const allowed = this.window.count < limit;
    if (allowed) this.window.count++;
    const remaining = Math.max(0, limit - this.window.count);
    // Not awaited: the output gate holds the answer until the write is durable.
    void this.ctx.storage.put("window", this.window);
    return { allowed, remaining, resetMs: start + windowMs - now };
  }
}

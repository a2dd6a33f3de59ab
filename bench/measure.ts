/**
 * Timing without a timed test: run `fn` over the inputs in batches, and report the
 * per-call cost of each batch as percentiles. Batches amortise the clock's own cost
 * (tens of nanoseconds) over many calls.
 */
export interface Timing {
  p50: number;
  p99: number;
  /** (p90 - p10) / p50: how noisy this run was. */
  spread: number;
}

export function timeNs<T>(inputs: readonly T[], fn: (x: T) => unknown, opts: { batch?: number; ms?: number } = {}): Timing {
  const batch = opts.batch ?? 64;
  const budget = BigInt(Math.round((opts.ms ?? 300) * 1e6));
  let sink = 0;
  // Warm up so the JIT has settled before anything is recorded.
  for (let i = 0; i < 2000; i++) if (fn(inputs[i % inputs.length]!)) sink++;
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  let i = 0;
  while (process.hrtime.bigint() - start < budget || samples.length < 50) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < batch; j++) if (fn(inputs[i++ % inputs.length]!)) sink++;
    samples.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  if (sink === -1) console.log(sink);
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), spread: (q(0.9) - q(0.1)) / q(0.5) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median of several runs and how far apart they were. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median over the runs. */
  spread: number;
  runs: number;
}

export function summarize(xs: readonly number[]): Summary {
  const m = median(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median: m, min, max, spread: m === 0 ? 0 : (max - min) / m, runs: xs.length };
}

/** Percentile of an unsorted sample (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

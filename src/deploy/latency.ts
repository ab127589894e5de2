/** Latency statistics over a bounded window: p50/p99/max without keeping every sample forever. */

export interface LatencySummary {
  /** Samples in the window (the most recent `capacity`). */
  readonly count: number;
  /** Median, seconds (NaN with no samples). */
  readonly p50: number;
  /** 99th percentile (nearest rank), seconds. */
  readonly p99: number;
  /** Largest sample since start (not only the window), seconds. */
  readonly max: number;
}

/** A ring of the last `capacity` latencies, seconds. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private n = 0;
  private next = 0;
  private maxSeen = Number.NaN;

  constructor(capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  /** Adds one sample (seconds). */
  add(seconds: number): void {
    this.samples[this.next] = seconds;
    this.next = (this.next + 1) % this.samples.length;
    if (this.n < this.samples.length) this.n++;
    if (!(seconds <= this.maxSeen)) this.maxSeen = seconds;
  }

  /** p50, p99 (nearest rank) and max. */
  summary(): LatencySummary {
    if (this.n === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const sorted = this.samples.slice(0, this.n).sort();
    return { count: this.n, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: this.maxSeen };
  }
}

/** Nearest-rank quantile of sorted samples. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

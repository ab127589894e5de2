/**
 * Summaries of repeated timings. Benchmarks report medians (robust to the odd slow repeat when other
 * processes share the cores) together with the min and max, so a reader sees the spread.
 */
import { GailBridgeError } from '../../src/core/errors.js';
import type { Row } from './report.js';

/** Median, extremes and count of a set of samples. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** The median of `xs` (mean of the two middle values for an even count). Throws on an empty set. */
export function median(xs: readonly number[]): number {
  return summarize(xs).median;
}

/** Median, min, max and count of `xs`; every sample must be finite. */
export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new GailBridgeError('shape', 'summarize: no samples (need at least one repeat)');
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new GailBridgeError('nonFinite', `summarize: sample ${i} is ${x}`);
  });
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const med = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: med, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** Wall-clock seconds taken by `body` (monotonic clock). */
export function timeSeconds(body: () => void): number {
  const t0 = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Wall-clock seconds taken by an async `body` (monotonic clock). */
export async function timeSecondsAsync(body: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Collects samples by row and measure (e.g. "hopper" × "envRate"). Benches interleave their measures in
 * rounds (A B C, A B C, …) rather than running all repeats of A first, so that a burst of load from
 * another process lands on every measure alike instead of on one of them.
 */
export class Samples {
  private readonly byRow = new Map<string, Map<string, number[]>>();

  /** Records one sample of `measure` for `row`. */
  add(row: string, measure: string, value: number): void {
    let measures = this.byRow.get(row);
    if (measures === undefined) {
      measures = new Map();
      this.byRow.set(row, measures);
    }
    const list = measures.get(measure);
    if (list === undefined) measures.set(measure, [value]);
    else list.push(value);
  }

  /** The samples of one measure, or an empty list when it was never measured. */
  get(row: string, measure: string): readonly number[] {
    return this.byRow.get(row)?.get(measure) ?? [];
  }

  /** The summary of one measure, or undefined when it was never measured. */
  summary(row: string, measure: string): Summary | undefined {
    const xs = this.get(row, measure);
    return xs.length === 0 ? undefined : summarize(xs);
  }

  /**
   * The median over rounds of the ratio a/b, each round's two samples paired (taken seconds apart, so
   * load that changes between rounds cancels out); undefined unless both were measured every round.
   */
  pairedRatio(row: string, a: string, b: string): number | undefined {
    const xs = this.get(row, a);
    const ys = this.get(row, b);
    if (xs.length === 0 || xs.length !== ys.length) return undefined;
    return summarize(xs.map((x, i) => x / ys[i]!)).median;
  }

  /**
   * A table row of `row`'s measures: each cell the median (null when never measured), the spread min/max/n
   * beside it, so the table shows the typical value and the JSON how far the repeats strayed.
   */
  row(row: string, what: string, measures: readonly string[]): Row {
    const cells: Row['cells'] = { what };
    const spread: NonNullable<Row['spread']> = {};
    for (const m of measures) {
      const s = this.summary(row, m);
      cells[m] = s?.median ?? null;
      if (s) spread[m] = { min: s.min, max: s.max, n: s.n };
    }
    return { key: row, cells, spread };
  }

  /** All samples as plain JSON: { row: { measure: [samples] } }. */
  toJSON(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [row, measures] of this.byRow) out[row] = Object.fromEntries(measures);
    return out;
  }
}

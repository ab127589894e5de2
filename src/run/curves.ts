/**
 * What the learning curves are made of, shared by report.html and the view page: metric columns of
 * metrics.jsonl rows, smoothing, several runs (seeds) reduced to mean ± spread, and the reference returns
 * a GAIL run's rows imply. Pure functions of rows; no DOM, no Node.
 */

/** One row of metrics.jsonl (numbers; NaN where the round had no value). */
export type Row = Readonly<Record<string, number>>;

/** Columns every row has, written by the run layer rather than the algorithm. */
export const LAYER_COLUMNS = ['round', 'envSteps', 'wallSeconds'] as const;

/** The metric of a row that is the task's return (GAIL, expert): reference lines go on its chart. */
export const RETURN_KEYS = ['returnMean', 'evalReturn'] as const;

/** Every metric column of `rows` (numeric at least once), layer columns excluded, in first-seen order. */
export function metricKeys(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r))
      if (typeof v === 'number' && !(LAYER_COLUMNS as readonly string[]).includes(k)) seen.add(k);
  return [...seen];
}

/**
 * Exponential moving average with TensorBoard's debiasing: s_t = w·s_{t−1} + (1 − w)·y_t over the finite
 * values, divided by 1 − w^n so the start is not pulled to 0. NaN stays NaN; `weight` 0 is no smoothing.
 */
export function smooth(ys: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return [...ys];
  let acc = 0;
  let n = 0;
  return ys.map((y) => {
    if (!Number.isFinite(y)) return Number.NaN;
    acc = weight * acc + (1 - weight) * y;
    n++;
    return acc / (1 - weight ** n);
  });
}

/** One run's curve of one metric. */
export interface Curve {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
}

/** Several runs of one metric on a common x: mean and the band mean ± std (n = runs present at each x). */
export interface Aggregate {
  readonly xs: number[];
  readonly mean: number[];
  readonly lo: number[];
  readonly hi: number[];
  readonly n: number[];
}

/** y of `c` at `x` by linear interpolation between its neighbouring finite points; NaN outside. */
function interpolate(c: Curve, x: number): number {
  let prevX = Number.NaN;
  let prevY = Number.NaN;
  for (let i = 0; i < c.xs.length; i++) {
    const cx = c.xs[i]!;
    const cy = c.ys[i]!;
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) continue;
    if (cx === x) return cy;
    if (cx > x) {
      if (!Number.isFinite(prevX)) return Number.NaN;
      return prevY + ((cy - prevY) * (x - prevX)) / (cx - prevX);
    }
    prevX = cx;
    prevY = cy;
  }
  return Number.NaN;
}

/**
 * Mean ± standard deviation of `curves` at every x any of them has (each curve interpolated linearly, and
 * absent outside its own x range). Where only one run has a value the band is that value.
 */
export function aggregate(curves: readonly Curve[]): Aggregate {
  const grid = [
    ...new Set(curves.flatMap((c) => c.xs.filter((x, i) => Number.isFinite(x) && Number.isFinite(c.ys[i]!)))),
  ].sort((a, b) => a - b);
  const out: Aggregate = { xs: grid, mean: [], lo: [], hi: [], n: [] };
  for (const x of grid) {
    const vals = curves.map((c) => interpolate(c, x)).filter((v) => Number.isFinite(v));
    const n = vals.length;
    const mean = n > 0 ? vals.reduce((a, b) => a + b, 0) / n : Number.NaN;
    const std = n > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
    out.mean.push(mean);
    out.lo.push(mean - std);
    out.hi.push(mean + std);
    out.n.push(n);
  }
  return out;
}

/**
 * The random and expert returns a GAIL run scored against, recovered from its rows: every row with both
 * has normalizedScore = (R − R_random) / (R_expert − R_random), so R = R_random + score·(R_expert −
 * R_random) is a line in score, fitted here by least squares. Undefined when fewer than two rows have
 * distinct scores (or the run has no score, as with a --model robot).
 */
export function scoreReferences(rows: readonly Row[]): { random: number; expert: number } | undefined {
  const pts = rows
    .map((r) => [r['normalizedScore'] ?? Number.NaN, r['returnMean'] ?? Number.NaN] as const)
    .filter(([s, R]) => Number.isFinite(s) && Number.isFinite(R));
  if (pts.length < 2) return undefined;
  const n = pts.length;
  const ms = pts.reduce((a, [s]) => a + s, 0) / n;
  const mR = pts.reduce((a, [, R]) => a + R, 0) / n;
  let sss = 0;
  let ssr = 0;
  for (const [s, R] of pts) {
    sss += (s - ms) ** 2;
    ssr += (s - ms) * (R - mR);
  }
  if (!(sss > 1e-18)) return undefined;
  const slope = ssr / sss;
  const random = mR - slope * ms;
  return { random, expert: random + slope };
}

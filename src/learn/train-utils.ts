/**
 * Small pieces the learners share: minibatches gathered in JavaScript (outside the gradient tape, since
 * tf.gather's gradient has no wasm kernel), a seeded permutation and summary statistics (global-norm
 * gradient clipping is part of Adam.step).
 */
import type { Rng } from '../core/rng.js';

/** A Fisher–Yates shuffle of `items` (default 0..n−1) drawn from `rng`, as a new array. */
export function permutation(n: number, rng: Rng, items?: Uint32Array): Uint32Array {
  const p = items ? Uint32Array.from(items) : Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = p.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Indices of the steps a loss may use: those with `valid` ≠ 0 (all of 0..n−1 when `valid` is absent). */
export function validIndices(n: number, valid: Uint8Array | undefined): Uint32Array {
  if (!valid) return Uint32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (valid[i]) out.push(i);
  return Uint32Array.from(out);
}

/** Rows `idx` of a rows × dim matrix, as a new idx.length × dim Float32Array. */
export function gatherRows(src: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let r = 0; r < idx.length; r++) {
    const s = idx[r]! * dim;
    out.set(src.subarray(s, s + dim), r * dim);
  }
  return out;
}

/** Mean of an array (0 for empty). */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length > 0 ? s / x.length : 0;
}

/** Population variance of an array (0 for empty). */
export function variance(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return x.length > 0 ? s / x.length : 0;
}

/**
 * Explained variance 1 − Var(y − ŷ) / Var(y): 1 is a perfect critic, 0 no better than a constant,
 * negative worse. 0 when Var(y) = 0 (defined so the stat stays finite).
 */
export function explainedVariance(predicted: ArrayLike<number>, target: ArrayLike<number>): number {
  const vy = variance(target);
  if (vy === 0) return 0;
  const diff = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) diff[i] = target[i]! - predicted[i]!;
  return 1 - variance(diff) / vy;
}

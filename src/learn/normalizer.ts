/**
 * Running mean/variance of observations, for normalising network inputs: obsNorm = clip((obs − mean) /
 * sqrt(var + ε), ±clip). Batches merge by Chan et al.'s parallel update (1979), which is exact and
 * stable in float64. Saved with the policy and frozen at deploy time, so that a deployed policy sees
 * the same transform it was trained with.
 */
import { assertLength, GailBridgeError } from '../core/errors.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';

/** Options of the observation normaliser. */
export interface NormalizerOptions {
  /** Added to the variance before the square root; default 1e-8. */
  readonly epsilon?: number;
  /** Normalised values are clipped to ±clip; default 10 (as Stable-Baselines3's VecNormalize). */
  readonly clip?: number;
}

/** Per-dimension running statistics; `frozen` stops `update` (deployment, evaluation). */
export class RunningNormalizer {
  readonly dim: number;
  readonly epsilon: number;
  readonly clip: number;
  /** Stops `update` from changing the statistics. */
  frozen = false;
  private readonly mean: Float64Array;
  private readonly var: Float64Array;
  private n = 0;

  /** Starts at mean 0, variance 1, count 0. */
  constructor(dim: number, options: NormalizerOptions = {}) {
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new GailBridgeError('config', `RunningNormalizer: dim must be a positive integer, got ${dim}`);
    }
    this.dim = dim;
    this.epsilon = options.epsilon ?? 1e-8;
    this.clip = options.clip ?? 10;
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
  }

  /** Observations seen so far. */
  get count(): number {
    return this.n;
  }

  /** Per-dimension variance (population); 1 before any data. */
  variance(): Float64Array {
    return Float64Array.from(this.var);
  }

  /** Per-dimension mean; 0 before any data. */
  means(): Float64Array {
    return Float64Array.from(this.mean);
  }

  /**
   * Merges `rows` observations (rows × dim, row-major). Non-finite rows are skipped rather than
   * poisoning the statistics forever. No-op when frozen.
   */
  update(obs: ArrayLike<number>, rows: number): void {
    if (this.frozen) return;
    assertLength('RunningNormalizer.update: obs', obs.length, rows * this.dim);
    const bMean = new Float64Array(this.dim);
    const bM2 = new Float64Array(this.dim);
    let bn = 0;
    for (let r = 0; r < rows; r++) {
      let finite = true;
      for (let j = 0; j < this.dim; j++) if (!Number.isFinite(obs[r * this.dim + j]!)) finite = false;
      if (!finite) continue;
      bn++;
      // Welford within the batch.
      for (let j = 0; j < this.dim; j++) {
        const x = obs[r * this.dim + j]!;
        const d = x - bMean[j]!;
        bMean[j] = bMean[j]! + d / bn;
        bM2[j] = bM2[j]! + d * (x - bMean[j]!);
      }
    }
    if (bn === 0) return;
    // Chan et al.: M2 = M2_a + M2_b + δ² n_a n_b / n, with M2 = var · n.
    const n = this.n + bn;
    for (let j = 0; j < this.dim; j++) {
      const delta = bMean[j]! - this.mean[j]!;
      const m2a = this.n > 0 ? this.var[j]! * this.n : 0;
      this.mean[j] = this.mean[j]! + (delta * bn) / n;
      this.var[j] = (m2a + bM2[j]! + (delta * delta * this.n * bn) / n) / n;
    }
    this.n = n;
  }

  /**
   * Returns clip((obs − mean) / sqrt(var + ε)) as a new rows × dim Float32Array. The statistics are
   * rounded to float32 first, as they are stored, so a saved and reloaded normaliser gives identical
   * outputs.
   */
  normalize(obs: ArrayLike<number>, rows: number): Float32Array {
    assertLength('RunningNormalizer.normalize: obs', obs.length, rows * this.dim);
    const out = new Float32Array(rows * this.dim);
    const scale = new Float64Array(this.dim);
    const mean = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) {
      scale[j] = 1 / Math.sqrt(Math.fround(this.var[j]!) + this.epsilon);
      mean[j] = Math.fround(this.mean[j]!);
    }
    const c = this.clip;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < this.dim; j++) {
        const i = r * this.dim + j;
        const z = (obs[i]! - mean[j]!) * scale[j]!;
        out[i] = Math.min(c, Math.max(-c, z));
      }
    }
    return out;
  }

  /** `${prefix}/mean`, `${prefix}/var` (dim each) and `${prefix}/count` ([1]). */
  toArrays(prefix: string): NamedArrays {
    return {
      [`${prefix}/mean`]: namedArray([this.dim], this.mean),
      [`${prefix}/var`]: namedArray([this.dim], this.var),
      [`${prefix}/count`]: namedArray([1], [this.n]),
    };
  }

  /** Restores statistics saved by `toArrays` (shapes checked). */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    const mean = takeArray(arrays, `${prefix}/mean`, [this.dim], 'observation normaliser');
    const variance = takeArray(arrays, `${prefix}/var`, [this.dim], 'observation normaliser');
    const count = takeArray(arrays, `${prefix}/count`, [1], 'observation normaliser')[0]!;
    this.setStatistics(mean, variance, count);
  }

  /** Sets mean, variance (dim each) and count directly, e.g. from a policy file. */
  setStatistics(mean: ArrayLike<number>, variance: ArrayLike<number>, count: number): void {
    assertLength('observation normaliser: mean', mean.length, this.dim);
    assertLength('observation normaliser: var', variance.length, this.dim);
    if (!(count >= 0) || !Number.isFinite(count)) {
      throw new GailBridgeError(
        'file',
        `observation normaliser: count is ${count}, expected a finite count ≥ 0`,
      );
    }
    for (let j = 0; j < this.dim; j++) {
      if (!Number.isFinite(mean[j]!) || !(variance[j]! >= 0)) {
        throw new GailBridgeError(
          'nonFinite',
          `observation normaliser: element ${j} has mean ${mean[j]} and variance ${variance[j]} (need finite, var ≥ 0)`,
        );
      }
    }
    this.n = count;
    this.mean.set(Array.from(mean));
    this.var.set(Array.from(variance));
  }
}

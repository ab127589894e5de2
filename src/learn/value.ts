/**
 * The state-value network V(obsNorm) of the actor-critic learners: an MLP with one linear output, fed
 * the policy's normalised observations (so one normaliser serves both).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import type { BatchValues } from './gae.js';
import type { GaussianPolicy } from './gaussian-policy.js';
import { type Activation, Mlp } from './mlp.js';
import type { NamedArrays } from './named-arrays.js';
import type { RunningNormalizer } from './normalizer.js';
import type { RolloutBatch } from './types.js';

/** Rows per forward pass when valuing a large batch (bounds peak memory). */
const CHUNK_ROWS = 8192;

/** V(s) as an MLP; owns its weights. */
export class ValueFunction {
  readonly net: Mlp;

  constructor(obsDim: number, hiddenSizes: readonly number[], activation: Activation, rng: Rng) {
    this.net = new Mlp({ inputDim: obsDim, hiddenSizes, outputDim: 1, activation, outputGain: 1 }, rng);
  }

  /** The value net of a learner of `policy`: its observation width and hidden activation. */
  static forPolicy(policy: GaussianPolicy, hiddenSizes: readonly number[], rng: Rng): ValueFunction {
    return new ValueFunction(policy.obsDim, hiddenSizes, policy.config.activation, rng);
  }

  /** n values (1-D) of normalised observations n × obsDim. Inside tf.tidy or a gradient function. */
  apply(obsNorm: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(this.net.apply(obsNorm), [-1]) as tf.Tensor1D;
  }

  /** Values of n normalised observations, computed in chunks. */
  predict(obsNorm: Float32Array, n: number): Float32Array {
    const dim = this.net.config.inputDim;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, n - start);
      const x = obsNorm.subarray(start * dim, (start + rows) * dim);
      out.set(
        tf.tidy(() => this.apply(tf.tensor2d(x, [rows, dim])).dataSync()),
        start,
      );
    }
    return out;
  }

  /** `value/k/{w,b}`. */
  toArrays(): NamedArrays {
    return this.net.toArrays('value');
  }

  /** Loads what `toArrays` saved (shapes checked). */
  loadArrays(arrays: NamedArrays): void {
    this.net.loadArrays(arrays, 'value');
  }

  /** Frees the weights. Idempotent. */
  dispose(): void {
    this.net.dispose();
  }
}

/**
 * V(obs), V(finalObs) on truncated steps (0 elsewhere: unused), V(lastObs), all under `norm`; plus the
 * normalised observations, which the update reuses.
 */
export function valueBatch(
  value: ValueFunction,
  norm: RunningNormalizer,
  batch: RolloutBatch,
): BatchValues & { obsNorm: Float32Array } {
  const TN = batch.numSteps * batch.numEnvs;
  const d = batch.obsDim;
  const obsNorm = norm.normalize(batch.obs, TN);
  const values = value.predict(obsNorm, TN);
  const rows: number[] = [];
  for (let k = 0; k < TN; k++) if (batch.truncated[k] && !batch.terminated[k]) rows.push(k);
  const finalValues = new Float32Array(TN);
  if (rows.length > 0) {
    const finals = new Float32Array(rows.length * d);
    rows.forEach((k, r) => {
      finals.set(batch.finalObs.subarray(k * d, (k + 1) * d), r * d);
    });
    const v = value.predict(norm.normalize(finals, rows.length), rows.length);
    rows.forEach((k, r) => {
      finalValues[k] = v[r]!;
    });
  }
  const lastValues = value.predict(norm.normalize(batch.lastObs, batch.numEnvs), batch.numEnvs);
  return { values, finalValues, lastValues, obsNorm };
}

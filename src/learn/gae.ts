/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16) over a time-major RolloutBatch, with
 * the two episode ends kept apart (STYLE 5, DESIGN "Episode ends"):
 *
 *   δ_t = r_t + γ·V_next − V(s_t),  A_t = δ_t + γλ·A_{t+1}·[episode continues]
 *   V_next = terminalValue_t (0 when absent)   if step t terminated
 *          = V(finalObs_t)                     if step t was truncated (bootstrap: the MDP continues)
 *          = V(obs_{t+1})                      otherwise, or V(lastObs) on the batch's last step
 *
 * Returns (value targets) are A_t + V(s_t).
 */
import { assertLength, GailBridgeError } from '../core/errors.js';
import type { RolloutBatch } from './types.js';

/** Values the critic gave the batch's states. */
export interface BatchValues {
  /** T·N: V(obs). */
  readonly values: Float32Array;
  /** T·N: V(finalObs) where truncated (other entries ignored). */
  readonly finalValues: Float32Array;
  /** N: V(lastObs). */
  readonly lastValues: Float32Array;
}

/** GAE's output, T·N each. */
export interface Advantages {
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

/** Computes GAE(γ, λ) advantages and returns; see the file comment for the exact bootstrap rules. */
export function computeGae(
  batch: Pick<
    RolloutBatch,
    'numSteps' | 'numEnvs' | 'rewards' | 'terminated' | 'truncated' | 'terminalValue'
  >,
  v: BatchValues,
  gamma: number,
  lambda: number,
): Advantages {
  const { numSteps: T, numEnvs: N } = batch;
  assertLength('GAE: values', v.values.length, T * N);
  assertLength('GAE: finalValues', v.finalValues.length, T * N);
  assertLength('GAE: lastValues', v.lastValues.length, N);
  if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) {
    throw new GailBridgeError(
      'config',
      `GAE: gamma and lambda must be in [0, 1], got ${gamma} and ${lambda}`,
    );
  }
  const advantages = new Float32Array(T * N);
  const returns = new Float32Array(T * N);
  for (let i = 0; i < N; i++) {
    let next = 0; // A_{t+1} of the same episode
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i;
      let nextValue: number;
      let continues: boolean;
      if (batch.terminated[k]) {
        nextValue = batch.terminalValue?.[k] ?? 0;
        continues = false;
      } else if (batch.truncated[k]) {
        nextValue = v.finalValues[k]!;
        continues = false;
      } else {
        nextValue = t === T - 1 ? v.lastValues[i]! : v.values[k + N]!;
        continues = t < T - 1;
      }
      const delta = batch.rewards[k]! + gamma * nextValue - v.values[k]!;
      const a = delta + (continues ? gamma * lambda * next : 0);
      advantages[k] = a;
      returns[k] = a + v.values[k]!;
      next = a;
    }
  }
  return { advantages, returns };
}

/**
 * Checks a batch for `learner`'s update of `policy`: every array against its declared sizes
 * (`validateRolloutBatch`), then the observation and action widths against the policy's, naming both.
 */
export function validateBatchForPolicy(
  learner: string,
  b: RolloutBatch,
  policy: { readonly obsDim: number; readonly actDim: number },
): void {
  validateRolloutBatch(b);
  if (b.obsDim !== policy.obsDim || b.actDim !== policy.actDim) {
    throw new GailBridgeError(
      'shape',
      `${learner} update: batch has obsDim ${b.obsDim}, actDim ${b.actDim}; the policy has ` +
        `${policy.obsDim}, ${policy.actDim}`,
    );
  }
}

/** Checks every array of a batch against its declared sizes; errors name the field and both sizes. */
export function validateRolloutBatch(b: RolloutBatch): void {
  const TN = b.numSteps * b.numEnvs;
  for (const [name, value] of [
    ['numSteps', b.numSteps],
    ['numEnvs', b.numEnvs],
    ['obsDim', b.obsDim],
    ['actDim', b.actDim],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new GailBridgeError('shape', `RolloutBatch.${name}: expected a positive integer, got ${value}`);
    }
  }
  assertLength('RolloutBatch.obs (T·N × obsDim)', b.obs.length, TN * b.obsDim);
  assertLength('RolloutBatch.actions (T·N × actDim)', b.actions.length, TN * b.actDim);
  assertLength('RolloutBatch.logProbs (T·N)', b.logProbs.length, TN);
  assertLength('RolloutBatch.rewards (T·N)', b.rewards.length, TN);
  assertLength('RolloutBatch.terminated (T·N)', b.terminated.length, TN);
  assertLength('RolloutBatch.truncated (T·N)', b.truncated.length, TN);
  assertLength('RolloutBatch.finalObs (T·N × obsDim)', b.finalObs.length, TN * b.obsDim);
  assertLength('RolloutBatch.lastObs (N × obsDim)', b.lastObs.length, b.numEnvs * b.obsDim);
  if (b.terminalValue) assertLength('RolloutBatch.terminalValue (T·N)', b.terminalValue.length, TN);
  // Both flags set on one step is allowed: terminated takes precedence (the MDP really ended).
}

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory } from '../../src/core/trajectory.js';
import { type PairData, pairsFromTrajectories, resolveBcConfig, trainBc } from '../../src/learn/bc.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { testBackend } from './helpers.js';

before(testBackend);

/** The expert: a = W·x + b (+ N(0, noise²)), x ~ N(2, 3²) per dimension (so normalisation matters). */
const W = [
  [0.15, -0.3, 0.1],
  [0.3, 0.15, -0.15],
];
const B = [0.3, -0.2];
function expert(x: ArrayLike<number>, j: number): number {
  return W[j]!.reduce((s, w, k) => s + w * x[k]!, B[j]!);
}
function linearPairs(n: number, noise: number, rng: Rng): PairData {
  const obs = Float32Array.from({ length: n * 3 }, () => 2 + 3 * rng.normal());
  const actions = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 2; j++)
      actions[i * 2 + j] = expert(obs.subarray(i * 3, i * 3 + 3), j) + noise * rng.normal();
  }
  return { n, obs, actions };
}
function meanAbsError(policy: GaussianPolicy, rng: Rng): number {
  const test = linearPairs(500, 0, rng);
  const mu = policy.meanActions(test.obs, test.n);
  return mu.reduce((s, m, i) => s + Math.abs(m - test.actions[i]!), 0) / mu.length;
}

describe('trainBc', () => {
  for (const loss of ['gaussian', 'mse'] as const) {
    it(`fits a linear expert (${loss} loss) and learns its noise level`, () => {
      const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [32] }, 1);
      const rng = new Rng(2);
      const before = meanAbsError(policy, rng);
      const result = trainBc(policy, linearPairs(2000, 0.05, rng), {
        loss,
        maxEpochs: 40,
        batchSize: 64,
        learningRate: 3e-3,
        seed: 3,
      });
      const after = meanAbsError(policy, rng);
      assert.ok(before > 0.5, `untrained error ${before}`);
      assert.ok(
        after < 0.06,
        `mean |μ − a*| = ${after.toFixed(3)} after ${result.epochs} epochs (want < 0.06)`,
      );
      for (const s of policy.std()) assert.ok(s > 0.03 && s < 0.12, `σ = ${s} (expert noise 0.05)`);
      assert.ok(result.history[0]!.validationLoss > result.bestValidationLoss);
      policy.dispose();
    });
  }

  it('stops early when the validation loss stops improving, restoring the best weights', () => {
    const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [64, 64] }, 1);
    // 40 noisy pairs: a big net overfits quickly, so validation NLL turns up.
    const result = trainBc(policy, linearPairs(40, 0.5, new Rng(4)), {
      maxEpochs: 400,
      batchSize: 8,
      learningRate: 3e-3,
      validationFraction: 0.25,
      patience: 5,
    });
    assert.ok(result.stoppedEarly, `ran all ${result.epochs} epochs`);
    assert.equal(result.epochs, result.bestEpoch + 6);
    policy.dispose();
  });

  it('leaves tf.memory().numTensors unchanged by an epoch', () => {
    const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [8] }, 1);
    const data = linearPairs(100, 0.1, new Rng(5));
    trainBc(policy, data, { maxEpochs: 1 });
    const before = tf.memory().numTensors;
    trainBc(policy, data, { maxEpochs: 2 });
    assert.equal(tf.memory().numTensors, before);
    policy.dispose();
  });

  it('subsamples one pair in k from a per-trajectory offset, keeping each obs with its own action', () => {
    const T = 20;
    const t = makeTrajectory({
      obsDim: 1,
      actDim: 1,
      obs: Float32Array.from({ length: T + 1 }, (_, i) => i),
      acts: Float32Array.from({ length: T }, (_, i) => 100 + i),
      end: 'truncated',
    });
    const pairs = pairsFromTrajectories([t, t, t], { subsample: 7, seed: 3 });
    // Each trajectory keeps ceil((20 − offset) / 7) pairs: 3 for offsets 0–5, 2 for offset 6.
    assert.ok(pairs.n >= 6 && pairs.n <= 9, `kept ${pairs.n}`);
    for (let r = 0; r < pairs.n; r++) assert.equal(pairs.actions[r], 100 + pairs.obs[r]!);
    // Within a trajectory the kept steps are 7 apart.
    const steps = Array.from(pairs.obs);
    const gaps = steps
      .slice(1)
      .map((s, i) => s - steps[i]!)
      .filter((g) => g > 0);
    assert.ok(
      gaps.every((g) => g === 7),
      `gaps ${gaps}`,
    );
    assert.deepEqual(pairsFromTrajectories([t], { subsample: 1 }).n, T);
    assert.throws(
      () => pairsFromTrajectories([t], { subsample: 0 }),
      /--subsample: expected a positive integer, got 0/,
    );
  });

  it('turns trajectories into pairs and rejects mismatched data with sizes named', () => {
    const t = makeTrajectory({
      obsDim: 1,
      actDim: 1,
      obs: Float32Array.of(0, 1, 2),
      acts: Float32Array.of(5, 6),
      end: 'truncated',
    });
    const pairs = pairsFromTrajectories([t, t]);
    assert.equal(pairs.n, 4);
    assert.deepEqual(Array.from(pairs.obs), [0, 1, 0, 1]);
    assert.deepEqual(Array.from(pairs.actions), [5, 6, 5, 6]);
    const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [8] }, 1);
    assert.throws(
      () => trainBc(policy, pairs),
      /4 pairs need 12 observation and 8 action values.*got 4 and 4/,
    );
    assert.throws(
      () => resolveBcConfig({ validationFraction: 1 }),
      /BC validationFraction: expected a number in \[0, 1\), got 1/,
    );
    policy.dispose();
  });
});

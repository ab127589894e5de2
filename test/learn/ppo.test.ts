import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { PpoLearner, resolvePpoConfig, scheduledLearningRate } from '../../src/learn/ppo.js';
import { banditBatch, banditTarget, testBackend } from './helpers.js';

before(testBackend);

describe('PpoLearner', () => {
  it('learns a one-step continuous bandit (a* = 2x − 0.5)', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [32] }, 1);
    const ppo = new PpoLearner(policy, {
      seed: 2,
      learningRate: 3e-3,
      lrSchedule: 'constant',
      numMinibatches: 4,
      epochs: 5,
      valueHiddenSizes: [32],
      updateNormalizer: false,
    });
    const rng = new Rng(3);
    const first = banditBatch(policy, 512, rng);
    let last = first;
    for (let u = 0; u < 30; u++) {
      const stats = ppo.update(last.batch);
      for (const [k, v] of Object.entries(stats)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
      last = banditBatch(policy, 512, rng);
    }
    const xs = Float32Array.from([-0.8, -0.3, 0, 0.4, 0.9]);
    const mu = policy.meanActions(xs, xs.length);
    const err = Math.max(...Array.from(xs, (x, i) => Math.abs(mu[i]! - banditTarget(x))));
    assert.ok(err < 0.25, `max |μ(x) − a*(x)| = ${err.toFixed(3)} after 30 updates (want < 0.25)`);
    assert.ok(
      last.meanReward > first.meanReward + 0.5,
      `mean reward ${first.meanReward.toFixed(3)} → ${last.meanReward.toFixed(3)} (want +0.5)`,
    );
    ppo.dispose();
    policy.dispose();
  });

  it('leaves tf.memory().numTensors unchanged by an update (after a burn-in update)', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
    const ppo = new PpoLearner(policy, { numMinibatches: 2, epochs: 2, valueHiddenSizes: [8] });
    const rng = new Rng(4);
    ppo.update(banditBatch(policy, 64, rng).batch);
    const before = tf.memory().numTensors;
    ppo.update(banditBatch(policy, 64, rng).batch);
    policy.act(new Float32Array(3), 3, 'stochastic');
    assert.equal(tf.memory().numTensors, before);
    ppo.dispose();
    ppo.dispose();
    policy.dispose();
  });

  it('skips a step whose loss is non-finite and keeps the last good weights', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
    const ppo = new PpoLearner(policy, { numMinibatches: 2, epochs: 1, valueHiddenSizes: [8] });
    const { batch } = banditBatch(policy, 32, new Rng(5));
    const weights = policy.toArrays();
    const stats = ppo.update({ ...batch, rewards: new Float32Array(32).fill(Number.NaN) });
    assert.equal(stats.steps, 0);
    assert.equal(stats.skippedSteps, 2);
    assert.deepEqual(policy.toArrays()['policy/mean/0/w']!.data, weights['policy/mean/0/w']!.data);
    // One bad reward poisons only the minibatch that holds it.
    const rewards = Float32Array.from(batch.rewards);
    rewards[3] = Number.NaN;
    const partial = ppo.update({ ...batch, rewards });
    assert.equal(partial.steps, 1);
    assert.equal(partial.skippedSteps, 1);
    assert.equal(ppo.skippedSteps, 3);
    ppo.dispose();
    policy.dispose();
  });

  it('leaves steps marked invalid (diverged episodes) out of the loss', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
    const ppo = new PpoLearner(policy, { numMinibatches: 2, epochs: 1, valueHiddenSizes: [8] });
    const { batch } = banditBatch(policy, 32, new Rng(6));
    const rewards = Float32Array.from(batch.rewards);
    const valid = new Uint8Array(32).fill(1);
    for (const k of [0, 5, 17]) {
      rewards[k] = Number.NaN;
      valid[k] = 0;
    }
    const stats = ppo.update({ ...batch, rewards, valid });
    assert.equal(stats.skippedSteps, 0);
    assert.equal(stats.steps, 2);
    ppo.dispose();
    policy.dispose();
  });

  it('rejects a batch of the wrong dimensions with both sides named', () => {
    const policy = new GaussianPolicy({ obsDim: 2, actDim: 1, hiddenSizes: [8] }, 1);
    const ppo = new PpoLearner(policy, { valueHiddenSizes: [8] });
    const { batch } = banditBatch(
      new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [4] }, 1),
      8,
      new Rng(1),
    );
    assert.throws(() => ppo.update(batch), /batch has obsDim 1, actDim 1; the policy has 2, 1/);
    ppo.dispose();
    policy.dispose();
  });

  it('decays the learning rate linearly to 0 and validates its config', () => {
    const c = resolvePpoConfig({ learningRate: 1e-3, totalUpdates: 4 });
    assert.deepEqual(
      [0, 1, 2, 4, 5].map((u) => scheduledLearningRate(c, u)),
      [1e-3, 7.5e-4, 5e-4, 0, 0],
    );
    assert.throws(
      () => resolvePpoConfig({ gamma: 1.5 }),
      /PPO gamma: expected a number in \[0, 1\], got 1.5/,
    );
    assert.throws(() => resolvePpoConfig({ epochs: 0 }), /PPO epochs: expected a positive integer, got 0/);
  });
});

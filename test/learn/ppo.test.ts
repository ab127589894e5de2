import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { GaussianPolicy, gaussianEntropy, gaussianLogProb } from '../../src/learn/gaussian-policy.js';
import { PpoLearner, ppoLossHead, resolvePpoConfig, scheduledLearningRate } from '../../src/learn/ppo.js';
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

describe('PpoLearner reward normalisation', () => {
  /** Three steps of one env: rewards 1, 2, 3 with an episode ending after step 1. */
  const threeSteps = (policy: GaussianPolicy) => {
    const obs = new Float32Array(3);
    const { actions, logProbs } = policy.act(obs, 3, 'stochastic');
    return {
      numSteps: 3,
      numEnvs: 1,
      obsDim: 1,
      actDim: 1,
      obs,
      actions,
      logProbs,
      rewards: Float32Array.from([1, 2, 3]),
      terminated: Uint8Array.from([0, 1, 0]),
      truncated: new Uint8Array(3),
      finalObs: new Float32Array(3),
      lastObs: new Float32Array(1),
    };
  };

  it('scales by 1/std of the discounted return, restarted after an episode ends (hand-computed)', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [4] }, 1);
    const ppo = new PpoLearner(policy, {
      gamma: 0.5,
      normalizeRewards: true,
      numMinibatches: 1,
      epochs: 1,
      valueHiddenSizes: [4],
    });
    // G = 1, 0.5·1 + 2 = 2.5, then a new episode: 3. Var{1, 2.5, 3} = 0.7222…
    const stats = ppo.update(threeSteps(policy));
    const g = [1, 2.5, 3];
    const mean = (g[0]! + g[1]! + g[2]!) / 3;
    const variance = g.reduce((a, x) => a + (x - mean) ** 2, 0) / 3;
    assert.ok(Math.abs(stats.rewardScale! - 1 / Math.sqrt(variance + 1e-8)) < 1e-9, `${stats.rewardScale}`);
    const off = new PpoLearner(policy, { numMinibatches: 1, epochs: 1, valueHiddenSizes: [4] });
    assert.equal(off.update(threeSteps(policy)).rewardScale, 1);
    off.dispose();
    ppo.dispose();
    policy.dispose();
  });

  it('makes an update invariant to the reward scale (and without it, the update depends on it)', () => {
    const run = (factor: number, normalizeRewards: boolean): Float32Array => {
      const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
      const ppo = new PpoLearner(policy, {
        seed: 3,
        normalizeRewards,
        numMinibatches: 2,
        epochs: 2,
        valueHiddenSizes: [8],
        learningRate: 1e-2,
        lrSchedule: 'constant',
      });
      const rng = new Rng(7);
      for (let u = 0; u < 3; u++) {
        const { batch } = banditBatch(policy, 64, rng);
        ppo.update({ ...batch, rewards: batch.rewards.map((r) => r * factor) });
      }
      const w = Float32Array.from(policy.toArrays()['policy/mean/0/w']!.data);
      ppo.dispose();
      policy.dispose();
      return w;
    };
    const maxDiff = (a: Float32Array, b: Float32Array) =>
      Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));
    assert.ok(maxDiff(run(1, true), run(1000, true)) < 1e-4, 'normalised: ×1000 rewards changed the update');
    assert.ok(maxDiff(run(1, false), run(1000, false)) > 1e-3, 'unnormalised updates should differ');
  });

  it('saves its return statistics with the learner state and restores them', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [4] }, 1);
    const config = { normalizeRewards: true, numMinibatches: 1, epochs: 1, valueHiddenSizes: [4] };
    // Every episode ends inside the batch, so no open-episode return carries over to the next one.
    const closed = (rewards: number[]) => ({
      ...threeSteps(policy),
      rewards: Float32Array.from(rewards),
      terminated: Uint8Array.from([0, 1, 1]),
    });
    const a = new PpoLearner(policy, config);
    a.update(closed([1, 2, 3]));
    const saved = a.toArrays();
    assert.ok(saved['ppo/returns/var'], 'return statistics are saved');
    const b = new PpoLearner(policy, config);
    const fresh = new PpoLearner(policy, config);
    b.loadArrays(saved);
    // A second batch with another spread: the scale depends on whether the first batch's returns are known.
    const second = [5, -4, 9];
    const sa = a.update(closed(second)).rewardScale!;
    // Saved arrays are float32: equal to about 1e-7 relative.
    assert.ok(Math.abs(b.update(closed(second)).rewardScale! / sa - 1) < 1e-6);
    assert.ok(Math.abs(fresh.update(closed(second)).rewardScale! / sa - 1) > 1e-3);
    for (const l of [a, b, fresh]) l.dispose();
    policy.dispose();
  });

  it('leaves tf.memory().numTensors unchanged by a normalised update', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
    const ppo = new PpoLearner(policy, {
      normalizeRewards: true,
      numMinibatches: 2,
      epochs: 2,
      valueHiddenSizes: [8],
    });
    const rng = new Rng(4);
    ppo.update(banditBatch(policy, 64, rng).batch);
    const before = tf.memory().numTensors;
    ppo.update(banditBatch(policy, 64, rng).batch);
    assert.equal(tf.memory().numTensors, before);
    ppo.dispose();
    policy.dispose();
  });
});

/**
 * The PPO loss of the file comment written with tensor ops, as the learner computed it through
 * tf.variableGrads before its tape-free step: the reference the tape-free gradient must equal.
 */
function tapeLoss(
  policy: GaussianPolicy,
  ppo: PpoLearner,
  mb: {
    obs: tf.Tensor2D;
    act: tf.Tensor2D;
    oldLogp: tf.Tensor1D;
    adv: tf.Tensor1D;
    ret: tf.Tensor1D;
    oldV: tf.Tensor1D;
  },
): tf.Scalar {
  const c = ppo.config;
  const { mean, variance } = tf.moments(mb.adv);
  const adv = tf.div(tf.sub(mb.adv, mean), tf.add(tf.sqrt(variance), 1e-8));
  const logp = gaussianLogProb(policy.mean.apply(mb.obs), policy.logStd, mb.act);
  const ratio = tf.exp(tf.sub(logp, mb.oldLogp));
  const surr = tf.minimum(
    tf.mul(ratio, adv),
    tf.mul(tf.clipByValue(ratio, 1 - c.clipRange, 1 + c.clipRange), adv),
  );
  const vPred = ppo.value.apply(mb.obs);
  const vClipped = tf.add(
    mb.oldV,
    tf.clipByValue(tf.sub(vPred, mb.oldV), -c.clipRangeValue!, c.clipRangeValue!),
  );
  const vErr = tf.maximum(tf.square(tf.sub(vPred, mb.ret)), tf.square(tf.sub(vClipped, mb.ret)));
  return tf.add(
    tf.add(tf.neg(tf.mean(surr)), tf.mul(c.vfCoef, tf.mul(0.5, tf.mean(vErr)))),
    tf.mul(-c.entCoef, gaussianEntropy(policy.logStd)),
  ) as tf.Scalar;
}

describe('PPO tape-free step', () => {
  it('Mlp.forwardTrace gives apply() bit for bit', () => {
    const policy = new GaussianPolicy({ obsDim: 5, actDim: 2, hiddenSizes: [16, 16] }, 3);
    const x = new Float32Array(7 * 5).map((_, i) => Math.sin(i));
    const [a, b] = tf.tidy(() => {
      const t = tf.tensor2d(x, [7, 5]);
      return [policy.mean.apply(t).dataSync(), policy.mean.forwardTrace(t).out.dataSync()];
    });
    assert.deepEqual(b, a);
    policy.dispose();
  });

  it('has the gradient a tape over the whole loss has (clipped ratios, clipped values, entropy bonus)', () => {
    const B = 48;
    const [obsDim, actDim] = [5, 2];
    const policy = new GaussianPolicy({ obsDim, actDim, hiddenSizes: [16, 16] }, 4);
    const ppo = new PpoLearner(policy, { seed: 5, entCoef: 0.01, valueHiddenSizes: [16, 16] });
    const rng = new Rng(6);
    const obs = new Float32Array(B * obsDim).map(() => rng.normal());
    const { actions, logProbs } = policy.act(obs, B, 'stochastic');
    // Old log-probabilities off by up to ±0.5, so that ratios fall outside 1 ± 0.2 on both sides, and old
    // values off by up to ±1, so that the value clip (0.2) binds on some rows.
    const oldLogProbs = logProbs.map((l) => l + rng.uniform(-0.5, 0.5));
    const advantages = new Float32Array(B).map(() => rng.normal());
    const returns = new Float32Array(B).map(() => rng.normal());
    const values = ppo.value.predict(obs, B);
    const oldValues = values.map((v) => v + rng.uniform(-1, 1));
    const vars = [...policy.variables, ...ppo.value.net.variables];
    const expected = tf.tidy(() => {
      const mb = {
        obs: tf.tensor2d(obs, [B, obsDim]),
        act: tf.tensor2d(actions, [B, actDim]),
        oldLogp: tf.tensor1d(oldLogProbs),
        adv: tf.tensor1d(advantages),
        ret: tf.tensor1d(returns),
        oldV: tf.tensor1d(oldValues),
      };
      const { grads } = tf.variableGrads(() => tapeLoss(policy, ppo, mb), vars);
      return vars.map((x) => Array.from(grads[x.name]!.dataSync()));
    });
    const { got, stats } = tf.tidy(() => {
      const x = tf.tensor2d(obs, [B, obsDim]);
      const pi = policy.mean.forwardTrace(x);
      const v = ppo.value.net.forwardTrace(x);
      const head = ppoLossHead(
        {
          mean: pi.out.dataSync() as Float32Array,
          logStd: policy.logStd.dataSync() as Float32Array,
          values: v.out.dataSync() as Float32Array,
          actions,
          oldLogProbs,
          advantages,
          returns,
          oldValues,
          rows: B,
          actDim,
        },
        ppo.config,
      )!;
      const grads = [
        ...policy.mean.backward(pi, tf.tensor2d(head.dMean, [B, actDim])),
        tf.tensor1d(head.dLogStd),
        ...ppo.value.net.backward(v, tf.tensor2d(head.dValues, [B, 1])),
      ];
      return { got: grads.map((g) => Array.from(g.dataSync())), stats: head.stats };
    });
    assert.ok(stats.clipFraction > 0.1 && stats.clipFraction < 0.9, `clip fraction ${stats.clipFraction}`);
    got.forEach((g, k) => {
      const scale = Math.max(1e-3, ...expected[k]!.map(Math.abs));
      const err = Math.max(...g.map((x, i) => Math.abs(x - expected[k]![i]!)));
      assert.ok(err <= 1e-4 * scale, `variable ${k}: max |tape-free − tape| = ${err} (scale ${scale})`);
    });
    ppo.dispose();
    policy.dispose();
  });
});

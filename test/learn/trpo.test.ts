import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import {
  conjugateGradient,
  fisherVectorProduct,
  meanGaussianKl,
  resolveTrpoConfig,
  TrpoLearner,
} from '../../src/learn/trpo.js';
import { banditBatch, testBackend } from './helpers.js';

before(testBackend);

/** Mean KL(before ‖ after) of a policy over `obs`, from its means and log σ. */
function klBetween(
  mu0: Float32Array,
  logStd0: Float32Array,
  mu1: Float32Array,
  logStd1: Float32Array,
): number {
  const n = mu0.length / logStd0.length;
  return tf.tidy(
    () =>
      meanGaussianKl(
        tf.tensor2d(mu0, [n, logStd0.length]),
        tf.tensor1d(logStd0),
        tf.tensor2d(mu1, [n, logStd1.length]),
        tf.tensor1d(logStd1),
      ).dataSync()[0]!,
  );
}

describe('conjugateGradient', () => {
  it('solves a small SPD system', () => {
    const a = [
      [4, 1, 0],
      [1, 3, 1],
      [0, 1, 2],
    ];
    const av = (v: Float64Array) =>
      Float64Array.from(a.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0)));
    const { x } = conjugateGradient(av, Float64Array.from([1, 2, 3]), 10);
    const back = av(x);
    for (const [i, b] of [1, 2, 3].entries())
      assert.ok(Math.abs(back[i]! - b) < 1e-9, `row ${i}: ${back[i]} vs ${b}`);
  });
});

describe('meanGaussianKl', () => {
  it('matches the closed form for one dimension and is 0 for equal Gaussians', () => {
    // KL(N(0, 1) ‖ N(1, e²)) = 1 + (1 + 1)/(2e²) − ½
    const kl = klBetween(Float32Array.of(0), Float32Array.of(0), Float32Array.of(1), Float32Array.of(1));
    assert.ok(Math.abs(kl - (0.5 + 1 / Math.exp(2))) < 1e-6, `${kl}`);
    assert.equal(
      klBetween(Float32Array.of(2), Float32Array.of(0.3), Float32Array.of(2), Float32Array.of(0.3)),
      0,
    );
  });
});

describe('TrpoLearner', () => {
  it('keeps every accepted step within its KL bound and improves the bandit', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [32] }, 1);
    const maxKl = 0.02;
    const trpo = new TrpoLearner(policy, { seed: 2, maxKl, valueHiddenSizes: [16], updateNormalizer: false });
    const rng = new Rng(3);
    const first = banditBatch(policy, 1024, rng);
    let last = first;
    let accepted = 0;
    for (let u = 0; u < 15; u++) {
      // KL over the batch's own states is what the constraint bounds.
      const states = last.batch.obs;
      const mu0 = policy.meanActions(states, states.length);
      const ls0 = Float32Array.from(policy.logStd.dataSync());
      const stats = trpo.update(last.batch);
      const kl = klBetween(
        mu0,
        ls0,
        policy.meanActions(states, states.length),
        Float32Array.from(policy.logStd.dataSync()),
      );
      assert.ok(kl <= maxKl * (1 + 1e-3), `update ${u}: KL ${kl} > δ ${maxKl}`);
      if (stats.lineSearchSteps! >= 0) {
        accepted++;
        assert.ok(stats.improvement! > 0, `update ${u}: accepted without improving the surrogate`);
        assert.ok(Math.abs(stats.kl! - kl) < 1e-4, `reported KL ${stats.kl} vs measured ${kl}`);
      }
      last = banditBatch(policy, 1024, rng);
    }
    assert.ok(accepted >= 10, `only ${accepted} of 15 line searches accepted a step`);
    assert.ok(
      last.meanReward > first.meanReward + 0.5,
      `mean reward ${first.meanReward.toFixed(3)} → ${last.meanReward.toFixed(3)} (want +0.5)`,
    );
    trpo.dispose();
    policy.dispose();
  });

  it('leaves tf.memory().numTensors unchanged by an update', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [8] }, 1);
    const trpo = new TrpoLearner(policy, { valueHiddenSizes: [8], valueEpochs: 1 });
    const rng = new Rng(4);
    trpo.update(banditBatch(policy, 64, rng).batch);
    const before = tf.memory().numTensors;
    trpo.update(banditBatch(policy, 64, rng).batch);
    assert.equal(tf.memory().numTensors, before);
    trpo.dispose();
    trpo.dispose();
    policy.dispose();
  });

  it('validates its config', () => {
    assert.throws(() => resolveTrpoConfig({ maxKl: 0 }), /TRPO maxKl: expected a positive number, got 0/);
    assert.throws(
      () => resolveTrpoConfig({ cgIters: 2.5 }),
      /TRPO cgIters: expected a positive integer, got 2.5/,
    );
  });
});

describe('fisherVectorProduct', () => {
  it('matches the KL’s quadratic model: KL(θ ‖ θ + εv) ≈ ½ε² vᵀFv', () => {
    const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [16, 16] }, 5);
    const rng = new Rng(6);
    const n = 200;
    const obsData = Float32Array.from({ length: n * 3 }, () => rng.normal());
    const obs = tf.tensor2d(obsData, [n, 3]);
    const size = policy.variables.reduce((a, x) => a + x.size, 0);
    const v = Float64Array.from({ length: size }, () => rng.normal());
    const fisher = fisherVectorProduct(policy, obs, 0);
    const vFv = v.reduce((s, x, i) => s + x * fisher.fvp(v)[i]!, 0);
    fisher.dispose();
    const mu0 = policy.meanActions(obsData, n);
    const ls0 = Float32Array.from(policy.logStd.dataSync());
    const eps = 1e-2;
    let off = 0;
    for (const x of policy.variables) {
      const cur = x.dataSync();
      const next = Float32Array.from(cur, (c, k) => c + eps * v[off + k]!);
      tf.tidy(() => x.assign(tf.tensor(next, x.shape)));
      off += x.size;
    }
    const kl = klBetween(
      mu0,
      ls0,
      policy.meanActions(obsData, n),
      Float32Array.from(policy.logStd.dataSync()),
    );
    const model = 0.5 * eps * eps * vFv;
    assert.ok(Math.abs(kl - model) / model < 0.05, `KL ${kl} vs quadratic model ${model}`);
    obs.dispose();
    policy.dispose();
  });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { GaussianPolicy, gaussianLogProb } from '../../src/learn/gaussian-policy.js';
import { testBackend } from './helpers.js';

before(testBackend);

function trainedLooking(seed: number): GaussianPolicy {
  const p = new GaussianPolicy({ obsDim: 4, actDim: 2, hiddenSizes: [16, 16], initLogStd: -0.5 }, seed);
  const rng = new Rng(seed + 100);
  // Move every weight off its initial value and give the normaliser real statistics.
  tf.tidy(() => {
    for (const v of p.variables)
      v.assign(
        tf.add(
          v,
          tf.tensor(
            Float32Array.from({ length: v.size }, () => 0.3 * rng.normal()),
            v.shape,
          ),
        ),
      );
  });
  p.obsNorm.update(
    Float64Array.from({ length: 400 }, () => 3 + 2 * rng.normal()),
    100,
  );
  return p;
}

describe('GaussianPolicy', () => {
  it('save → load gives identical actions in both modes', () => {
    const a = trainedLooking(1);
    const b = new GaussianPolicy({ obsDim: 4, actDim: 2, hiddenSizes: [16, 16] }, 99);
    b.loadArrays(a.toArrays());
    const rng = new Rng(3);
    const obs = Float32Array.from({ length: 4 * 50 }, () => 3 + 2 * rng.normal());
    const da = a.act(obs, 50, 'deterministic');
    const db = b.act(obs, 50, 'deterministic');
    assert.deepEqual(db.actions, da.actions);
    assert.deepEqual(db.logProbs, da.logProbs);
    // Same seed → same noise stream, so stochastic actions match too.
    const c = new GaussianPolicy({ obsDim: 4, actDim: 2, hiddenSizes: [16, 16] }, 1);
    c.loadArrays(a.toArrays());
    const fresh = trainedLooking(1);
    assert.deepEqual(c.act(obs, 50, 'stochastic').actions, fresh.act(obs, 50, 'stochastic').actions);
    for (const p of [a, b, c, fresh]) p.dispose();
  });

  it('samples with σ = exp(logStd) and reports log-probabilities that tf agrees with', () => {
    const p = trainedLooking(2);
    const n = 4000;
    const obs = new Float32Array(4 * n).fill(3);
    const { actions, logProbs } = p.act(obs, n, 'stochastic');
    const mu = p.meanActions(obs.subarray(0, 4), 1);
    const sigma = p.std();
    for (let j = 0; j < 2; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        s += actions[i * 2 + j]!;
        s2 += actions[i * 2 + j]! ** 2;
      }
      const m = s / n;
      const sd = Math.sqrt(s2 / n - m * m);
      assert.ok(Math.abs(m - mu[j]!) < 0.05, `mean ${j}: ${m} vs ${mu[j]}`);
      assert.ok(Math.abs(sd - sigma[j]!) < 0.05, `std ${j}: ${sd} vs ${sigma[j]}`);
    }
    const ref = tf.tidy(() =>
      gaussianLogProb(
        tf.tensor2d(p.meanActions(obs, n), [n, 2]),
        p.logStd,
        tf.tensor2d(actions, [n, 2]),
      ).dataSync(),
    );
    for (let i = 0; i < n; i += 97) assert.ok(Math.abs(ref[i]! - logProbs[i]!) < 1e-4, `row ${i}`);
    p.dispose();
  });

  it('act() leaves tf.memory().numTensors unchanged; dispose is idempotent and later use throws', () => {
    const p = trainedLooking(3);
    p.act(new Float32Array(4), 1, 'stochastic');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) p.act(new Float32Array(8), 2, 'deterministic');
    assert.equal(tf.memory().numTensors, before);
    p.dispose();
    p.dispose();
    assert.equal(tf.memory().numTensors, before - 7);
    assert.throws(() => p.act(new Float32Array(4), 1, 'stochastic'), /GaussianPolicy: used after dispose/);
  });

  it('rejects observations of the wrong length and a file of another architecture', () => {
    const p = trainedLooking(4);
    assert.throws(
      () => p.act(new Float32Array(7), 2, 'stochastic'),
      /obs \(n × obsDim\): expected length 8, got 7/,
    );
    const other = new GaussianPolicy({ obsDim: 4, actDim: 3, hiddenSizes: [16, 16] }, 1);
    assert.throws(() => other.loadArrays(p.toArrays()), /"policy\/logStd" has shape \[2\].*expected \[3\]/);
    p.dispose();
    other.dispose();
  });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Discriminator, samplePairs } from '../../src/gail/discriminator.js';
import type { PairSet } from '../../src/streams/pairs.js';
import { testBackend } from '../learn/helpers.js';

/** n pairs with obs ~ N(centre, 0.5²) in 2-D and act ~ N(centre, 0.5²) in 1-D. */
function cloud(n: number, centre: number, rng: Rng, absorbing = false): PairSet {
  const od = absorbing ? 3 : 2;
  const obs = new Float32Array(n * od);
  const acts = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    obs[i * od] = centre + 0.5 * rng.normal();
    obs[i * od + 1] = centre + 0.5 * rng.normal();
    acts[i] = centre + 0.5 * rng.normal();
  }
  return { n, obsDim: od, actDim: 1, absorbing, obs, acts };
}

/** Top singular value of an r × c row-major matrix by power iteration (float64). */
function topSingular(data: Float32Array, r: number, c: number): number {
  let v = Float64Array.from({ length: c }, (_, i) => 1 + i * 1e-3);
  let s = 0;
  for (let it = 0; it < 500; it++) {
    const u = new Float64Array(r);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) u[i] = u[i]! + data[i * c + j]! * v[j]!;
    const nv = new Float64Array(c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) nv[j] = nv[j]! + data[i * c + j]! * u[i]!;
    const n = Math.hypot(...nv);
    s = Math.sqrt(n);
    v = nv.map((x) => x / n);
  }
  return s;
}

describe('Discriminator', () => {
  before(testBackend);

  it('learns to separate separable expert and policy data (loss falls, accuracy rises)', () => {
    const rng = new Rng(1);
    const expert = cloud(512, 1, rng);
    const policy = cloud(512, -1, rng);
    const d = new Discriminator(2, 1, false, { learningRate: 1e-3 }, new Rng(2));
    d.observe(expert);
    d.observe(policy);
    const first = d.step(samplePairs(expert, 64, rng), samplePairs(policy, 64, rng), rng);
    let last = first;
    for (let k = 0; k < 150; k++)
      last = d.step(samplePairs(expert, 64, rng), samplePairs(policy, 64, rng), rng);
    assert.ok(first.loss > 0.5, `initial loss ${first.loss} should be near log 2`);
    assert.ok(last.loss < 0.15, `loss after 150 steps ${last.loss} should be < 0.15`);
    assert.ok(last.accExpert > 0.95 && last.accPolicy > 0.95, JSON.stringify(last));
    assert.ok(last.meanDExpert > 0.8 && last.meanDPolicy < 0.2, JSON.stringify(last));
    const zE = d.logits(expert);
    const zP = d.logits(policy);
    assert.ok(zE.reduce((a, b) => a + b) / zE.length > 0, 'logitsExpertIsHigh');
    assert.ok(zP.reduce((a, b) => a + b) / zP.length < 0);
    d.dispose();
  });

  it('gradient penalty equals λ(‖w‖ − 1)² on a linear discriminator', () => {
    const d = new Discriminator(2, 1, false, { hiddenSizes: [], gradientPenalty: 10 }, new Rng(3));
    const w = Array.from(d.mlp.variables[0]!.dataSync());
    const norm = Math.hypot(...w);
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 5 * 3 }, () => rng.normal());
    const got = d.penaltyAt(x, 5);
    const want = 10 * (norm - 1) ** 2;
    assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `penalty ${got} != closed form ${want}`);
    // Rescale w to norm 3: the penalty must follow (λ·(3 − 1)² = 40).
    tf.tidy(() => d.mlp.variables[0]!.assign(tf.mul(d.mlp.variables[0]!, 3 / norm)));
    assert.ok(Math.abs(d.penaltyAt(x, 5) - 40) < 1e-3);
    d.dispose();
  });

  it('penaltyIgnoresIndicator: the penalty norm leaves the absorbing indicator out (λ(‖w_real‖ − 1)²)', () => {
    // Linear D on [obs (2), indicator, act (1)]: ∂z/∂x = w, so the penalty is λ(‖w‖ − 1)², or with the
    // indicator left out λ(‖w without its indicator entry‖ − 1)².
    const rng = new Rng(6);
    const x = Float32Array.from({ length: 4 * 4 }, () => rng.normal());
    for (const ignore of [false, true]) {
      const d = new Discriminator(
        2,
        1,
        true,
        { hiddenSizes: [], gradientPenalty: 10, penaltyIgnoresIndicator: ignore },
        new Rng(3),
      );
      tf.tidy(() => d.mlp.variables[0]!.assign(tf.tensor2d([0.3, 0.4, 5, 0], [4, 1])));
      const want = 10 * ((ignore ? 0.5 : Math.hypot(0.3, 0.4, 5)) - 1) ** 2;
      const got = d.penaltyAt(x, 4);
      assert.ok(Math.abs(got - want) < 1e-3, `ignore ${ignore}: penalty ${got} != ${want}`);
      d.dispose();
    }
  });

  it('the closed-form input gradient of the tanh MLP matches finite differences', () => {
    // penaltyAt with λ = 1 at one row gives (‖g‖ − 1)²; compare ‖g‖ with a central-difference estimate.
    const d = new Discriminator(2, 1, false, { gradientPenalty: 1, hiddenSizes: [16, 16] }, new Rng(5));
    const x = Float32Array.of(0.3, -0.2, 0.5);
    const pairsAt = (v: Float32Array): PairSet => ({
      n: 1,
      obsDim: 2,
      actDim: 1,
      absorbing: false,
      obs: v.slice(0, 2),
      acts: v.slice(2),
    });
    // Before any observe(), the normaliser is the identity (mean 0, var 1), so features = inputs.
    const h = 1e-2;
    const g: number[] = [];
    for (let j = 0; j < 3; j++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[j] = xp[j]! + h;
      xm[j] = xm[j]! - h;
      g.push((d.logits(pairsAt(xp))[0]! - d.logits(pairsAt(xm))[0]!) / (2 * h));
    }
    const fd = Math.hypot(...g);
    const closed = 1 + Math.sqrt(d.penaltyAt(x, 1)) * Math.sign(fd - 1);
    assert.ok(Math.abs(closed - fd) < 2e-3, `closed-form ‖∇z‖ ${closed} vs finite differences ${fd}`);
    d.dispose();
  });

  it('spectral normalisation holds each layer’s top singular value near 1', () => {
    const rng = new Rng(6);
    const expert = cloud(256, 1, rng);
    const policy = cloud(256, -1, rng);
    const sn = new Discriminator(2, 1, false, { spectralNorm: true, hiddenSizes: [32, 32] }, new Rng(7));
    const plain = new Discriminator(2, 1, false, { hiddenSizes: [32, 32] }, new Rng(7));
    for (let k = 0; k < 40; k++) {
      sn.step(samplePairs(expert, 32, rng), samplePairs(policy, 32, rng), rng);
      plain.step(samplePairs(expert, 32, rng), samplePairs(policy, 32, rng), rng);
    }
    for (const w of sn.effectiveWeights()) {
      const s = topSingular(w.data, w.shape[0], w.shape[1]);
      assert.ok(Math.abs(s - 1) < 0.05, `spectral-normalised layer ${w.shape}: top singular value ${s}`);
    }
    // Without it, the orthogonal init's √2 gain shows: the check above can fail.
    const w0 = plain.effectiveWeights()[1]!;
    assert.ok(topSingular(w0.data, w0.shape[0], w0.shape[1]) > 1.3);
    sn.dispose();
    plain.dispose();
  });

  it('gives absorbing rows all-zero features with the indicator set', () => {
    const d = new Discriminator(2, 1, true, {}, new Rng(8));
    const rng = new Rng(9);
    d.observe(cloud(64, 3, rng, true));
    const pairs: PairSet = {
      n: 2,
      obsDim: 3,
      actDim: 1,
      absorbing: true,
      obs: Float32Array.of(3, 3, 0, 0, 0, 1),
      acts: Float32Array.of(3, 0),
    };
    const f = Array.from(d.features(pairs));
    assert.equal(f[2], 0);
    assert.deepEqual(f.slice(4), [0, 0, 1, 0]);
    assert.ok(Number.isFinite(d.absorbingLogit()));
    assert.throws(
      () => d.features({ ...pairs, absorbing: false, obsDim: 2, obs: new Float32Array(4) }),
      /pairs have obs\/act 2\/1 \(absorbing false\), D was built for 2\/1 \(absorbing true\)/,
    );
    d.dispose();
  });

  it('skips a step whose loss is non-finite and keeps the weights', () => {
    const rng = new Rng(10);
    const d = new Discriminator(2, 1, false, {}, new Rng(11));
    const before = d.toArrays('d');
    const bad = cloud(8, 0, rng);
    bad.obs[0] = Number.NaN;
    const stats = d.step(cloud(8, 1, rng), bad, rng);
    assert.equal(stats.skipped, 1);
    const after = d.toArrays('d');
    assert.deepEqual(Array.from(after['d/mlp/0/w']!.data), Array.from(before['d/mlp/0/w']!.data));
    d.dispose();
  });

  it('a step with every stabiliser on leaks no tensors', () => {
    const rng = new Rng(12);
    const d = new Discriminator(
      2,
      1,
      true,
      { gradientPenalty: 10, spectralNorm: true, labelSmoothing: 0.1, weightDecay: 1e-4 },
      new Rng(13),
    );
    const e = cloud(32, 1, rng, true);
    const p = cloud(32, -1, rng, true);
    d.step(e, p, rng);
    const n0 = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) d.step(e, p, rng);
    d.logits(e);
    d.absorbingLogit();
    assert.equal(tf.memory().numTensors, n0);
    d.dispose();
  });

  it('round-trips its state and disposes once', () => {
    const rng = new Rng(14);
    const e = cloud(32, 1, rng, true);
    const p = cloud(32, -1, rng, true);
    const a = new Discriminator(2, 1, true, { spectralNorm: true }, new Rng(15));
    a.observe(e);
    for (let k = 0; k < 3; k++) a.step(e, p, rng);
    const b = new Discriminator(2, 1, true, { spectralNorm: true }, new Rng(16));
    b.loadArrays(a.toArrays('disc'), 'disc');
    assert.deepEqual(Array.from(b.logits(p)), Array.from(a.logits(p)));
    const n0 = tf.memory().numTensors;
    a.dispose();
    a.dispose();
    assert.ok(tf.memory().numTensors < n0);
    assert.throws(() => a.logits(p), /Discriminator: used after dispose\(\)/);
    b.dispose();
  });

  it('names a bad option', () => {
    assert.throws(
      () => new Discriminator(2, 1, true, { labelSmoothing: 0.7 }, new Rng(1)),
      /discriminator labelSmoothing: expected a value in \[0, 0.5\], got 0.7/,
    );
  });
});

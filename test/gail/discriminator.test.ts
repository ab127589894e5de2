import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import {
  adversarialBce,
  Discriminator,
  type DiscriminatorOptions,
  samplePairs,
} from '../../src/gail/discriminator.js';
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

/**
 * D's loss and its gradient through a gradient tape: the reference for the written-out gradient
 * (`Discriminator.lossGradients`), computed as the step was before it. tf.tanh in the forward pass, ∂z/∂x̂
 * in closed form (g_L = Ŵ_L; g_k = (g_{k+1} ⊙ (1 − h_k²)) Ŵ_kᵀ) so that first-order autodiff through it
 * gives the penalty's double backpropagation (tfjs's nested tf.grad does not: its inner gradient is not
 * taped), the norm without the indicator when `penaltyIgnoresIndicator`, the BCE, weight decay, and
 * spectral normalisation as W/(vᵀWu) with the stored vectors.
 */
function tapeLossGradients(
  d: Discriminator,
  x: Float32Array,
  nE: number,
  nP: number,
  m: number,
): { bce: number; penalty: number; grads: Float32Array[] } {
  const o = d.options;
  const vars = d.mlp.variables;
  const last = d.mlp.numLayers - 1;
  const dim = d.inputDim;
  const saved = d.toArrays('d');
  return tf.tidy(() => {
    const X = tf.tensor2d(x, [nE + nP + m, dim]);
    let bce: tf.Scalar | undefined;
    let pen: tf.Scalar | undefined;
    const { grads } = tf.variableGrads(() => {
      const ws = vars
        .filter((_, i) => i % 2 === 0)
        .map((w, k) => {
          if (!o.spectralNorm) return w as tf.Tensor2D;
          const u = tf.tensor2d(saved[`d/sn/${k}/u`]!.data, [w.shape[1]!, 1]);
          const v = tf.tensor2d(saved[`d/sn/${k}/v`]!.data, [w.shape[0]!, 1]);
          return tf.div(w, tf.sum(tf.mul(v, tf.matMul(w as tf.Tensor2D, u)))) as tf.Tensor2D;
        });
      const forward = (inp: tf.Tensor2D) => {
        const hs: tf.Tensor2D[] = [];
        let h = inp;
        for (let k = 0; k < last; k++) {
          h = tf.tanh(tf.add(tf.matMul(h, ws[k]!), vars[2 * k + 1]!));
          hs.push(h);
        }
        return {
          hs,
          z: tf.squeeze(tf.add(tf.matMul(h, ws[last]!), vars[2 * last + 1]!), [1]) as tf.Tensor1D,
        };
      };
      const { z } = forward(tf.slice(X, [0, 0], [nE + nP, -1]));
      bce = tf.keep(adversarialBce(tf.slice(z, 0, nE), tf.slice(z, nE, nP), o.labelSmoothing));
      let total: tf.Scalar = bce;
      if (m > 0) {
        const { hs } = forward(tf.slice(X, [nE + nP, 0], [m, -1]));
        let g = tf.reshape(ws[last]!, [1, -1]) as tf.Tensor2D;
        for (let k = last - 1; k >= 0; k--)
          g = tf.matMul(tf.mul(g, tf.sub(1, tf.square(hs[k]!))), ws[k]!, false, true) as tf.Tensor2D;
        if (g.shape[0] !== m) g = tf.tile(g, [m, 1]);
        if (d.absorbing && o.penaltyIgnoresIndicator) {
          const mask = new Float32Array(dim).fill(1);
          mask[d.obsDim] = 0;
          g = tf.mul(g, tf.tensor1d(mask)) as tf.Tensor2D;
        }
        const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
        pen = tf.keep(tf.mul(o.gradientPenalty, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar);
        total = tf.add(total, pen) as tf.Scalar;
      }
      if (o.weightDecay > 0) {
        const l2 = tf.addN(vars.filter((_, i) => i % 2 === 0).map((w) => tf.sum(tf.square(w))));
        total = tf.add(total, tf.mul(o.weightDecay, l2)) as tf.Scalar;
      }
      return total;
    }, vars as tf.Variable[]);
    return {
      bce: bce!.dataSync()[0]!,
      penalty: pen ? pen.dataSync()[0]! : 0,
      grads: vars.map((v) => (grads[v.name]!.dataSync() as Float32Array).slice()),
    };
  });
}

/**
 * Rows [expert (nE); policy (nP); interpolates (m)] of D's features: normal coordinates, and with
 * `absorbing` the indicator column set on every third expert row (its other features zero, as
 * `features` makes them) and interpolated on the x̂ rows.
 */
function lossRows(d: Discriminator, nE: number, nP: number, m: number, rng: Rng): Float32Array {
  const dim = d.inputDim;
  const x = new Float32Array((nE + nP + m) * dim);
  for (let r = 0; r < nE + nP; r++) {
    for (let j = 0; j < dim; j++) x[r * dim + j] = rng.normal();
    if (!d.absorbing) continue;
    x[r * dim + d.obsDim] = 0;
    if (r < nE && r % 3 === 0) {
      x.fill(0, r * dim, (r + 1) * dim);
      x[r * dim + d.obsDim] = 1;
    }
  }
  for (let r = 0; r < m; r++) {
    const u = rng.next();
    for (let j = 0; j < dim; j++)
      x[(nE + nP + r) * dim + j] = u * x[r * dim + j]! + (1 - u) * x[(nE + r) * dim + j]!;
  }
  return x;
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

  it('has the gradient a tape gives (penalty by double backpropagation), for every stabiliser', () => {
    const cases: { name: string; obs: number; absorbing: boolean; options: DiscriminatorOptions }[] = [
      {
        name: "DAC's: absorbing, penalty without the indicator",
        obs: 3,
        absorbing: true,
        options: { hiddenSizes: [8, 6], gradientPenalty: 10, penaltyIgnoresIndicator: true },
      },
      {
        name: 'absorbing, penalty with the indicator',
        obs: 3,
        absorbing: true,
        options: { hiddenSizes: [8, 6], gradientPenalty: 10 },
      },
      {
        name: 'one hidden layer',
        obs: 2,
        absorbing: false,
        options: { hiddenSizes: [7], gradientPenalty: 1 },
      },
      { name: 'linear', obs: 2, absorbing: true, options: { hiddenSizes: [], gradientPenalty: 10 } },
      { name: 'no penalty', obs: 2, absorbing: false, options: { hiddenSizes: [8, 8] } },
      {
        name: 'three layers, spectral norm, smoothing, weight decay',
        obs: 3,
        absorbing: true,
        options: {
          hiddenSizes: [6, 5, 4],
          gradientPenalty: 10,
          penaltyIgnoresIndicator: true,
          spectralNorm: true,
          labelSmoothing: 0.1,
          weightDecay: 1e-2,
        },
      },
    ];
    for (const [i, c] of cases.entries()) {
      const rng = new Rng(20 + i);
      const d = new Discriminator(c.obs, 2, c.absorbing, c.options, new Rng(30 + i));
      // Random biases too (they start at 0), and weights ×1.5 so that some units saturate.
      tf.tidy(() => {
        for (const [k, v] of d.mlp.variables.entries())
          v.assign(k % 2 === 0 ? tf.mul(v, 1.5) : tf.randomNormal(v.shape, 0, 0.5, 'float32', 40 + k));
      });
      const [nE, nP] = [7, 9];
      const m = (c.options.gradientPenalty ?? 0) > 0 ? nE : 0;
      const x = lossRows(d, nE, nP, m, rng);
      const want = tapeLossGradients(d, x, nE, nP, m);
      const got = d.lossGradients(x, nE, nP, m);
      assert.ok(
        Math.abs(got.stats.loss - want.bce) < 1e-5,
        `${c.name}: BCE ${got.stats.loss} vs ${want.bce}`,
      );
      assert.ok(
        Math.abs(got.stats.gradPenalty - want.penalty) < 1e-4 * Math.max(1, want.penalty),
        `${c.name}: penalty ${got.stats.gradPenalty} vs ${want.penalty}`,
      );
      if (m > 0) assert.ok(want.penalty > 0.1, `${c.name}: the penalty is not negligible (${want.penalty})`);
      want.grads.forEach((w, k) => {
        const scale = Math.max(1e-3, ...Array.from(w, Math.abs));
        const err = Math.max(...Array.from(got.grads![k]!, (g, j) => Math.abs(g - w[j]!)));
        assert.ok(
          err <= 1e-4 * scale,
          `${c.name}, variable ${k}: max |written − tape| = ${err} (scale ${scale})`,
        );
      });
      d.dispose();
    }
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

  it("a step leaks no tensors, with every stabiliser on and with DAC's options", () => {
    for (const options of [
      { gradientPenalty: 10, spectralNorm: true, labelSmoothing: 0.1, weightDecay: 1e-4 },
      { gradientPenalty: 10, penaltyIgnoresIndicator: true },
    ]) {
      const rng = new Rng(12);
      const d = new Discriminator(2, 1, true, options, new Rng(13));
      const e = cloud(32, 1, rng, true);
      const p = cloud(32, -1, rng, true);
      d.step(e, p, rng);
      const n0 = tf.memory().numTensors;
      for (let k = 0; k < 3; k++) d.step(e, p, rng);
      d.logits(e);
      d.absorbingLogit();
      d.penaltyAt(d.features(e), e.n);
      d.lossGradients(lossRows(d, 4, 5, 4, rng), 4, 5, 4);
      assert.equal(tf.memory().numTensors, n0, JSON.stringify(options));
      d.dispose();
    }
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

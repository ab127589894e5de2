/**
 * AIRL's discriminator (src/gail/airl.ts): the logit f(s, a, s′) − log π(a|s) against a hand computation,
 * g depends on the state only, the absorbing state's terms, a learning signal on separable transitions,
 * no tensor leaks per step, state round trip and dispose.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { AirlDiscriminator, type AirlOptions, type LogProbFn } from '../../src/gail/airl.js';
import type { PairSet } from '../../src/streams/pairs.js';
import { testBackend } from '../learn/helpers.js';

before(testBackend);

const OPTS: AirlOptions = {
  hiddenSizes: [5],
  learningRate: 1e-2,
  gamma: 0.9,
  labelSmoothing: 0,
  weightDecay: 0,
};

/** log π = −(a − s₀)²: a stand-in policy whose value the test knows. */
const fakeLogProb: LogProbFn = (obs, acts, n) => {
  const out = new Float32Array(n);
  const d = obs.length / n;
  for (let r = 0; r < n; r++) out[r] = -((acts[r]! - obs[r * d]!) ** 2);
  return out;
};

/** A tanh MLP with one hidden layer from its toArrays, on one input row, in float64. */
function mlp1(arrays: ReturnType<AirlDiscriminator['toArrays']>, prefix: string, x: number[]): number {
  const w0 = arrays[`${prefix}/0/w`]!;
  const b0 = arrays[`${prefix}/0/b`]!;
  const w1 = arrays[`${prefix}/1/w`]!;
  const b1 = arrays[`${prefix}/1/b`]!;
  const [inDim, hid] = w0.shape as [number, number];
  let out = b1.data[0]!;
  for (let j = 0; j < hid; j++) {
    let z = b0.data[j]!;
    for (let i = 0; i < inDim; i++) z += x[i]! * w0.data[i * hid + j]!;
    out += Math.tanh(z) * w1.data[j]!;
  }
  return out;
}

/** Transitions with absorbing indicator: rows of raw obs (2 dims), acts (1), next raw obs; `abs` flags. */
function transitions(
  rows: { s: number[]; a: number; next: number[] | 'abs'; absorbingRow?: boolean }[],
): PairSet {
  const obs: number[] = [];
  const next: number[] = [];
  const acts: number[] = [];
  for (const r of rows) {
    obs.push(...(r.absorbingRow ? [0, 0, 1] : [...r.s, 0]));
    next.push(...(r.next === 'abs' ? [0, 0, 1] : [...r.next, 0]));
    acts.push(r.a);
  }
  return {
    n: rows.length,
    obsDim: 3,
    actDim: 1,
    absorbing: true,
    obs: Float32Array.from(obs),
    acts: Float32Array.from(acts),
    next: Float32Array.from(next),
  };
}

/**
 * 64 expert transitions around s₀ = 1 and 64 policy ones around s₀ = −1 (a = s₀, s′ = s + 0.1 along s₀),
 * added to `d`'s state statistics: a problem D can separate.
 */
function separableSides(d: AirlDiscriminator, rng: Rng): { expert: PairSet; policy: PairSet } {
  const side = (centre: number) =>
    transitions(
      Array.from({ length: 64 }, () => {
        const s = [centre + 0.3 * rng.normal(), 0.3 * rng.normal()];
        return { s, a: s[0]!, next: [s[0]! + 0.1, s[1]!] };
      }),
    );
  const expert = side(1);
  const policy = side(-1);
  d.observe(expert);
  d.observe(policy);
  return { expert, policy };
}

describe('AirlDiscriminator', () => {
  it('computes logit = g(s) + γ h(s′) − h(s) − log π(a|s), as by hand', () => {
    const d = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(1));
    // Non-trivial statistics: mean (1, −2), variance (4, 0.25).
    d.observe(
      transitions([
        { s: [3, -2.5], a: 0, next: [0, 0] },
        { s: [-1, -1.5], a: 0, next: [0, 0] },
      ]),
    );
    const pairs = transitions([
      { s: [0.5, -1], a: 0.3, next: [1.5, -2.2] },
      { s: [2, 0], a: -1, next: 'abs' },
      { s: [0, 0], a: 0, next: 'abs', absorbingRow: true },
    ]);
    const t = d.terms(pairs);
    const arrays = d.toArrays('x');
    const norm = (s: number[]) => [
      (s[0]! - 1) / Math.sqrt(4 + 1e-8),
      (s[1]! + 2) / Math.sqrt(0.25 + 1e-8),
      0,
    ];
    const abs = [0, 0, 1];
    const cases = [
      { s: norm([0.5, -1]), n: norm([1.5, -2.2]), logPi: -((0.3 - 0.5) ** 2) },
      { s: norm([2, 0]), n: abs, logPi: -((-1 - 2) ** 2) },
      { s: abs, n: abs, logPi: 0 }, // the absorbing state's one action: log π = 0
    ];
    cases.forEach((c, i) => {
      const g = mlp1(arrays, 'x/g', c.s);
      const h = mlp1(arrays, 'x/h', c.s);
      const hNext = mlp1(arrays, 'x/h', c.n);
      const want = g + 0.9 * hNext - h - c.logPi;
      assert.ok(Math.abs(t.g[i]! - g) < 1e-5, `g row ${i}: ${t.g[i]} vs ${g}`);
      assert.ok(Math.abs(t.logPi[i]! - c.logPi) < 1e-5, `log π row ${i}: ${t.logPi[i]} vs ${c.logPi}`);
      assert.ok(Math.abs(t.logits[i]! - want) < 1e-4, `logit row ${i}: ${t.logits[i]} vs ${want}`);
    });
    // The absorbing → absorbing logit is g(s_abs) + (γ − 1) h(s_abs).
    assert.ok(Math.abs(d.absorbingLogit() - t.logits[2]!) < 1e-5);
    assert.ok(Math.abs(d.absorbingReward() - t.g[2]!) < 1e-5);
    d.dispose();
  });

  it('g is a function of the state alone: the action changes only log π', () => {
    const d = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(2));
    assert.equal(d.g.config.inputDim, 3, 'g takes the state (2) and the absorbing indicator, no action');
    const base = [
      { s: [0.5, -1], a: 0.3, next: [1, 1] as number[] | 'abs' },
      { s: [2, 0], a: -1, next: 'abs' as const },
    ];
    const t1 = d.terms(transitions(base));
    const t2 = d.terms(transitions(base.map((r) => ({ ...r, a: r.a + 7 }))));
    assert.deepEqual(t1.g, t2.g);
    assert.deepEqual(t1.h, t2.h);
    assert.deepEqual(t1.hNext, t2.hNext);
    assert.notDeepEqual(t1.logits, t2.logits);
    for (let i = 0; i < 2; i++)
      assert.ok(Math.abs(t1.logits[i]! + t1.logPi[i]! - (t2.logits[i]! + t2.logPi[i]!)) < 1e-5);
    // The reward the file will carry is g: the same for any action.
    const r = d.reward(Float32Array.from([0.5, -1, 0, 2, 0, 0]), 2);
    assert.ok(Math.abs(r[0]! - t1.g[0]!) < 1e-6 && Math.abs(r[1]! - t1.g[1]!) < 1e-6);
    d.dispose();
  });

  it('learns to tell expert transitions from the policy’s (loss falls, accuracy > 0.9)', () => {
    const rng = new Rng(5);
    const d = new AirlDiscriminator(2, 1, true, { ...OPTS, hiddenSizes: [16] }, fakeLogProb, new Rng(3));
    const { expert, policy } = separableSides(d, rng);
    const first = d.step(expert, policy, rng);
    let last = first;
    for (let k = 0; k < 150; k++) last = d.step(expert, policy, rng);
    assert.ok(last.loss < first.loss * 0.5, `loss ${first.loss} → ${last.loss}`);
    assert.ok(last.accExpert > 0.9 && last.accPolicy > 0.9, JSON.stringify(last));
    assert.equal(last.skipped, 0);
    d.dispose();
  });

  it('leaks no tensors in a step, logits, rewards or the absorbing state', () => {
    const d = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(4));
    const rng = new Rng(1);
    const p = transitions([
      { s: [0.5, -1], a: 0.3, next: [1, 1] },
      { s: [2, 0], a: -1, next: 'abs' },
      { s: [0, 0], a: 0, next: 'abs', absorbingRow: true },
    ]);
    d.step(p, p, rng); // burn-in: Adam's moments
    const before = tf.memory().numTensors;
    d.step(p, p, rng);
    d.logits(p);
    d.reward(Float32Array.from([1, 2, 0]), 1);
    d.absorbingLogit();
    d.toArrays('a');
    assert.equal(tf.memory().numTensors, before);
    d.dispose();
    const gp = new AirlDiscriminator(2, 1, true, { ...OPTS, gradientPenalty: 10 }, fakeLogProb, new Rng(4));
    gp.step(p, p, rng);
    const beforeGp = tf.memory().numTensors;
    const stats = gp.step(p, p, rng);
    gp.penaltyAt(new Float32Array(3), new Float32Array(3), 1);
    assert.equal(tf.memory().numTensors, beforeGp);
    assert.ok(stats.gradPenalty > 0, JSON.stringify(stats));
    gp.dispose();
  });

  it('gradient penalty: λ·mean((‖∂f/∂(x, x′)‖ − 1)²) as by finite differences in float64', () => {
    const lambda = 10;
    const d = new AirlDiscriminator(
      2,
      1,
      true,
      { ...OPTS, gradientPenalty: lambda },
      fakeLogProb,
      new Rng(6),
    );
    const a = d.toArrays('d');
    // Feature rows (2 normalised state numbers + the indicator), as penaltyAt takes them.
    const xs = [
      [0.3, -0.7, 0],
      [1.2, 0.4, 0],
      [-0.5, 0.9, 0.25],
    ];
    const xn = [
      [0.1, 0.2, 0],
      [-1, 0.5, 0.5],
      [0.8, -0.3, 0],
    ];
    const f = (s: number[], sn: number[]) =>
      mlp1(a, 'd/g', s) + OPTS.gamma * mlp1(a, 'd/h', sn) - mlp1(a, 'd/h', s);
    let expected = 0;
    const h = 1e-5;
    for (let r = 0; r < xs.length; r++) {
      let sq = 0;
      for (const which of [0, 1])
        for (let j = 0; j < 3; j++) {
          const up = [xs[r]!.slice(), xn[r]!.slice()];
          const down = [xs[r]!.slice(), xn[r]!.slice()];
          up[which]![j]! += h;
          down[which]![j]! -= h;
          const g = (f(up[0]!, up[1]!) - f(down[0]!, down[1]!)) / (2 * h);
          sq += g * g;
        }
      expected += (Math.sqrt(sq) - 1) ** 2;
    }
    expected = (lambda * expected) / xs.length;
    const got = d.penaltyAt(Float32Array.from(xs.flat()), Float32Array.from(xn.flat()), xs.length);
    assert.ok(Math.abs(got - expected) < 1e-4 * Math.max(1, expected), `penalty ${got} vs ${expected}`);
    d.dispose();
  });

  it('with the gradient penalty D still learns, with flatter logits, and reports the term', () => {
    const run = (gradientPenalty: number) => {
      const rng = new Rng(5);
      const d = new AirlDiscriminator(
        2,
        1,
        true,
        { ...OPTS, hiddenSizes: [16], gradientPenalty },
        fakeLogProb,
        new Rng(3),
      );
      const { expert, policy } = separableSides(d, rng);
      let last = d.step(expert, policy, rng);
      for (let k = 0; k < 150; k++) last = d.step(expert, policy, rng);
      const t = d.terms(expert);
      const f = t.g.map((g, i) => g + OPTS.gamma * t.hNext[i]! - t.h[i]!);
      const meanF = f.reduce((x, y) => x + y, 0) / f.length;
      d.dispose();
      return { last, meanF };
    };
    const off = run(0);
    const on = run(10);
    assert.equal(off.last.gradPenalty, 0);
    assert.ok(on.last.gradPenalty > 0 && Number.isFinite(on.last.gradPenalty), JSON.stringify(on.last));
    assert.ok(on.last.accExpert > 0.9 && on.last.accPolicy > 0.9, JSON.stringify(on.last));
    // The penalty holds f's slope near 1 between the two sides, so the expert's f rises less.
    assert.ok(on.meanF < off.meanF, `mean f on the expert side: GP ${on.meanF} vs none ${off.meanF}`);
  });

  it('restores its whole state; dispose is idempotent and later use is refused', () => {
    const a = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(6));
    const p = transitions([{ s: [0.5, -1], a: 0.3, next: [1, 1] }]);
    a.observe(p);
    a.step(p, transitions([{ s: [-0.5, 1], a: 0, next: 'abs' }]), new Rng(1));
    const b = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(7));
    b.loadArrays(a.toArrays('d'), 'd');
    assert.deepEqual(b.logits(p), a.logits(p));
    a.dispose();
    a.dispose();
    assert.throws(() => a.logits(p), /used after dispose/);
    b.dispose();
  });

  it("rewards the policy with f − α log π of the rollout's own log π (α = entropyWeight, 1 by default)", () => {
    const full = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(8));
    const none = new AirlDiscriminator(2, 1, true, { ...OPTS, entropyWeight: 0 }, fakeLogProb, new Rng(9));
    none.loadArrays(full.toArrays('x'), 'x');
    const logProbs = Float32Array.from([-1.5, -0.25]);
    const rollout = {
      batch: {
        numSteps: 1,
        numEnvs: 2,
        obsDim: 2,
        actDim: 1,
        obs: Float32Array.from([0.5, -1, 2, 0]),
        actions: Float32Array.from([0.3, -1]),
        logProbs,
        rewards: new Float32Array(2),
        terminated: Uint8Array.from([0, 1]),
        truncated: new Uint8Array(2),
        finalObs: new Float32Array(4),
        lastObs: Float32Array.from([0.6, -1.1, 0, 0]),
      },
    } as unknown as Parameters<AirlDiscriminator['stepLogits']>[0];
    const z = full.stepLogits(rollout);
    const f = none.stepLogits(rollout);
    for (let i = 0; i < 2; i++)
      assert.ok(Math.abs(z[i]! - (f[i]! - logProbs[i]!)) < 1e-5, `${z[i]} vs ${f[i]} − ${logProbs[i]}`);
    // The terminated step's s′ is the absorbing state: f = g(s) + γ h(s_abs) − h(s).
    const t = full.terms(transitions([{ s: [2, 0], a: -1, next: 'abs' }]), Float32Array.from([-0.25]));
    assert.ok(Math.abs(t.logits[0]! - z[1]!) < 1e-5);
    assert.throws(
      () => new AirlDiscriminator(2, 1, true, { ...OPTS, entropyWeight: 2 }, fakeLogProb, new Rng(1)),
      /entropyWeight: expected a value in \[0, 1\], got 2/,
    );
    full.dispose();
    none.dispose();
  });

  it('refuses bad options and pairs without s′, naming what is wrong', () => {
    assert.throws(
      () => new AirlDiscriminator(2, 1, true, { ...OPTS, gamma: 1 }, fakeLogProb, new Rng(1)),
      (e: unknown) => e instanceof GailBridgeError && /gamma/.test(e.message),
    );
    const d = new AirlDiscriminator(2, 1, true, OPTS, fakeLogProb, new Rng(1));
    const { next: _next, ...noNext } = transitions([{ s: [0, 0], a: 0, next: [0, 0] }]);
    assert.throws(() => d.logits(noNext), /no next observations/);
    assert.throws(
      () =>
        d.logits({
          ...transitions([{ s: [0, 0], a: 0, next: [0, 0] }]),
          actDim: 2,
          acts: new Float32Array(2),
        }),
      /obs\/act 2\/2.*built for 2\/1/,
    );
    d.dispose();
  });
});

/**
 * TD3 (src/learn/td3.ts): the target with and without smoothing noise against the networks computed by
 * hand, the delayed actor update, Polyak averaging, the absorbing state's action-independence, state
 * round trips, no tensor leak per update, and a learning signal on a one-step bandit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import type { Mlp } from '../../src/learn/mlp.js';
import { type Td3Batch, Td3Learner, type Td3Options } from '../../src/learn/td3.js';
import { testBackend } from './helpers.js';

before(testBackend);

const D = 2;
const A = 1;

function actor(seed = 1): GaussianPolicy {
  return new GaussianPolicy(
    {
      obsDim: D,
      actDim: A,
      hiddenSizes: [16],
      activation: 'relu',
      output: 'tanh',
      actionBounds: { low: [-2], high: [2] },
    },
    seed,
  );
}

/** n random transitions; rows with `absorbing[r]` start in s_abs (indicator 1, zero action). */
function randomBatch(n: number, rng: Rng, absorbing: readonly number[] = []): Td3Batch {
  const obs = new Float32Array(n * (D + 1));
  const nextObs = new Float32Array(n * (D + 1));
  const actions = new Float32Array(n * A);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < D; j++) {
      obs[r * (D + 1) + j] = rng.uniform(-1, 1);
      nextObs[r * (D + 1) + j] = rng.uniform(-1, 1);
    }
    actions[r] = rng.uniform(-2, 2);
    if (absorbing.includes(r)) {
      obs.fill(0, r * (D + 1), r * (D + 1) + D);
      obs[r * (D + 1) + D] = 1;
      actions[r] = 0;
    }
  }
  return {
    n,
    obs,
    actions,
    rewards: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)),
    nextObs,
    discounts: Float32Array.from({ length: n }, (_, r) => (r % 3 === 0 ? 0 : 0.99)),
  };
}

function weights(m: Mlp): Float32Array[] {
  return m.variables.map((v) => v.dataSync().slice() as Float32Array);
}

/** y computed by hand from the target networks: r + γ_k min_i Q'_i(s', clip(tanh(π'(s')) + ε, ±1)). */
function handTargets(td3: Td3Learner, policy: GaussianPolicy, batch: Td3Batch, noise: number): Float32Array {
  return tf.tidy(() => {
    const raw = new Float32Array(batch.n * D);
    for (let r = 0; r < batch.n; r++) raw.set(batch.nextObs.subarray(r * (D + 1), r * (D + 1) + D), r * D);
    const z = policy.obsNorm.normalize(raw, batch.n);
    const u = tf.clipByValue(
      tf.add(tf.tanh(td3.actorTarget.apply(tf.tensor2d(z, [batch.n, D]))), noise),
      -1,
      1,
    );
    const x = tf.concat([tf.tensor2d(z, [batch.n, D]), tf.zeros([batch.n, 1]), u], 1) as tf.Tensor2D;
    const q = tf.minimum(td3.critic1Target.apply(x), td3.critic2Target.apply(x)).squeeze([1]);
    return tf
      .add(tf.tensor1d(batch.rewards), tf.mul(tf.tensor1d(batch.discounts), q))
      .dataSync() as Float32Array;
  });
}

function learner(policy: GaussianPolicy, options: Td3Options = {}): Td3Learner {
  return new Td3Learner(policy, { criticHidden: [16, 16], seed: 3, ...options });
}

/**
 * The critics' and the actor's gradients through a gradient tape, the reference for the written-out ones
 * (`Td3Learner.gradients`): the losses as the learner computed them before, with tf.concat, tf.tanh and
 * tf.variableGrads over `Mlp.apply`. Rows with the indicator set are s_abs.
 */
function tapeGradients(
  td3: Td3Learner,
  policy: GaussianPolicy,
  batch: Td3Batch,
  y: Float32Array,
): { critic: Float32Array[]; actor: Float32Array[] } {
  const { n } = batch;
  const raw = new Float32Array(n * D);
  for (let r = 0; r < n; r++) raw.set(batch.obs.subarray(r * (D + 1), r * (D + 1) + D), r * D);
  const z = policy.obsNorm.normalize(raw, n);
  const live = new Float32Array(n);
  const state = new Float32Array(n * (D + 1));
  for (let r = 0; r < n; r++) {
    if (batch.obs[r * (D + 1) + D] === 1) {
      state[r * (D + 1) + D] = 1;
      z.fill(0, r * D, (r + 1) * D);
    } else {
      live[r] = 1;
      state.set(z.subarray(r * D, (r + 1) * D), r * (D + 1));
    }
  }
  const { scale, offset } = policy.bounds!;
  const u = batch.actions.map((a, i) => Math.min(1, Math.max(-1, (a - offset[i % A]!) / scale[i % A]!)));
  const real = live.reduce((a, b) => a + b, 0);
  return tf.tidy(() => {
    const st = tf.tensor2d(state, [n, D + 1]);
    const lt = tf.tensor2d(live, [n, 1]);
    const yt = tf.tensor1d(y);
    const q = (c: Mlp, uu: tf.Tensor2D) =>
      tf.squeeze(c.apply(tf.concat([st, tf.mul(uu, lt)], 1) as tf.Tensor2D), [1]) as tf.Tensor1D;
    const criticVars = [...td3.critic1.variables, ...td3.critic2.variables] as tf.Variable[];
    const critic = tf.variableGrads(() => {
      const ut = tf.tensor2d(u, [n, A]);
      const e1 = tf.mean(tf.square(tf.sub(q(td3.critic1, ut), yt)));
      return tf.add(e1, tf.mean(tf.square(tf.sub(q(td3.critic2, ut), yt)))) as tf.Scalar;
    }, criticVars);
    const actorVars = policy.mean.variables as tf.Variable[];
    const actor = tf.variableGrads(() => {
      const ua = tf.tanh(policy.mean.apply(tf.tensor2d(z, [n, D]))) as tf.Tensor2D;
      const total = tf.sum(tf.mul(q(td3.critic1, ua), tf.squeeze(lt, [1])));
      return tf.div(tf.neg(total), Math.max(1, real)) as tf.Scalar;
    }, actorVars);
    const read = (vars: tf.Variable[], g: tf.NamedTensorMap) =>
      vars.map((v) => (g[v.name]!.dataSync() as Float32Array).slice());
    return { critic: read(criticVars, critic.grads), actor: read(actorVars, actor.grads) };
  });
}

/** Random biases (they start at 0) and weights ×1.5 for every network of `nets`. */
function perturb(nets: readonly Mlp[], seed: number): void {
  tf.tidy(() => {
    for (const [i, net] of nets.entries())
      for (const [k, v] of net.variables.entries())
        v.assign(
          k % 2 === 0 ? tf.mul(v, 1.5) : tf.randomNormal(v.shape, 0, 0.3, 'float32', seed + 10 * i + k),
        );
  });
}

/** max |a − b| ≤ 1e-4 · max |b| per variable (at least 1e-3). */
function assertClose(got: Float32Array[], want: Float32Array[], what: string): void {
  assert.equal(got.length, want.length);
  want.forEach((w, k) => {
    const scale = Math.max(1e-3, ...Array.from(w, Math.abs));
    const err = Math.max(...Array.from(got[k]!, (g, j) => Math.abs(g - w[j]!)));
    assert.ok(err <= 1e-4 * scale, `${what} variable ${k}: max |written − tape| = ${err} (scale ${scale})`);
  });
}

describe('Td3Learner', () => {
  it('targets are r + γ_k · min of the two target critics at the target actor (no smoothing noise)', () => {
    const policy = actor();
    const td3 = learner(policy, { targetNoise: 0 });
    const batch = randomBatch(8, new Rng(5));
    const got = td3.targets(batch);
    const want = handTargets(td3, policy, batch, 0);
    got.forEach((y, i) => {
      assert.ok(Math.abs(y - want[i]!) < 1e-5, `target ${i}: ${y} vs ${want[i]}`);
    });
    // γ_k = 0 rows are the reward alone.
    for (let i = 0; i < 8; i += 3) assert.ok(Math.abs(got[i]! - batch.rewards[i]!) < 1e-6);
    td3.dispose();
    policy.dispose();
  });

  it('target policy smoothing: the noise is clipped to ±c (huge σ with c = 0.5 ⇒ ε = ±0.5 exactly)', () => {
    const policy = actor();
    const td3 = learner(policy, { targetNoise: 1e6, targetNoiseClip: 0.5 });
    const batch = randomBatch(16, new Rng(6));
    const got = td3.targets(batch);
    const plus = handTargets(td3, policy, batch, 0.5);
    const minus = handTargets(td3, policy, batch, -0.5);
    got.forEach((y, i) => {
      const near = Math.min(Math.abs(y - plus[i]!), Math.abs(y - minus[i]!));
      assert.ok(near < 1e-5, `target ${i}: ${y} is neither ${plus[i]} (ε = +c) nor ${minus[i]} (ε = −c)`);
    });
    // c = 0 removes the noise whatever σ.
    const td3b = learner(policy, { targetNoise: 10, targetNoiseClip: 0 });
    const zero = handTargets(td3b, policy, batch, 0);
    td3b.targets(batch).forEach((y, i) => {
      assert.ok(Math.abs(y - zero[i]!) < 1e-5);
    });
    td3.dispose();
    td3b.dispose();
    policy.dispose();
  });

  it('delayed policy updates: the actor and the targets move on every d-th update only', () => {
    const policy = actor();
    const td3 = learner(policy, { policyDelay: 3 });
    const batch = randomBatch(32, new Rng(7));
    const a0 = weights(policy.mean);
    const t0 = weights(td3.critic1Target);
    const c0 = weights(td3.critic1);
    for (let k = 1; k <= 2; k++) {
      const s = td3.update(batch);
      assert.ok(Number.isNaN(s.actorLoss), `update ${k}: no actor step`);
      assert.deepEqual(weights(policy.mean), a0, `update ${k}: actor unchanged`);
      assert.deepEqual(weights(td3.critic1Target), t0, `update ${k}: targets unchanged`);
    }
    assert.notDeepEqual(weights(td3.critic1), c0, 'the critics moved on every update');
    const s3 = td3.update(batch);
    assert.ok(Number.isFinite(s3.actorLoss), 'update 3: actor step');
    assert.notDeepEqual(weights(policy.mean), a0, 'update 3: actor moved');
    assert.notDeepEqual(weights(td3.critic1Target), t0, 'update 3: targets moved');
    assert.equal(td3.updateCount, 3);
    td3.dispose();
    policy.dispose();
  });

  it('the critics’ and the actor’s written-out gradients equal the tape’s (absorbing rows included)', () => {
    const policy = actor();
    const td3 = learner(policy);
    const rng = new Rng(12);
    const batch = randomBatch(24, rng, [0, 5, 11]);
    policy.obsNorm.update(
      batch.obs.filter((_, i) => i % (D + 1) !== D),
      24,
    );
    perturb([policy.mean, td3.critic1, td3.critic2], 50);
    const y = Float32Array.from({ length: 24 }, () => rng.normal());
    const got = td3.gradients(batch, y);
    const want = tapeGradients(td3, policy, batch, y);
    assertClose(got.critic!, want.critic, 'critic');
    assertClose(got.actor!, want.actor, 'actor');
    // The actor's gradient is not trivially zero: the critic depends on the action.
    assert.ok(want.actor.some((g) => g.some((v) => Math.abs(v) > 1e-4)));
    td3.dispose();
    policy.dispose();
  });

  it("Polyak averaging: θ' ← τθ + (1 − τ)θ' for the actor and both critics", () => {
    const policy = actor();
    const tau = 0.25;
    const td3 = learner(policy, { policyDelay: 1, tau });
    const batch = randomBatch(16, new Rng(8));
    const before = [td3.actorTarget, td3.critic1Target, td3.critic2Target].map(weights);
    td3.update(batch);
    const online = [policy.mean, td3.critic1, td3.critic2].map(weights);
    const after = [td3.actorTarget, td3.critic1Target, td3.critic2Target].map(weights);
    for (const [k, net] of after.entries())
      for (const [i, w] of net.entries())
        for (const [j, v] of w.entries()) {
          const want = tau * online[k]![i]![j]! + (1 - tau) * before[k]![i]![j]!;
          assert.ok(Math.abs(v - want) < 1e-5, `net ${k} var ${i}[${j}]: ${v} vs ${want}`);
        }
    td3.dispose();
    policy.dispose();
  });

  it("the absorbing state's value does not depend on the action", () => {
    const policy = actor();
    const td3 = learner(policy);
    const obs = new Float32Array(3 * (D + 1));
    for (let r = 0; r < 3; r++) obs[r * (D + 1) + D] = 1;
    const { q1, q2 } = td3.qValues({ n: 3, obs, actions: Float32Array.from([-2, 0, 1.5]) });
    assert.equal(q1[0], q1[1]);
    assert.equal(q1[1], q1[2]);
    assert.equal(q2[0], q2[2]);
    td3.dispose();
    policy.dispose();
  });

  it('allocates no tensors per update (after a burn-in update), with and without an actor step', () => {
    const policy = actor();
    const td3 = learner(policy);
    const batch = randomBatch(32, new Rng(9), [0, 5]);
    td3.update(batch);
    td3.update(batch);
    const n0 = tf.memory().numTensors;
    td3.update(batch);
    td3.update(batch);
    td3.targets(batch);
    td3.qValues(batch);
    td3.gradients(batch, batch.rewards);
    assert.equal(tf.memory().numTensors, n0);
    td3.dispose();
    policy.dispose();
  });

  it('toArrays/loadArrays restore the whole learner: the next update is the same', () => {
    const batch = randomBatch(32, new Rng(10));
    const p1 = actor();
    const a = learner(p1);
    for (let k = 0; k < 3; k++) a.update(batch);
    const saved = a.toArrays();
    const p2 = actor(99);
    const b = learner(p2, { seed: 42 });
    b.loadArrays(saved);
    a.reseed(5);
    b.reseed(5);
    const sa = a.update(batch);
    const sb = b.update(batch);
    assert.deepEqual(sb, sa);
    assert.deepEqual(weights(p2.mean), weights(p1.mean));
    assert.deepEqual(weights(b.critic2Target), weights(a.critic2Target));
    for (const x of [a, b, p1, p2]) x.dispose();
  });

  it('learns a one-step bandit: the actor moves to a* = clip(2x − 0.5) within 400 updates', () => {
    const policy = actor(2);
    const td3 = learner(policy, { policyDelay: 1, actorLr: 3e-3, criticLr: 3e-3 });
    const rng = new Rng(11);
    const target = (x: number) => Math.max(-2, Math.min(2, 2 * x - 0.5));
    const n = 64;
    for (let k = 0; k < 400; k++) {
      const obs = new Float32Array(n * (D + 1));
      const actions = new Float32Array(n);
      const rewards = new Float32Array(n);
      for (let r = 0; r < n; r++) {
        const x = rng.uniform(-1, 1);
        obs[r * (D + 1)] = x;
        actions[r] = rng.uniform(-2, 2);
        rewards[r] = -((actions[r]! - target(x)) ** 2);
      }
      td3.update({ n, obs, actions, rewards, nextObs: obs, discounts: new Float32Array(n) });
    }
    const xs = [-0.8, -0.3, 0, 0.4, 0.9];
    const mu = policy.meanActions(Float32Array.from(xs.flatMap((x) => [x, 0])), xs.length);
    const err = Math.max(...xs.map((x, i) => Math.abs(mu[i]! - target(x))));
    assert.ok(err < 0.3, `max |π(x) − a*(x)| = ${err.toFixed(3)} (want < 0.3)`);
    td3.dispose();
    policy.dispose();
  });

  it('refuses an actor without a bounded (tanh) output', () => {
    const policy = new GaussianPolicy({ obsDim: D, actDim: A, hiddenSizes: [4] }, 1);
    assert.throws(() => new Td3Learner(policy), /output 'tanh'/);
    policy.dispose();
  });
});

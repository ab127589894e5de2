/**
 * Adam (src/learn/adam.ts), whose update runs in JavaScript over one read of the gradients: against
 * Adam written with tensor ops (the paper's update, as the class did before), with and without
 * global-norm clipping; non-finite input changes nothing; moments round-trip through toArrays; no tensor
 * is left behind.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Adam } from '../../src/learn/adam.js';
import { testBackend } from './helpers.js';

before(async () => {
  await testBackend();
});

const SHAPES = [[3, 4], [4], [4, 2], [2]] as const;

function variables(seed: number): tf.Variable[] {
  const rng = new Rng(seed);
  return SHAPES.map((shape) => {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    return tf.variable(
      tf.tensor(
        Array.from({ length: size }, () => rng.normal()),
        [...shape],
      ),
    );
  });
}

function gradients(rng: Rng, scale = 1): tf.Tensor[] {
  return SHAPES.map((shape) => {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    return tf.tensor(
      Array.from({ length: size }, () => scale * rng.normal()),
      [...shape],
    );
  });
}

/** The update with tensor ops, per variable (Kingma & Ba 2015, bias corrections folded as in the class). */
class TensorAdam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly vars: tf.Variable[]) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x)));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x)));
  }
  apply(grads: tf.Tensor[], lr: number, maxNorm = Number.POSITIVE_INFINITY): void {
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const scale = Number.isFinite(maxNorm)
        ? tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)))
        : tf.scalar(1);
      this.t++;
      const c1 = 1 - 0.9 ** this.t;
      const c2 = 1 - 0.999 ** this.t;
      const stepSize = (lr * Math.sqrt(c2)) / c1;
      const eps = 1e-5 * Math.sqrt(c2);
      this.vars.forEach((x, i) => {
        const g = tf.mul(grads[i]!, scale);
        const m = tf.add(tf.mul(0.9, this.m[i]!), tf.mul(0.1, g));
        const v = tf.add(tf.mul(0.999, this.v[i]!), tf.mul(0.001, tf.square(g)));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        x.assign(tf.sub(x, tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), eps)))));
      });
    });
  }
  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

function maxRelDiff(a: tf.Variable[], b: tf.Variable[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    const p = x.dataSync();
    const q = b[i]!.dataSync();
    for (let k = 0; k < p.length; k++)
      worst = Math.max(worst, Math.abs(p[k]! - q[k]!) / Math.max(1e-3, Math.abs(q[k]!)));
  });
  return worst;
}

describe('Adam', () => {
  for (const maxNorm of [Number.POSITIVE_INFINITY, 0.5]) {
    it(`follows the tensor-op update over 60 steps${Number.isFinite(maxNorm) ? ', clipped to a global norm of 0.5' : ''}`, () => {
      const ours = variables(1);
      const theirs = variables(1);
      const adam = new Adam(ours);
      const reference = new TensorAdam(theirs);
      const rng = new Rng(2);
      let clippedSteps = 0;
      for (let s = 0; s < 60; s++) {
        const grads = gradients(rng, s < 30 ? 1 : 0.01);
        const norm = Math.sqrt(grads.reduce((a, g) => a + (tf.sum(tf.square(g)).arraySync() as number), 0));
        const taken = adam.step(grads, 1e-2, { maxNorm });
        reference.apply(grads, 1e-2, maxNorm);
        assert.ok(taken);
        assert.ok(Math.abs(taken.norm - norm) <= 1e-5 * norm, `norm ${taken.norm} vs ${norm}`);
        if (norm > maxNorm) clippedSteps++;
        tf.dispose(grads);
      }
      assert.equal(adam.steps, 60);
      // float32 moments either way; the JavaScript update rounds once per step, the tensor ops per op.
      assert.ok(maxRelDiff(ours, theirs) < 1e-4, `largest relative difference ${maxRelDiff(ours, theirs)}`);
      if (Number.isFinite(maxNorm)) assert.ok(clippedSteps >= 30, 'the clipping was exercised');
      // A wrong update (no bias correction, say) is far off: the comparison can fail.
      const plain = variables(1);
      const noCorrection = new Adam(plain, { beta2: 0.9 });
      const rng2 = new Rng(2);
      for (let s = 0; s < 60; s++) {
        const grads = gradients(rng2, s < 30 ? 1 : 0.01);
        noCorrection.step(grads, 1e-2, { maxNorm });
        tf.dispose(grads);
      }
      assert.ok(maxRelDiff(plain, theirs) > 1e-3);
      reference.dispose();
      tf.dispose([...ours, ...theirs, ...plain]);
    });
  }

  it('changes nothing when a gradient or a read value is not finite', () => {
    const vars = variables(3);
    const adam = new Adam(vars);
    const rng = new Rng(4);
    const warm = gradients(rng);
    adam.step(warm, 1e-2);
    const before = vars.map((x) => Array.from(x.dataSync()));
    const moments = adam.toArrays('a');
    const bad = gradients(rng);
    const nan = tf.tensor([Number.NaN, 0], [2]);
    assert.equal(adam.step([bad[0]!, bad[1]!, bad[2]!, nan], 1e-2), undefined);
    const loss = tf.scalar(Number.POSITIVE_INFINITY);
    assert.equal(adam.step(bad, 1e-2, { read: [loss] }), undefined);
    assert.deepEqual(
      vars.map((x) => Array.from(x.dataSync())),
      before,
    );
    assert.equal(adam.steps, 1);
    assert.deepEqual(adam.toArrays('a'), moments);
    tf.dispose([...warm, ...bad, nan, loss, ...vars]);
  });

  it('reads the requested tensors in the same sync, in order', () => {
    const vars = variables(5);
    const adam = new Adam(vars);
    const grads = gradients(new Rng(6));
    const a = tf.scalar(1.5);
    const b = tf.tensor([2, 3], [2]);
    const taken = adam.step(grads, 1e-3, { read: [a, b] });
    assert.deepEqual(Array.from(taken!.read), [1.5, 2, 3]);
    tf.dispose([...grads, a, b, ...vars]);
  });

  it('continues exactly from its saved moments and step count, and refuses a checkpoint of the wrong shape', () => {
    const a = variables(7);
    const b = variables(7);
    const adamA = new Adam(a);
    const rng = new Rng(8);
    for (let s = 0; s < 5; s++) {
      const g = gradients(rng);
      adamA.step(g, 1e-2);
      tf.dispose(g);
    }
    for (const [i, x] of b.entries()) x.assign(a[i]!);
    const adamB = new Adam(b);
    adamB.loadArrays(adamA.toArrays('opt'), 'opt');
    assert.equal(adamB.steps, 5);
    for (let s = 0; s < 5; s++) {
      const g = gradients(rng);
      adamA.step(g, 1e-2);
      adamB.step(g, 1e-2);
      tf.dispose(g);
    }
    assert.equal(maxRelDiff(a, b), 0);
    const other = new Adam([tf.variable(tf.zeros([5]))]);
    assert.throws(() => other.loadArrays(adamA.toArrays('opt'), 'opt'), /Adam state/);
    assert.equal(other.steps, 0, 'a refused checkpoint changes nothing');
    tf.dispose([...a, ...b]);
  });

  it('leaves no tensor behind', () => {
    const vars = variables(9);
    const adam = new Adam(vars);
    const rng = new Rng(10);
    const g0 = gradients(rng);
    adam.step(g0, 1e-2, { maxNorm: 1 });
    const before = tf.memory().numTensors;
    for (let s = 0; s < 10; s++) {
      const g = gradients(rng);
      const loss = tf.scalar(s);
      adam.step(g, 1e-2, { maxNorm: 1, read: [loss] });
      tf.dispose([...g, loss]);
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([...g0, ...vars]);
  });
});

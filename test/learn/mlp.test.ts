import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Mlp, orthogonalMatrix, tanhViaSigmoid } from '../../src/learn/mlp.js';
import { testBackend } from './helpers.js';

before(testBackend);

describe('orthogonalMatrix', () => {
  it('has orthonormal columns (tall) or rows (wide), scaled by the gain', () => {
    for (const [fanIn, fanOut] of [
      [8, 3],
      [3, 8],
    ] as const) {
      const w = orthogonalMatrix(fanIn, fanOut, 2, new Rng(1));
      const k = Math.min(fanIn, fanOut);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let dot = 0;
          for (let r = 0; r < Math.max(fanIn, fanOut); r++) {
            dot +=
              fanIn >= fanOut
                ? w[r * fanOut + a]! * w[r * fanOut + b]!
                : w[a * fanOut + r]! * w[b * fanOut + r]!;
          }
          assert.ok(Math.abs(dot - (a === b ? 4 : 0)) < 1e-5, `${fanIn}×${fanOut} (${a}, ${b}): ${dot}`);
        }
      }
    }
  });
});

describe('Mlp', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const cfg = { inputDim: 3, hiddenSizes: [5], outputDim: 2 };
    const [a, b, c] = [1, 1, 2].map((s) => new Mlp(cfg, new Rng(s)));
    assert.deepEqual(a!.toArrays('m'), b!.toArrays('m'));
    assert.notDeepEqual(a!.toArrays('m')['m/0/w'], c!.toArrays('m')['m/0/w']);
    for (const m of [a, b, c]) m!.dispose();
  });

  it('has the same gradients as tf.matMul’s own (the transpose-free dense op)', () => {
    const m = new Mlp({ inputDim: 4, hiddenSizes: [16, 16], outputDim: 3 }, new Rng(3));
    const x = tf.randomNormal([32, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
    const reference = (): tf.Scalar => {
      let h: tf.Tensor2D = x;
      for (let k = 0; k < 3; k++) {
        h = tf.add(tf.matMul(h, m.variables[2 * k] as tf.Tensor2D), m.variables[2 * k + 1]!) as tf.Tensor2D;
        if (k < 2) h = tf.tanh(h);
      }
      return tf.sum(tf.square(h)) as tf.Scalar;
    };
    const ours = tf.variableGrads(
      () => tf.sum(tf.square(m.apply(x))) as tf.Scalar,
      m.variables as tf.Variable[],
    );
    const ref = tf.variableGrads(reference, m.variables as tf.Variable[]);
    assert.ok(Math.abs(ours.value.dataSync()[0]! - ref.value.dataSync()[0]!) < 1e-4);
    for (const v of m.variables) {
      const diff = tf.max(tf.abs(tf.sub(ours.grads[v.name]!, ref.grads[v.name]!))).dataSync()[0]!;
      assert.ok(diff < 1e-4, `${v.name}: max |Δgrad| = ${diff}`);
    }
    tf.dispose([x, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    m.dispose();
  });

  for (const activation of ['tanh', 'relu'] as const)
    it(`backward() and inputGradient() give a tape's gradients bit for bit (${activation}), forwardTrace() apply()'s output`, () => {
      const net = new Mlp({ inputDim: 5, hiddenSizes: [16, 8], outputDim: 3, activation }, new Rng(4));
      const rng = new Rng(5);
      const x = tf.tensor2d(
        Float32Array.from({ length: 6 * 5 }, () => rng.normal()),
        [6, 5],
      );
      const dOut = tf.tensor2d(
        Float32Array.from({ length: 6 * 3 }, () => rng.normal()),
        [6, 3],
      );
      const loss = (input: tf.Tensor) => tf.sum(tf.mul(net.apply(input as tf.Tensor2D), dOut)) as tf.Scalar;
      const tape = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => loss(x), [...net.variables]);
        return net.variables.map((v) => Array.from(grads[v.name]!.dataSync()));
      });
      const tapeInput = tf.tidy(() => Array.from(tf.grad(loss)(x).dataSync()));
      const { out, applied, manual, manualInput } = tf.tidy(() => {
        const trace = net.forwardTrace(x);
        return {
          out: Array.from(trace.out.dataSync()),
          applied: Array.from(net.apply(x).dataSync()),
          manual: net.backward(trace, dOut).map((g) => Array.from(g.dataSync())),
          manualInput: Array.from(net.inputGradient(trace, dOut).dataSync()),
        };
      });
      assert.deepEqual(out, applied);
      assert.deepEqual(manual, tape);
      assert.deepEqual(manualInput, tapeInput);
      tf.dispose([x, dOut]);
      net.dispose();
    });

  it('tanhViaSigmoid is tanh within float rounding, saturating at ±1', () => {
    const xs = Float32Array.from({ length: 4001 }, (_, i) => -20 + i * 0.01);
    const [got, want] = tf.tidy(() => {
      const t = tf.tensor2d(xs, [1, xs.length]);
      return [tanhViaSigmoid(t).dataSync(), tf.tanh(t).dataSync()];
    });
    const err = Math.max(...Array.from(got!, (g, i) => Math.abs(g - want![i]!)));
    assert.ok(err < 5e-7, `max |2σ(2x) − 1 − tanh x| = ${err}`);
    assert.equal(got![0], -1);
    assert.equal(got![xs.length - 1], 1);
  });

  it('computes J·v (jvp) that agrees with a central finite difference', () => {
    const m = new Mlp({ inputDim: 3, hiddenSizes: [8], outputDim: 2, outputGain: 1 }, new Rng(4));
    const rng = new Rng(5);
    const x = tf.tensor2d(
      Float32Array.from({ length: 12 }, () => rng.normal()),
      [4, 3],
    );
    const tangents = m.variables.map((v) =>
      tf.tensor(
        Float32Array.from({ length: v.size }, () => rng.normal()),
        v.shape,
      ),
    );
    const jv = tf.tidy(() => m.jvp(x, tangents).dOut.dataSync());
    const eps = 1e-2;
    const at = (sign: number) => {
      const saved = m.variables.map((v) => v.dataSync().slice());
      tf.tidy(() => {
        m.variables.forEach((v, i) => {
          v.assign(tf.add(v, tf.mul(sign * eps, tangents[i]!)));
        });
      });
      const out = tf.tidy(() => m.apply(x).dataSync());
      tf.tidy(() => {
        m.variables.forEach((v, i) => {
          v.assign(tf.tensor(saved[i]!, v.shape));
        });
      });
      return out;
    };
    const plus = at(1);
    const minus = at(-1);
    for (let i = 0; i < jv.length; i++) {
      const fd = (plus[i]! - minus[i]!) / (2 * eps);
      assert.ok(Math.abs(jv[i]! - fd) < 2e-2 * (1 + Math.abs(fd)), `element ${i}: jvp ${jv[i]} vs fd ${fd}`);
    }
    tf.dispose([x, ...tangents]);
    m.dispose();
  });

  it('loads what it saved, rejects other shapes with both named, and disposes idempotently', () => {
    const a = new Mlp({ inputDim: 3, hiddenSizes: [5], outputDim: 2 }, new Rng(1));
    const b = new Mlp({ inputDim: 3, hiddenSizes: [5], outputDim: 2 }, new Rng(2));
    b.loadArrays(a.toArrays('net'), 'net');
    assert.deepEqual(b.toArrays('net'), a.toArrays('net'));
    const wide = new Mlp({ inputDim: 3, hiddenSizes: [6], outputDim: 2 }, new Rng(1));
    assert.throws(
      () => wide.loadArrays(a.toArrays('net'), 'net'),
      /array "net\/0\/w" has shape \[3, 5\].*expected \[3, 6\]/,
    );
    assert.throws(() => wide.loadArrays(a.toArrays('other'), 'net'), /missing array "net\/0\/w"/);
    const before = tf.memory().numTensors;
    a.dispose();
    a.dispose();
    assert.equal(tf.memory().numTensors, before - 4);
    assert.throws(() => a.toArrays('net'), /Mlp: used after dispose/);
    b.dispose();
    wide.dispose();
  });

  it('rejects bad sizes', () => {
    assert.throws(
      () => new Mlp({ inputDim: 0, hiddenSizes: [], outputDim: 1 }, new Rng(1)),
      /MLP inputDim: expected a positive integer, got 0/,
    );
  });
});

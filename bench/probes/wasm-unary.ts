/**
 * Probe: the cost of elementwise kernels on the wasm backend for a 64 × 64 activation (a hidden layer of
 * the 2×64 policy or value net on a PPO minibatch of 64): tanh against sigmoid, exp, square and add,
 * three interleaved rounds. On tfjs-backend-wasm 4.22 Tanh is a scalar libm loop, several times a
 * Sigmoid (XNNPACK, SIMD) in isolation; but swapping tanh for 2σ(2x) − 1 in the networks made a whole PPO
 * update slower (measured in one process, alternating, load ~10: 3.6–5.0 ms a minibatch step with tanh,
 * 5.3–5.7 with the sigmoid form), since it adds three kernels per layer: per-kernel dispatch still
 * dominates (issue 14). Run: npx tsx bench/probes/wasm-unary.ts
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/learn/backend.js';

await useBackend('wasm');
const REPEATS = 2000;
const x = tf.randomNormal([64, 64]) as tf.Tensor2D;
const time = (f: () => tf.Tensor): number => {
  for (let i = 0; i < 100; i++) tf.tidy(() => void f());
  const s = performance.now();
  for (let i = 0; i < REPEATS; i++) tf.tidy(() => void f());
  return ((performance.now() - s) / REPEATS) * 1000;
};
for (let round = 0; round < 3; round++) {
  const cells = Object.entries({
    tanh: () => tf.tanh(x),
    sigmoid: () => tf.sigmoid(x),
    exp: () => tf.exp(x),
    square: () => tf.square(x),
    add: () => tf.add(x, x),
  }).map(([name, f]) => `${name} ${time(f).toFixed(1)} µs`);
  process.stdout.write(`${cells.join(', ')}\n`);
}
x.dispose();

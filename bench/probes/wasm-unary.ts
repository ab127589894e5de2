/**
 * Probe: the cost of elementwise kernels on the wasm backend for a 64 × 64 activation (a hidden layer of
 * the 2×64 policy or value net on a PPO minibatch of 64): tanh against sigmoid, exp, square and add,
 * three interleaved rounds. On tfjs-backend-wasm 4.22 Tanh is a scalar libm loop, ~10× an Add; the PPO
 * minibatch step runs four of them (two per network), so it is the next target after the kernel count
 * (issue 14). Run: npx tsx bench/probes/wasm-unary.ts
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

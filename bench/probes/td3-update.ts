/**
 * The cost of one TD3 update (src/learn/td3.ts: critic step, and every second call the actor step and
 * the Polyak update) on the wasm backend, by network width and minibatch, for Hopper's sizes (11
 * observations, 3 actions). Run: `npx tsx bench/probes/td3-update.ts`; docs/dac.md has the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { parseBackendChoice, useBackend } from '../../src/learn/backend.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { Td3Learner } from '../../src/learn/td3.js';

const backend = await useBackend(parseBackendChoice('wasm'));
console.log(backend.description);
const D = 11;
const A = 3;
const bounds = { low: [-1, -1, -1], high: [1, 1, 1] };
for (const [hidden, n] of [
  [[256, 256], 256],
  [[256, 256], 100],
  [[128, 128], 256],
  [[128, 128], 100],
  [[64, 64], 256],
  [[64, 64], 100],
] as const) {
  const policy = new GaussianPolicy(
    { obsDim: D, actDim: A, hiddenSizes: hidden, activation: 'relu', output: 'tanh', actionBounds: bounds },
    0,
  );
  const td3 = new Td3Learner(policy, { criticHidden: hidden });
  const random = (k: number) => Float32Array.from({ length: k }, () => Math.random());
  const real = (k: number) => random(k).map((v, i) => (i % (D + 1) === D ? 0 : v));
  const batch = {
    n,
    obs: real(n * (D + 1)),
    actions: random(n * A),
    rewards: random(n),
    nextObs: real(n * (D + 1)),
    discounts: new Float32Array(n).fill(0.99),
  };
  for (let i = 0; i < 20; i++) td3.update(batch);
  const runs = 200;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) td3.update(batch);
  const ms = (performance.now() - t0) / runs;
  console.log(
    `critics/actor ${hidden.join('×')}, batch ${n}: ${ms.toFixed(2)} ms/update (tensors ${tf.memory().numTensors})`,
  );
  td3.dispose();
  policy.dispose();
}

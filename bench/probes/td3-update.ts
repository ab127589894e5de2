/**
 * The cost of DAC's two training steps on the wasm backend, for Hopper's sizes (11 observations, 3
 * actions): one TD3 update (src/learn/td3.ts: critic step, and every second call the actor step and the
 * Polyak update) by network width and minibatch, and one discriminator step (gradient penalty 10, the
 * indicator left out) by width, batch 100 a side. CPU time of this process per step (user + system, so
 * other processes on a shared machine do not count) and wall time.
 * Run: `npx tsx bench/probes/td3-update.ts`; docs/dac.md has the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { parseBackendChoice, useBackend } from '../../src/learn/backend.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { Td3Learner } from '../../src/learn/td3.js';

const backend = await useBackend(parseBackendChoice('wasm'));
console.log(backend.description);
const D = 11;
const A = 3;
const bounds = { low: [-1, -1, -1], high: [1, 1, 1] };
const random = (k: number) => Float32Array.from({ length: k }, () => Math.random());
const real = (k: number) => random(k).map((v, i) => (i % (D + 1) === D ? 0 : v));

/** CPU and wall ms per call of `f` over `runs` calls, after 10 warm-up calls. */
function cost(f: () => void, runs = 100): string {
  for (let i = 0; i < 10; i++) f();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) f();
  const c = process.cpuUsage(c0);
  return `${((c.user + c.system) / 1000 / runs).toFixed(2)} ms CPU, ${((performance.now() - t0) / runs).toFixed(2)} ms wall`;
}

for (const [hidden, n] of [
  [[256, 256], 100],
  [[128, 128], 100],
  [[64, 64], 256],
  [[64, 64], 100],
  [[32, 32], 100],
] as const) {
  const policy = new GaussianPolicy(
    { obsDim: D, actDim: A, hiddenSizes: hidden, activation: 'relu', output: 'tanh', actionBounds: bounds },
    0,
  );
  const td3 = new Td3Learner(policy, { criticHidden: hidden });
  const batch = {
    n,
    obs: real(n * (D + 1)),
    actions: random(n * A),
    rewards: random(n),
    nextObs: real(n * (D + 1)),
    discounts: new Float32Array(n).fill(0.99),
  };
  console.log(`TD3 update, critics/actor ${hidden.join('×')}, batch ${n}: ${cost(() => td3.update(batch))}`);
  td3.dispose();
  policy.dispose();
}
const n = 100;
const pairs = { n, obsDim: D + 1, actDim: A, absorbing: true, obs: real(n * (D + 1)), acts: random(n * A) };
const rng = new Rng(2);
for (const hidden of [
  [100, 100],
  [64, 64],
  [32, 32],
]) {
  const disc = new Discriminator(
    D,
    A,
    true,
    { hiddenSizes: hidden, gradientPenalty: 10, penaltyIgnoresIndicator: true },
    new Rng(1),
  );
  console.log(
    `D step, ${hidden.join('×')} tanh, batch ${n} a side: ${cost(() => disc.step(pairs, pairs, rng))}`,
  );
  disc.dispose();
}
console.log(`tensors left: ${tf.memory().numTensors}`);

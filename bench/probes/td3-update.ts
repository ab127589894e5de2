/**
 * The cost of DAC's training steps on the wasm backend, for Hopper's sizes (11 observations, 3 actions):
 * one TD3 update (src/learn/td3.ts: critic step, and every second call the actor step and the Polyak
 * update) by network width and minibatch, one discriminator step (gradient penalty 10, the indicator left
 * out) by width, batch 100 a side, and the discriminator's logits for a TD3 minibatch's rewards; then the
 * sum DAC pays per env step at the defaults (one of each). CPU time of this process per step (user +
 * system, so other processes on a shared machine do not count) and wall time, each the median of
 * `rounds` interleaved measurements (a shared machine's load comes and goes).
 * Run: `npx tsx bench/probes/td3-update.ts [rounds, default 3]`; docs/dac.md has the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { parseBackendChoice, useBackend } from '../../src/learn/backend.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { Td3Learner } from '../../src/learn/td3.js';

const backend = await useBackend(parseBackendChoice('wasm'));
console.log(backend.description);
const rounds = Number(process.argv[2] ?? 3);
const D = 11;
const A = 3;
const bounds = { low: [-1, -1, -1], high: [1, 1, 1] };
const random = (k: number) => Float32Array.from({ length: k }, () => Math.random());
const real = (k: number) => random(k).map((v, i) => (i % (D + 1) === D ? 0 : v));

/** One measurement: CPU and wall ms per call of `f` over `runs` calls, after 10 warm-up calls. */
function cost(f: () => void, runs = 100): { cpu: number; wall: number } {
  for (let i = 0; i < 10; i++) f();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) f();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / runs, wall: (performance.now() - t0) / runs };
}

interface Case {
  readonly name: string;
  readonly run: () => void;
  readonly dispose: () => void;
}

function td3Case(hidden: readonly number[], n: number): Case {
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
  return {
    name: `TD3 update, critics/actor ${hidden.join('×')}, batch ${n}`,
    run: () => td3.update(batch),
    dispose: () => {
      td3.dispose();
      policy.dispose();
    },
  };
}

const n = 100;
const pairs = { n, obsDim: D + 1, actDim: A, absorbing: true, obs: real(n * (D + 1)), acts: random(n * A) };
const rng = new Rng(2);
function discCase(hidden: readonly number[], what: 'step' | 'logits'): Case {
  const disc = new Discriminator(
    D,
    A,
    true,
    { hiddenSizes: hidden, gradientPenalty: 10, penaltyIgnoresIndicator: true },
    new Rng(1),
  );
  return {
    name:
      what === 'step'
        ? `D step, ${hidden.join('×')} tanh, batch ${n} a side`
        : `D logits, ${hidden.join('×')}, ${n} pairs (a TD3 minibatch's rewards)`,
    run: what === 'step' ? () => disc.step(pairs, pairs, rng) : () => disc.logits(pairs),
    dispose: () => disc.dispose(),
  };
}

const cases = [
  td3Case([256, 256], 100),
  td3Case([128, 128], 100),
  td3Case([64, 64], 256),
  td3Case([64, 64], 100),
  td3Case([32, 32], 100),
  discCase([100, 100], 'step'),
  discCase([64, 64], 'step'),
  discCase([32, 32], 'step'),
  discCase([100, 100], 'logits'),
];
const defaults = [3, 5, 8];
const results = cases.map(() => [] as { cpu: number; wall: number }[]);
for (let r = 0; r < rounds; r++) for (const [i, c] of cases.entries()) results[i]!.push(cost(c.run));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const med = results.map((rs) => ({ cpu: median(rs.map((x) => x.cpu)), wall: median(rs.map((x) => x.wall)) }));
cases.forEach((c, i) => {
  console.log(`${c.name}: ${med[i]!.cpu.toFixed(2)} ms CPU, ${med[i]!.wall.toFixed(2)} ms wall`);
});
const perStep = defaults.reduce((s, i) => s + med[i]!.cpu, 0);
console.log(
  `per env step at the defaults (TD3 2×64 batch 100 + D step 2×100 + D logits): ${perStep.toFixed(2)} ms CPU`,
);
for (const c of cases) c.dispose();
console.log(`tensors left: ${tf.memory().numTensors}`);

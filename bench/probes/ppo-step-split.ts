/**
 * Probe: where a PPO minibatch step's time goes on this backend (2×64 tanh, Hopper-sized obs 11 / act 3,
 * minibatch 64, as GAIL's PPO runs it): the whole PpoLearner.update of a 2048-sample batch (320 steps),
 * and, per step, the loss + gradient alone (through a tape over a simplified loss, and the learner's own
 * tape-free path over the whole PPO loss) and the Adam step alone; op counts from tf.profile.
 * Run: npx tsx bench/probes/ppo-step-split.ts [backend]
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Adam } from '../../src/learn/adam.js';
import { useBackend } from '../../src/learn/backend.js';
import { GaussianPolicy, gaussianLogProb } from '../../src/learn/gaussian-policy.js';
import { PpoLearner, ppoLossHead } from '../../src/learn/ppo.js';
import type { RolloutBatch } from '../../src/learn/types.js';

const OBS = 11;
const ACT = 3;
const N = 2048;
const MB = 64;
const REPEATS = 200;

await useBackend((process.argv[2] as 'wasm') ?? 'wasm');
const rng = new Rng(1);
const policy = new GaussianPolicy({ obsDim: OBS, actDim: ACT, hiddenSizes: [64, 64] }, 1);
const learner = new PpoLearner(policy, { seed: 1 });

function batch(): RolloutBatch {
  const obs = new Float32Array(N * OBS).map(() => rng.normal());
  const { actions, logProbs } = policy.act(obs, N, 'stochastic');
  return {
    numSteps: N,
    numEnvs: 1,
    obsDim: OBS,
    actDim: ACT,
    obs,
    actions,
    logProbs,
    rewards: new Float32Array(N).map(() => rng.normal()),
    terminated: new Uint8Array(N),
    truncated: new Uint8Array(N),
    finalObs: new Float32Array(N * OBS),
    lastObs: new Float32Array(OBS).map(() => rng.normal()),
  };
}

const b = batch();
learner.update(b);
const t0 = performance.now();
const updates = 3;
for (let i = 0; i < updates; i++) learner.update(b);
const perUpdate = (performance.now() - t0) / updates / 1000;

const vars = [...policy.variables, ...learner.value.net.variables];
const adam = new Adam(vars);
const obs = tf.tensor2d(b.obs.subarray(0, MB * OBS), [MB, OBS]);
const act = tf.tensor2d(b.actions.subarray(0, MB * ACT), [MB, ACT]);
const lossAndGrads = () =>
  tf.variableGrads(() => {
    const logp = gaussianLogProb(policy.mean.apply(obs), policy.logStd, act);
    const v = learner.value.apply(obs);
    return tf.add(tf.neg(tf.mean(logp)), tf.mean(tf.square(v))) as tf.Scalar;
  }, vars);
const time = (f: () => void): number => {
  for (let i = 0; i < 20; i++) f();
  const s = performance.now();
  for (let i = 0; i < REPEATS; i++) f();
  return (performance.now() - s) / REPEATS / 1000;
};
const grad = time(() => tf.tidy(() => void lossAndGrads().grads));
// The learner's own path (ppo.ts step): forward traces, the loss head in JS, backward without a tape.
const mbRows = MB;
const headIn = () => ({
  actions: b.actions.subarray(0, mbRows * ACT),
  oldLogProbs: b.logProbs.subarray(0, mbRows),
  advantages: b.rewards.subarray(0, mbRows),
  returns: b.rewards.subarray(0, mbRows),
  oldValues: new Float32Array(mbRows),
  rows: mbRows,
  actDim: ACT,
});
const manualGrads = () =>
  tf.tidy(() => {
    const pi = policy.mean.forwardTrace(obs);
    const v = learner.value.net.forwardTrace(obs);
    const head = ppoLossHead(
      {
        ...headIn(),
        mean: pi.out.dataSync() as Float32Array,
        logStd: policy.logStd.dataSync() as Float32Array,
        values: v.out.dataSync() as Float32Array,
      },
      learner.config,
    )!;
    const grads = [
      ...policy.mean.backward(pi, tf.tensor2d(head.dMean, [mbRows, ACT])),
      tf.tensor1d(head.dLogStd),
      ...learner.value.net.backward(v, tf.tensor2d(head.dValues, [mbRows, 1])),
    ];
    for (const g of grads) g.dataSync();
  });
const manual = time(manualGrads);
const fixedGrads = tf.tidy(() => {
  const { grads } = lossAndGrads();
  return vars.map((x) => tf.keep(grads[x.name]!));
});
const adamStep = time(() => adam.apply(fixedGrads, 1e-7));
const prof = async (f: () => void) => (await tf.profile(f)).kernels.length;
const gradOps = await prof(() => tf.tidy(() => void lossAndGrads().grads));
const adamOps = await prof(() => adam.apply(fixedGrads, 1e-7));
const manualOps = await prof(manualGrads);
process.stdout.write(
  `${tf.getBackend()}: PPO update of ${N} samples (320 steps of ${MB}): ${(perUpdate * 1000).toFixed(0)} ms = ${((perUpdate / 320) * 1e3).toFixed(2)} ms/step\n` +
    `  loss+grad (policy logp + value): ${(grad * 1e3).toFixed(2)} ms, ${gradOps} kernels\n` +
    `  Adam over ${vars.length} variables: ${(adamStep * 1e3).toFixed(2)} ms, ${adamOps} kernels\n` +
    `  the learner's PPO loss+grad (forward traces, JS loss head, tape-free backward): ${(manual * 1e3).toFixed(2)} ms, ${manualOps} kernels\n`,
);

if (process.argv.includes('--kernels')) {
  const p = await tf.profile(() => tf.tidy(() => void lossAndGrads().grads));
  const by = new Map<string, { n: number; ms: number }>();
  for (const k of p.kernels) {
    const e = by.get(k.name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += Number(k.kernelTimeMs) || 0;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
  process.stdout.write(`  kernel time inside loss+grad: ${total.toFixed(2)} ms of the step's\n`);
  for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12))
    process.stdout.write(`    ${name.padEnd(16)} ×${e.n}  ${e.ms.toFixed(3)} ms\n`);
}

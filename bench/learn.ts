/**
 * `npm run bench -- learn`: the TensorFlow.js learner's speed on every backend this machine can load.
 *
 * Rows `<backend>-<h>x<h>` (2 hidden layers of h = 64 or 256, HalfCheetah-sized obs 17 / act 6):
 *   - PPO update: one `PpoLearner.update` on a 2048-sample batch (10 epochs × 32 minibatches of 64,
 *     CleanRL's MuJoCo settings); reported as batch samples consumed per second of update time
 *   - Adam step on a batch of 2048 through the policy MLP, with this project's transpose-free dense
 *     gradient and with tf.matMul's own gradient (the DESIGN.md measurement this choice rests on)
 *   - single-observation act() latency p50/p99, and batched act() throughput (256 observations a call)
 * Row `iteration-<task>`: one PPO iteration on a real task (4 envs × 512 steps through the streams
 *   pipeline, then the update), split into the env share (stepping + acting) and the learner share.
 * Rows `expert-<task>`: wall-clock and env steps each shipped expert (experts/*.policy) took.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { take } from 'rxjs';
import { Rng } from '../src/core/rng.js';
import { readPolicyFile } from '../src/data/policy-file.js';
import { availableBackends, type BackendInfo, useBackend } from '../src/learn/backend.js';
import { GaussianPolicy } from '../src/learn/gaussian-policy.js';
import { Mlp } from '../src/learn/mlp.js';
import { PpoLearner } from '../src/learn/ppo.js';
import type { RolloutBatch } from '../src/learn/types.js';
import { makeTaskEnv } from '../src/sim/tasks/index.js';
import { collectRollouts } from '../src/streams/collector.js';
import { envSource, envsAsBatch } from '../src/streams/env-source.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples, timeSeconds } from './lib/stats.js';

const OBS_DIM = 17;
const ACT_DIM = 6;
const BATCH = 2048;
const WIDTHS = [64, 256] as const;
const ITERATION_TASK = 'hopper';
const DEFAULT_REPEATS = 3;

const COLUMNS: readonly Column[] = [
  { key: 'what', title: 'what', format: 'text' },
  { key: 'ppoSamples', title: 'PPO update (samples/s)', format: 'rate', unit: 'batch samples/s' },
  { key: 'ppoUpdate', title: 'PPO update', format: 'seconds', unit: 's per 2048-sample update' },
  {
    key: 'adamStep',
    title: 'grad step b2048',
    format: 'seconds',
    unit: 's (forward + backward, batch 2048)',
  },
  { key: 'adamStepPlain', title: 'same, tf.matMul grad', format: 'seconds', unit: 's' },
  { key: 'act1p50', title: 'act(1) p50', format: 'seconds', unit: 's' },
  { key: 'act1p99', title: 'act(1) p99', format: 'seconds', unit: 's' },
  { key: 'actBatch', title: 'act(256) obs/s', format: 'rate', unit: 'observations/s' },
  { key: 'envShare', title: 'env share', format: 'percent', unit: 'fraction of iteration wall time' },
  { key: 'envSeconds', title: 'env time', format: 'seconds', unit: 's per iteration' },
  { key: 'learnerSeconds', title: 'learner time', format: 'seconds', unit: 's per iteration' },
  { key: 'envSteps', title: 'env steps', format: 'count' },
  { key: 'wallSeconds', title: 'wall', format: 'seconds', unit: 's' },
  { key: 'evalReturn', title: 'expert return', format: 'text' },
];

/** The dense-gradient choice is worth keeping only while it stays clearly faster (DESIGN: 4.6×). */
const TARGETS: readonly TargetSpec[] = [
  {
    key: 'act1p50',
    description: 'single-observation act() at most 200 µs (p50), far below any control period',
    column: 'act1p50',
    comparison: 'atMost',
    threshold: 200e-6,
  },
];

/** A random 2048-sample batch with HalfCheetah's sizes (one env, truncated at the end). */
function syntheticBatch(policy: GaussianPolicy, rng: Rng): RolloutBatch {
  const obs = Float32Array.from({ length: BATCH * OBS_DIM }, () => rng.normal());
  const { actions, logProbs } = policy.act(obs, BATCH, 'stochastic');
  const truncated = new Uint8Array(BATCH);
  for (let t = 999; t < BATCH; t += 1000) truncated[t] = 1;
  return {
    numSteps: BATCH,
    numEnvs: 1,
    obsDim: OBS_DIM,
    actDim: ACT_DIM,
    obs,
    actions,
    logProbs,
    rewards: Float32Array.from({ length: BATCH }, () => rng.normal()),
    terminated: new Uint8Array(BATCH),
    truncated,
    finalObs: Float32Array.from({ length: BATCH * OBS_DIM }, () => rng.normal()),
    lastObs: Float32Array.from({ length: OBS_DIM }, () => rng.normal()),
  };
}

/** Seconds of one Adam-like gradient step (gradients only; the update itself is a few element-wise ops). */
function gradStepSeconds(mlp: Mlp, x: tf.Tensor2D, plain: boolean): number {
  const vars = mlp.variables as tf.Variable[];
  const plainApply = (): tf.Tensor2D => {
    let h = x;
    for (let k = 0; k < mlp.numLayers; k++) {
      h = tf.add(tf.matMul(h, vars[2 * k] as tf.Tensor2D), vars[2 * k + 1]!) as tf.Tensor2D;
      if (k < mlp.numLayers - 1) h = tf.tanh(h);
    }
    return h;
  };
  return timeSeconds(() => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(plain ? plainApply() : mlp.apply(x))) as tf.Scalar,
        vars,
      );
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
    });
  });
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

async function measureBackend(
  backend: BackendInfo,
  ctx: BenchContext,
  samples: Samples,
  repeats: number,
  quick: boolean,
): Promise<void> {
  await useBackend(backend.name as 'wasm' | 'cpu' | 'tensorflow');
  // The cpu backend is ~50× slower; fewer epochs keep its row in minutes, throughput stays per sample.
  const epochs = quick ? 1 : backend.name === 'cpu' ? 1 : 10;
  for (const h of WIDTHS) {
    const key = `${backend.name}-${h}x${h}`;
    if (ctx.options.only && !ctx.options.only.includes(key)) continue;
    const rng = new Rng(1);
    const policy = new GaussianPolicy({ obsDim: OBS_DIM, actDim: ACT_DIM, hiddenSizes: [h, h] }, 1);
    const ppo = new PpoLearner(policy, { valueHiddenSizes: [h, h], epochs, lrSchedule: 'constant' });
    const mlp = new Mlp({ inputDim: OBS_DIM, hiddenSizes: [h, h], outputDim: ACT_DIM }, new Rng(2));
    const x = tf.randomNormal([BATCH, OBS_DIM]) as tf.Tensor2D;
    try {
      const batch = syntheticBatch(policy, rng);
      ppo.update(batch); // warm-up (kernel compilation, allocations)
      gradStepSeconds(mlp, x, false);
      gradStepSeconds(mlp, x, true);
      const one = new Float32Array(OBS_DIM);
      const many = Float32Array.from({ length: 256 * OBS_DIM }, () => rng.normal());
      for (let i = 0; i < 200; i++) policy.act(one, 1, 'stochastic');
      for (let r = 0; r < repeats; r++) {
        const s = timeSeconds(() => ppo.update(batch));
        samples.add(key, 'ppoUpdate', (s * 10) / epochs);
        samples.add(key, 'ppoSamples', (BATCH * epochs) / 10 / s);
        samples.add(key, 'adamStep', gradStepSeconds(mlp, x, false));
        samples.add(key, 'adamStepPlain', gradStepSeconds(mlp, x, true));
        const lat: number[] = [];
        for (let i = 0; i < (quick ? 200 : 2000); i++) {
          const t0 = process.hrtime.bigint();
          policy.act(one, 1, 'stochastic');
          lat.push(Number(process.hrtime.bigint() - t0) / 1e9);
        }
        samples.add(key, 'act1p50', percentile(lat, 0.5));
        samples.add(key, 'act1p99', percentile(lat, 0.99));
        const calls = quick ? 20 : 200;
        const s2 = timeSeconds(() => {
          for (let i = 0; i < calls; i++) policy.act(many, 256, 'stochastic');
        });
        samples.add(key, 'actBatch', (calls * 256) / s2);
        ctx.log(
          `  ${key} round ${r + 1}/${repeats}: PPO update ${((s * 10) / epochs).toFixed(2)} s (10-epoch equivalent)`,
        );
      }
    } finally {
      x.dispose();
      mlp.dispose();
      ppo.dispose();
      policy.dispose();
    }
  }
}

async function measureIteration(
  ctx: BenchContext,
  samples: Samples,
  repeats: number,
  quick: boolean,
): Promise<void> {
  const key = `iteration-${ITERATION_TASK}`;
  if (ctx.options.only && !ctx.options.only.includes(key)) return;
  await useBackend('auto');
  const probe = await makeTaskEnv(ITERATION_TASK);
  const obsDim = probe.spec.observation.names.length;
  const actDim = probe.spec.action.names.length;
  probe.dispose();
  const policy = new GaussianPolicy({ obsDim, actDim, hiddenSizes: [64, 64] }, 1);
  const ppo = new PpoLearner(policy, { lrSchedule: 'constant', ...(quick ? { epochs: 1 } : {}) });
  const envs = await Promise.all([0, 1, 2, 3].map((i) => makeTaskEnv(ITERATION_TASK, { seed: i })));
  const iterations = repeats + 1;
  try {
    await new Promise<void>((resolve, reject) => {
      let last = performance.now();
      let n = 0;
      envSource(() => envsAsBatch(envs, 1), policy)
        .pipe(collectRollouts({ numSteps: quick ? 64 : 512, absorbing: false }), take(iterations))
        .subscribe({
          next: (r) => {
            const collected = performance.now();
            ppo.update(r.batch);
            const updated = performance.now();
            // The first iteration warms up (JIT, kernels) and is not recorded.
            if (n++ > 0) {
              const envS = (collected - last) / 1000;
              const learnS = (updated - collected) / 1000;
              samples.add(key, 'envSeconds', envS);
              samples.add(key, 'learnerSeconds', learnS);
              samples.add(key, 'envShare', envS / (envS + learnS));
              ctx.log(`  ${key}: env ${envS.toFixed(2)} s, learner ${learnS.toFixed(2)} s`);
            }
            last = performance.now();
          },
          error: reject,
          complete: resolve,
        });
    });
  } finally {
    ppo.dispose();
    policy.dispose();
  }
}

async function expertRows(): Promise<Row[]> {
  const dir = 'experts';
  if (!existsSync(dir)) return [];
  const rows: Row[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.policy'))
    .sort()) {
    const r = await readPolicyFile(join(dir, f));
    const wall = Number(r.training.extra?.['wallSeconds']);
    rows.push({
      key: `expert-${f.replace(/\.policy$/, '')}`,
      cells: {
        what: `${f.replace(/\.policy$/, '')}: ${r.training.algo} expert, ${r.training.extra?.['backend'] ?? '?'} backend`,
        envSteps: r.training.envSteps,
        wallSeconds: Number.isFinite(wall) ? wall : null,
        evalReturn: r.training.evalReturn === undefined ? null : r.training.evalReturn.toFixed(1),
      },
    });
  }
  return rows;
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const quick = ctx.options.quick;
  const repeats = quick ? 1 : (ctx.options.repeats ?? DEFAULT_REPEATS);
  const samples = new Samples();
  const backends = await availableBackends();
  const notes: string[] = [];
  if (!backends.some((b) => b.name === 'tensorflow')) {
    notes.push(
      'tensorflow backend not measured: @tensorflow/tfjs-node(-gpu) is not installed on this machine.',
    );
  }
  const rows: Row[] = [];
  for (const b of backends) {
    ctx.log(b.description);
    await measureBackend(b, ctx, samples, repeats, quick);
    for (const h of WIDTHS) {
      const key = `${b.name}-${h}x${h}`;
      if (samples.get(key, 'ppoUpdate').length === 0) continue;
      rows.push(
        samples.row(key, `${b.name}, 2×${h} tanh, obs ${OBS_DIM} act ${ACT_DIM}`, [
          'ppoSamples',
          'ppoUpdate',
          'adamStep',
          'adamStepPlain',
          'act1p50',
          'act1p99',
          'actBatch',
        ]),
      );
    }
    if (b.name === 'cpu') notes.push('cpu rows ran 1 epoch per update; PPO times are scaled to 10 epochs.');
  }
  await measureIteration(ctx, samples, repeats, quick);
  const iterKey = `iteration-${ITERATION_TASK}`;
  if (samples.get(iterKey, 'envShare').length > 0) {
    rows.push(
      samples.row(iterKey, `PPO iteration on ${ITERATION_TASK}: 4 envs × 512 steps + update (auto backend)`, [
        'envShare',
        'envSeconds',
        'learnerSeconds',
      ]),
    );
  }
  rows.push(...(await expertRows()));
  await useBackend('auto');
  return {
    bench: 'learn',
    title: 'TensorFlow.js learner: PPO update throughput, act latency, env vs learner share',
    measured: [
      `PPO update: median of ${repeats} timed updates on one 2048-sample batch after one warm-up update.`,
      'grad step: forward + backward of a 2×h MLP on a 2048 batch, transpose-free dense (ours) vs tf.matMul gradient.',
      'act(1): 2000 single-observation calls per round, p50 and p99; act(256): 200 calls of 256 observations.',
      `PPO iteration: ${repeats} iterations after one warm-up; env share = collection time / (collection + update).`,
      'Expert rows: read from experts/*.policy (training.envSteps and the wall-clock the expert command stored).',
    ],
    backend: backends.map((b) => b.description.replace(/^backend: /, '')).join('; '),
    columns: COLUMNS,
    rows,
    targets: TARGETS,
    notes,
    samples: samples.toJSON(),
  };
}

export const bench: Bench = {
  name: 'learn',
  description: 'PPO update throughput, act latency p50/p99, batched act, env vs learner share, expert costs',
  rowKeys: [
    ...['wasm', 'cpu', 'tensorflow'].flatMap((b) => WIDTHS.map((h) => `${b}-${h}x${h}`)),
    `iteration-${ITERATION_TASK}`,
  ],
  run,
};

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { type GailLoopConfig, type IterationMetrics, trainGail } from '../../src/gail/trainer.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { PpoLearner } from '../../src/learn/ppo.js';
import { envSource, envsAsBatch } from '../../src/streams/env-source.js';
import { pairComposition, trajectoryPairs } from '../../src/streams/pairs.js';
import { testBackend } from '../learn/helpers.js';
import { expertAction, expertTrajectories, LineEnv } from './fake-env.js';

function setup(seed: number, absorbing = true, diverging = false) {
  const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [16, 16], initLogStd: -0.5 }, seed);
  const learner = new PpoLearner(policy, {
    seed,
    epochs: 4,
    numMinibatches: 4,
    learningRate: 3e-3,
    lrSchedule: 'constant',
    valueHiddenSizes: [16, 16],
  });
  const disc = new Discriminator(
    1,
    1,
    absorbing,
    { hiddenSizes: [32, 32], learningRate: 1e-3 },
    new Rng(seed),
  );
  const expert = trajectoryPairs(expertTrajectories(8, 100), {
    absorbing,
    subsample: 1,
    absorbingHorizon: 40,
  }).pairs;
  disc.observe(expert);
  const envs: LineEnv[] = [];
  const source = envSource(() => {
    const made = [new LineEnv(seed, 40, diverging), new LineEnv(seed + 1, 40, diverging)];
    envs.push(...made);
    return envsAsBatch(made, seed);
  }, policy);
  const dispose = () => {
    learner.dispose();
    policy.dispose();
    disc.dispose();
  };
  return { policy, learner, disc, discriminator: disc, expert, source, envs, dispose };
}

const base: GailLoopConfig = {
  numSteps: 64,
  totalEnvSteps: 128 * 3,
  absorbing: true,
  absorbingHorizon: 40,
  discStepsPerRound: 2,
  discBatchSize: 64,
  reward: 'gail',
  gamma: 0.99,
  maxNonFiniteRounds: 3,
  seed: 1,
  scoreRefs: { random: 0, expert: 30 },
};

describe('trainGail', () => {
  before(testBackend);

  it('runs rounds in order, writes a metrics row per round and frees the envs at the end', async () => {
    const s = setup(1);
    const rows: IterationMetrics[] = [];
    const result = await trainGail(s, base, { onIteration: (m) => rows.push(m) });
    assert.equal(result.stopped, 'budget');
    assert.equal(result.iterations, 3);
    assert.deepEqual(
      rows.map((r) => r.envSteps),
      [128, 256, 384],
    );
    for (const r of rows) {
      for (const key of [
        'discLoss',
        'discAccExpert',
        'discMeanDPolicy',
        'rewardMean',
        'absorbingReward',
        'discAbsorbing',
        'absorbingShareExpert',
        'absorbingSharePolicy',
        'policyEntropy',
      ] as const)
        assert.ok(Number.isFinite(r[key]), `${key} = ${r[key]}`);
      assert.ok(Number.isFinite(r['policy/policyLoss']!));
      // The absorbing-state metrics: shares of each side's pairs, and D there, whose reward is −log(1 − D).
      assert.equal(r.absorbingShareExpert, pairComposition(s.expert).absorbingShare);
      assert.ok(r.absorbingSharePolicy >= 0 && r.absorbingSharePolicy < 1);
      assert.ok(r.discAbsorbing > 0 && r.discAbsorbing < 1);
      assert.ok(Math.abs(r.absorbingReward + Math.log(1 - r.discAbsorbing)) < 1e-4);
    }
    assert.ok(s.envs.length === 2 && s.envs.every((e) => e.disposed === 1));
    s.dispose();
  });

  it('a full GAIL round leaks no tensors', async () => {
    const s = setup(2);
    await trainGail(s, { ...base, totalEnvSteps: 128 });
    const n0 = tf.memory().numTensors;
    await trainGail(s, { ...base, totalEnvSteps: 256 });
    assert.equal(tf.memory().numTensors, n0);
    s.dispose();
  });

  it('stops cleanly when asked and resumes its counters', async () => {
    const s = setup(3);
    const r = await trainGail(s, base, { shouldStop: () => true, start: { envSteps: 1000, iteration: 7 } });
    assert.equal(r.stopped, 'budget');
    const r2 = await trainGail(
      s,
      { ...base, totalEnvSteps: 10_000 },
      { shouldStop: () => true, start: { envSteps: 1000, iteration: 7 } },
    );
    assert.equal(r2.stopped, 'interrupted');
    assert.equal(r2.iterations, 8);
    assert.equal(r2.envSteps, 1128);
    s.dispose();
  });

  it('stops with a clear error when every episode of a round diverged (no policy pairs)', async () => {
    const s = setup(5, true, true);
    await assert.rejects(
      trainGail(s, base),
      /GAIL round 0: every episode of the round diverged .* no policy pairs .* check the model/,
    );
    assert.ok(
      s.envs.every((e) => e.disposed === 1),
      'the envs are freed',
    );
    s.dispose();
  });

  it('aborts after K rounds whose rewards are non-finite, naming the fix', async () => {
    const s = setup(4);
    // Poison the discriminator's output layer: every logit, hence every reward, is NaN.
    const w = s.disc.mlp.variables[s.disc.mlp.variables.length - 2]!;
    tf.tidy(() => w.assign(tf.fill(w.shape, Number.NaN)));
    await assert.rejects(
      trainGail(s, { ...base, totalEnvSteps: 10_000 }),
      /3 rounds in a row had non-finite losses, gradients or rewards \(updates skipped, last good weights kept\)/,
    );
    s.dispose();
  });

  it('learns to imitate: the policy’s mean action moves towards the expert’s', async () => {
    const s = setup(5);
    const probe = Float32Array.from({ length: 21 }, (_, i) => -1 + i * 0.1);
    const error = () => {
      const mu = s.policy.meanActions(probe, probe.length);
      let e = 0;
      probe.forEach((x, i) => {
        e += (mu[i]! - expertAction(x)) ** 2;
      });
      return e / probe.length;
    };
    const before = error();
    const rows: IterationMetrics[] = [];
    await trainGail(
      s,
      { ...base, totalEnvSteps: 128 * 30, discStepsPerRound: 20 },
      { onIteration: (m) => rows.push(m) },
    );
    const after = error();
    for (const r of rows)
      console.error(
        JSON.stringify(
          [
            r.iteration,
            r.discLoss,
            r.discAccExpert,
            r.discAccPolicy,
            r.rewardMean,
            r.absorbingReward,
            r.returnMean,
            r.episodes,
            r['policy/meanStd'],
          ].map((x) => Number(x).toFixed(3)),
        ),
      );
    assert.ok(after < 0.5 * before, `mean-action error vs expert ${before.toFixed(3)} → ${after.toFixed(3)}`);
  });
});

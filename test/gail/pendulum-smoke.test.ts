/**
 * GAIL smoke test on the real pipeline (STYLE 15): MuJoCo WASM InvertedPendulum → env source → rollout
 * collector (absorbing states) → discriminator → PPO. The expert is trained here with PPO on the true
 * reward (as test/learn/ppo-pendulum does, ~20k steps) and 4 of its trajectories are the demonstrations;
 * GAIL never sees a reward. Asserts a normalised score ≥ 0.8 on deterministic evaluation episodes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { take } from 'rxjs';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { type IterationMetrics, trainGail } from '../../src/gail/trainer.js';
import { evaluate, meanStd, uniformRandomAct } from '../../src/learn/evaluate.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { PpoLearner } from '../../src/learn/ppo.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { Env } from '../../src/sim/types.js';
import { collectRollouts } from '../../src/streams/collector.js';
import { envSource, envsAsBatch } from '../../src/streams/env-source.js';
import { trajectoryPairs } from '../../src/streams/pairs.js';
import { testBackend } from '../learn/helpers.js';

const TASK = 'inverted-pendulum';
let evalEnvs: Env[] = [];
before(async () => {
  await testBackend();
  evalEnvs = await Promise.all([0, 1].map((i) => makeTaskEnv(TASK, { seed: 100 + i })));
});
after(() => {
  for (const e of evalEnvs) e.dispose();
});

const newEnvs = (seed: number, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => makeTaskEnv(TASK, { seed: seed + i })));

/** Deterministic rollouts of `policy` as demonstrations, with the true reward kept for reference. */
async function record(policy: GaussianPolicy, count: number, seed: number): Promise<Trajectory[]> {
  const env = await makeTaskEnv(TASK, { seed });
  const out: Trajectory[] = [];
  for (let k = 0; k < count; k++) {
    const obs: number[] = [...env.reset(seed + k)];
    const acts: number[] = [];
    const rewards: number[] = [];
    for (;;) {
      const a = policy.act(Float32Array.from(obs.slice(-4)), 1, 'deterministic').actions;
      const r = env.step(a);
      acts.push(...a);
      rewards.push(r.reward);
      obs.push(...r.obs);
      if (r.terminated || r.truncated || r.diverged) {
        out.push(
          makeTrajectory({
            obsDim: 4,
            actDim: 1,
            obs: Float32Array.from(obs),
            acts: Float32Array.from(acts),
            rewards: Float32Array.from(rewards),
            end: r.terminated ? 'terminated' : r.truncated ? 'truncated' : 'diverged',
          }),
        );
        break;
      }
    }
  }
  env.dispose();
  return out;
}

describe('GAIL on InvertedPendulum (smoke)', () => {
  it('imitates 4 expert trajectories to a normalised score ≥ 0.8', async () => {
    // The expert: PPO on the true reward.
    const expertPolicy = new GaussianPolicy({ obsDim: 4, actDim: 1, hiddenSizes: [64, 64] }, 1);
    const ppo = new PpoLearner(expertPolicy, {
      numMinibatches: 4,
      learningRate: 1e-3,
      lrSchedule: 'constant',
      seed: 1,
    });
    const envs = await newEnvs(0, 4);
    await new Promise<void>((resolve, reject) => {
      envSource(() => envsAsBatch(envs, 1), expertPolicy)
        .pipe(collectRollouts({ numSteps: 256, absorbing: false }), take(40))
        .subscribe({ next: (r) => ppo.update(r.batch), error: reject, complete: resolve });
    });
    expertPolicy.obsNorm.frozen = true;
    const demos = await record(expertPolicy, 4, 1000);
    ppo.dispose();
    const expertReturn = meanStd(demos.map((t) => t.rewards!.reduce((a, b) => a + b, 0))).mean;
    const randomReturn = meanStd([
      ...evaluate(evalEnvs, uniformRandomAct(evalEnvs[0]!, 5), 4, 7).returns,
    ]).mean;
    const expertEval = meanStd([
      ...evaluate(evalEnvs, (o, n) => expertPolicy.act(o, n, 'deterministic').actions, 2, 7).returns,
    ]).mean;
    expertPolicy.dispose();
    assert.ok(expertReturn > 500, `the expert must balance: demo return ${expertReturn}`);

    // GAIL from the demonstrations alone.
    const horizon = 1000;
    const policy = new GaussianPolicy({ obsDim: 4, actDim: 1, hiddenSizes: [64, 64] }, 2);
    const learner = new PpoLearner(policy, {
      numMinibatches: 4,
      learningRate: 1e-3,
      lrSchedule: 'constant',
      seed: 2,
    });
    const disc = new Discriminator(4, 1, true, { learningRate: 1e-3 }, new Rng(3));
    const expert = trajectoryPairs(demos, { absorbing: true, subsample: 1, absorbingHorizon: horizon }).pairs;
    disc.observe(expert);
    const rows: IterationMetrics[] = [];
    const started = performance.now();
    const gailEnvs = await newEnvs(10, 4);
    await trainGail(
      { source: envSource(() => envsAsBatch(gailEnvs, 2), policy), learner, discriminator: disc, expert },
      {
        numSteps: 256,
        totalEnvSteps: 45_000,
        absorbing: true,
        absorbingHorizon: horizon,
        discStepsPerRound: 16,
        discBatchSize: 128,
        reward: 'gail',
        gamma: 0.99,
        maxNonFiniteRounds: 3,
        seed: 4,
        scoreRefs: { random: randomReturn, expert: expertReturn },
      },
      {
        onIteration: (m) => {
          rows.push(m);
          if (process.env['GAIL_DEBUG'])
            console.error(
              m.iteration,
              m.envSteps,
              m.returnMean.toFixed(1),
              m.discAccExpert.toFixed(2),
              m.discAccPolicy.toFixed(2),
              m.absorbingReward.toFixed(3),
              m.rewardMean.toFixed(3),
            );
        },
      },
    );
    policy.obsNorm.frozen = true;
    const ret = meanStd([
      ...evaluate(evalEnvs, (o, n) => policy.act(o, n, 'deterministic').actions, 2, 7).returns,
    ]).mean;
    const score = (ret - randomReturn) / (expertReturn - randomReturn);
    const seconds = (performance.now() - started) / 1000;
    if (process.env['GAIL_DEBUG'])
      console.error({
        expertReturn,
        expertEval,
        randomReturn,
        ret,
        score,
        seconds,
        envSteps: rows.at(-1)?.envSteps,
      });
    assert.ok(
      score >= 0.8,
      `normalised score ${score.toFixed(3)} (return ${ret.toFixed(1)}, expert ${expertReturn.toFixed(1)}, random ${randomReturn.toFixed(1)})`,
    );
    learner.dispose();
    policy.dispose();
    disc.dispose();
  });
});

/**
 * PPO on the real InvertedPendulum task (MuJoCo WASM through the streams pipeline), on a CI budget:
 * 20 updates of 4 envs × 256 steps (~20k env steps, a few seconds here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { take } from 'rxjs';
import { evaluate, meanStd } from '../../src/learn/evaluate.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { PpoLearner } from '../../src/learn/ppo.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { Env } from '../../src/sim/types.js';
import { collectRollouts } from '../../src/streams/collector.js';
import { envSource, envsAsBatch } from '../../src/streams/env-source.js';
import { testBackend } from './helpers.js';

let evalEnvs: Env[] = [];
before(async () => {
  await testBackend();
  evalEnvs = await Promise.all([0, 1].map((i) => makeTaskEnv('inverted-pendulum', { seed: 100 + i })));
});
after(() => {
  for (const e of evalEnvs) e.dispose();
});

describe('PPO on InvertedPendulum', () => {
  it('learns to balance: deterministic episodes last ≥ 500 of 1000 steps after ~20k env steps', async () => {
    const policy = new GaussianPolicy({ obsDim: 4, actDim: 1, hiddenSizes: [64, 64] }, 1);
    const ppo = new PpoLearner(policy, {
      numMinibatches: 4,
      learningRate: 1e-3,
      lrSchedule: 'constant',
      seed: 1,
    });
    const act = (obs: Float32Array, n: number) => policy.act(obs, n, 'deterministic').actions;
    const before = meanStd([...evaluate(evalEnvs, act, 2, 7).lengths]).mean;
    const envs = await Promise.all([0, 1, 2, 3].map((i) => makeTaskEnv('inverted-pendulum', { seed: i })));
    await new Promise<void>((resolve, reject) => {
      envSource(() => envsAsBatch(envs, 1), policy)
        .pipe(collectRollouts({ numSteps: 256, absorbing: false }), take(20))
        .subscribe({ next: (r) => ppo.update(r.batch), error: reject, complete: resolve });
    });
    policy.obsNorm.frozen = true;
    const lengths = evaluate(evalEnvs, act, 2, 7).lengths;
    assert.ok(before < 50, `untrained policy balanced for ${before} steps`);
    assert.ok(
      Math.min(...lengths) >= 500,
      `episode lengths after training: ${lengths.join(', ')} (want ≥ 500)`,
    );
    ppo.dispose();
    policy.dispose();
  });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import { decodePolicyFile, encodePolicyFile, policyMean } from '../../src/data/policy-file.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { policyFromRecord, policyToRecord, recordArrays } from '../../src/learn/policy-record.js';
import { PpoLearner } from '../../src/learn/ppo.js';
import { banditBatch, testBackend } from './helpers.js';

before(testBackend);

const spec: Spec = {
  observation: makeSpaceSpec({ names: ['x'] }),
  action: makeSpaceSpec({ names: ['a'], low: [-3], high: [3] }),
  controlRateHz: 25,
  source: { kind: 'task', task: 'bandit' },
  producer: 'gail-bridge test',
};
const training = { algo: 'ppo', envSteps: 1024, seed: 1, date: '2026-01-01T00:00:00Z' };

describe('policy record adapter', () => {
  it('policy file bytes → policy gives identical actions, and the framework-free mean agrees', () => {
    const policy = new GaussianPolicy({ obsDim: 1, actDim: 1, hiddenSizes: [16, 16] }, 1);
    const ppo = new PpoLearner(policy, { valueHiddenSizes: [8], numMinibatches: 2, epochs: 2 });
    const rng = new Rng(2);
    for (let i = 0; i < 3; i++) ppo.update(banditBatch(policy, 256, rng).batch);
    const record = policyToRecord(policy, spec, training, { valueHidden: [8], arrays: ppo.toArrays() });
    const decoded = decodePolicyFile(encodePolicyFile(record), 'test.policy');
    const loaded = policyFromRecord(decoded, 1, true);
    const obs = Float32Array.from({ length: 64 }, () => rng.uniform(-2, 2));
    assert.deepEqual(loaded.act(obs, 64, 'deterministic'), policy.act(obs, 64, 'deterministic'));
    const reference = policyMean(decoded, obs, 64);
    const ours = loaded.meanActions(obs, 64);
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(reference[i]! - ours[i]!) < 1e-5, `row ${i}`);
    assert.ok(loaded.obsNorm.frozen);

    // Resume: a fresh learner loaded from the record holds the same value net and Adam state.
    const resumedPolicy = policyFromRecord(decoded, 1);
    const resumed = new PpoLearner(resumedPolicy, {
      valueHiddenSizes: [8],
      numMinibatches: 2,
      epochs: 2,
      seed: 9,
    });
    resumed.loadArrays(recordArrays(decoded));
    assert.equal(resumed.updatesDone, 3);
    const a = ppo.toArrays();
    const b = resumed.toArrays();
    for (const name of ['value/1/w', 'ppo/adam/m/0', 'ppo/adam/v/4', 'ppo/adam/step']) {
      assert.deepEqual(b[name], a[name], name);
    }
    for (const x of [ppo, resumed, policy, loaded, resumedPolicy]) x.dispose();
  });
});

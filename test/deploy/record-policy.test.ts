import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasMeanInto, RecordPolicy } from '../../src/deploy/record-policy.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { randomPolicyRecord } from './fixtures.js';

describe('RecordPolicy', () => {
  it('meanInto writes exactly the action act() returns (float32-rounded), into the caller’s buffer', async () => {
    const env = await makeTaskEnv('hopper');
    try {
      const policy = new RecordPolicy(randomPolicyRecord(env.spec, 5, [64, 64], 1));
      assert.equal(hasMeanInto(policy), true);
      const out = new Float64Array(policy.actDim);
      let obs = env.reset(2);
      for (let t = 0; t < 20; t++) {
        const expected = policy.act(Float32Array.from(obs), 1, 'deterministic').actions;
        policy.meanInto(Float32Array.from(obs), out);
        assert.deepEqual(Array.from(out), Array.from(expected), `step ${t}`);
        const r = env.step(expected);
        obs = r.terminated || r.truncated ? env.reset(3 + t) : r.obs;
      }
      policy.dispose();
      assert.throws(() => policy.meanInto(Float32Array.from(obs), out), /after dispose/);
    } finally {
      env.dispose();
    }
  });

  it('hasMeanInto is false for a policy with act() only', () => {
    assert.equal(hasMeanInto({ act: () => undefined }), false);
  });
});

/**
 * Policy files with a tanh output (DAC's deterministic actor; src/data/policy-file.ts `output`): the
 * record round-trips through the file bytes, every reader computes the same bounded mean (GaussianPolicy
 * for eval, compilePolicyMean for deploy and view, the exported TensorFlow.js model), a linear policy's
 * file has no output field (files written before it read as before), and an unknown output is refused.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import { compilePolicyMean, decodePolicyFile, encodePolicyFile } from '../../src/data/policy-file.js';
import { buildMeanModel } from '../../src/data/tfjs-export.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { policyFromRecord, policyToRecord } from '../../src/learn/policy-record.js';
import { testBackend } from './helpers.js';

before(testBackend);

const spec: Spec = {
  observation: makeSpaceSpec({ names: ['a', 'b'] }),
  action: makeSpaceSpec({ names: ['u', 'v'], low: [-3, 0], high: [3, 1] }),
  controlRateHz: 50,
  source: { kind: 'task', task: 'test' },
  producer: 'test',
};
const training = { algo: 'dac', envSteps: 10, seed: 1, date: '2026-01-01T00:00:00.000Z' };

function tanhPolicy(): GaussianPolicy {
  const p = new GaussianPolicy(
    {
      obsDim: 2,
      actDim: 2,
      hiddenSizes: [8],
      activation: 'relu',
      output: 'tanh',
      actionBounds: { low: [-3, 0], high: [3, 1] },
    },
    4,
  );
  // Larger output weights, so that the bounds are reached.
  tf.tidy(() => {
    const w = p.mean.variables[2]!;
    w.assign(tf.mul(w, 300));
  });
  p.obsNorm.update([1, 2, 3, 4, -1, 0], 3);
  return p;
}

describe('tanh-output policy files', () => {
  it('round-trip through the bytes; eval, deploy/view and export compute the same bounded mean', () => {
    const policy = tanhPolicy();
    const record = decodePolicyFile(encodePolicyFile(policyToRecord(policy, spec, training)), 'p');
    assert.equal(record.architecture.output, 'tanh');
    const obs = Float32Array.from({ length: 20 }, (_, i) => Math.cos(i) * 4);
    const want = policy.meanActions(obs, 10);
    const loaded = policyFromRecord(record, 0, true);
    const viaPolicy = loaded.meanActions(obs, 10);
    const viaDeploy = compilePolicyMean(record)(obs, 10);
    const model = buildMeanModel(record);
    const viaExport = tf.tidy(() => (model.predict(tf.tensor2d(obs, [10, 2])) as tf.Tensor).dataSync());
    for (let i = 0; i < 20; i++) {
      for (const [name, got] of [
        ['policyFromRecord', viaPolicy[i]!],
        ['compilePolicyMean', viaDeploy[i]!],
        ['export', viaExport[i]!],
      ] as const)
        assert.ok(Math.abs(got - want[i]!) < 1e-4, `${name} action ${i}: ${got} vs ${want[i]}`);
      const [lo, hi] = i % 2 === 0 ? [-3, 3] : [0, 1];
      assert.ok(want[i]! >= lo && want[i]! <= hi, `action ${i} = ${want[i]} inside [${lo}, ${hi}]`);
    }
    assert.ok(
      Array.from(want).some((a, i) => Math.abs(a) > (i % 2 === 0 ? 2.5 : 0.9)),
      'some actions reach near the bounds',
    );
    model.dispose();
    loaded.dispose();
    policy.dispose();
  });

  it('a linear policy has no output field; an unknown output is refused by name', () => {
    const linear = new GaussianPolicy({ obsDim: 2, actDim: 2, hiddenSizes: [4] }, 1);
    const record = decodePolicyFile(encodePolicyFile(policyToRecord(linear, spec, training)), 'p');
    assert.equal(record.architecture.output, undefined);
    assert.deepEqual(
      record.tensors.map((t) => t.name),
      ['policy/mean/0/w', 'policy/mean/0/b', 'policy/mean/1/w', 'policy/mean/1/b', 'policy/logStd'],
    );
    const bad = { ...record, architecture: { ...record.architecture, output: 'sigmoid' as 'tanh' } };
    assert.throws(() => encodePolicyFile(bad, 'bad.policy'), /bad.policy: output "sigmoid" is not supported/);
    linear.dispose();
  });
});

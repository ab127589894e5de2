import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.js';
import { expectedTensors, type PolicyRecord, policyMean } from '../../src/data/policy-file.js';
import { exportTfjs } from '../../src/data/tfjs-export.js';
import { makeSpec } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-export-'));
  await tf.setBackend('cpu');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function randomRecord(clip: number, activation: 'tanh' | 'relu'): PolicyRecord {
  const rng = new Rng(7);
  const architecture = { kind: 'gaussian-mlp' as const, obsDim: 5, actDim: 2, hidden: [8, 6], activation };
  return {
    spec: makeSpec(5, 2),
    obsNorm: {
      mean: Float64Array.from({ length: 5 }, () => rng.normal()),
      var: Float64Array.from({ length: 5 }, () => rng.uniform(0.1, 3)),
      count: 100,
      epsilon: 1e-8,
      clip,
    },
    architecture,
    tensors: expectedTensors(architecture).map((s) => ({
      ...s,
      data: Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.7),
    })),
    training: { algo: 'gail+ppo', envSteps: 1, seed: 7, date: '2026-01-01T00:00:00Z' },
  };
}

async function loadBack(folder: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  for (const group of manifest)
    for (const p of group.paths) assert.match(p, /^[\w.-]+$/, 'weight paths are base names');
  const weightData = new Uint8Array(await readFile(join(folder, manifest[0]!.paths[0]!))).buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: manifest[0]!.weights, weightData }),
  );
}

describe('exportTfjs', () => {
  for (const [clip, activation] of [
    [3, 'tanh'],
    [Number.POSITIVE_INFINITY, 'relu'],
  ] as const) {
    it(`writes a LayersModel whose output equals policyMean (clip ${clip}, ${activation})`, async () => {
      const record = randomRecord(clip, activation);
      const folder = join(dir, `${activation}`);
      await exportTfjs(record, folder);
      const model = await loadBack(folder);
      const rng = new Rng(3);
      // Wide observations, so that clipping is exercised.
      const obs = Float32Array.from({ length: 20 * 5 }, () => rng.normal() * 6);
      const expected = policyMean(record, obs, 20);
      const out = tf.tidy(() => (model.predict(tf.tensor2d(obs, [20, 5])) as tf.Tensor).dataSync());
      model.dispose();
      let maxErr = 0;
      for (let i = 0; i < expected.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i]! - expected[i]!));
      assert.ok(maxErr < 1e-4, `max |tfjs − reference| = ${maxErr}`);
      // The reference must differ from a model without clipping, or the test would not see a missing clip.
      if (Number.isFinite(clip)) {
        const unclipped = policyMean({ ...record, obsNorm: { ...record.obsNorm, clip: Infinity } }, obs, 20);
        assert.ok(unclipped.some((v, i) => Math.abs(v - expected[i]!) > 1e-3));
      }
    });
  }

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await exportTfjs(randomRecord(3, 'tanh'), join(dir, 'leak'));
    assert.equal(tf.memory().numTensors, before);
  });
});

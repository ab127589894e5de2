import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { expectedTensors, writePolicyFile } from '../../src/data/policy-file.js';
import { makeSpec } from '../data/helpers.js';

const run = promisify(execFile);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-export-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gail-bridge export', () => {
  it('writes model.json and weights.bin with base-name weight paths', async () => {
    const architecture = {
      kind: 'gaussian-mlp' as const,
      obsDim: 3,
      actDim: 2,
      hidden: [4],
      activation: 'tanh' as const,
    };
    const policy = join(dir, 'p.policy');
    await writePolicyFile(policy, {
      spec: makeSpec(3, 2),
      obsNorm: {
        mean: new Float64Array(3),
        var: new Float64Array(3).fill(1),
        count: 1,
        epsilon: 1e-8,
        clip: 10,
      },
      architecture,
      tensors: expectedTensors(architecture).map((s) => ({
        ...s,
        data: Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)),
      })),
      training: { algo: 'bc', envSteps: 0, seed: 0, date: '2026-01-01T00:00:00Z' },
    });
    const out = join(dir, 'tfjs');
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'export',
      policy,
      '--tfjs',
      out,
      '--json',
    ]);
    const r = JSON.parse(stdout);
    assert.deepEqual(r.files, [join(out, 'model.json'), join(out, 'weights.bin')]);
    const model = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    assert.equal(model.format, 'layers-model');
    assert.deepEqual(model.weightsManifest[0].paths, ['weights.bin']);
    const bytes = (await readFile(join(out, 'weights.bin'))).byteLength;
    const declared = model.weightsManifest[0].weights.reduce(
      (n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1),
      0,
    );
    assert.equal(bytes, declared, 'weights.bin holds exactly the declared weights');
  });
});

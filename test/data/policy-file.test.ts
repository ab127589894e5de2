import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import {
  compilePolicyMean,
  decodePolicyFile,
  encodePolicyFile,
  expectedTensors,
  type GaussianMlpArchitecture,
  type PolicyRecord,
  policyMean,
  readPolicyFile,
  writePolicyFile,
} from '../../src/data/policy-file.js';
import { assertSameValues, makeSpec } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-policy-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const finite32 = fc.float({ noNaN: true, noDefaultInfinity: true });

/** A random valid record: architecture, weights (finite, -0 included), normaliser, metadata. */
const recordArb: fc.Arbitrary<PolicyRecord> = fc
  .record({
    obsDim: fc.integer({ min: 1, max: 4 }),
    actDim: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
    activation: fc.constantFrom('tanh' as const, 'relu' as const),
    valueHidden: fc.option(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), { nil: undefined }),
    seed: fc.integer({ min: 0, max: 1000 }),
    evalReturn: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
    clip: fc.constantFrom(5, 10, Number.POSITIVE_INFINITY),
    withOptimizer: fc.boolean(),
  })
  .chain((c) => {
    const arch: GaussianMlpArchitecture = {
      kind: 'gaussian-mlp',
      obsDim: c.obsDim,
      actDim: c.actDim,
      hidden: c.hidden,
      activation: c.activation,
      ...(c.valueHidden ? { valueHidden: c.valueHidden } : {}),
    };
    const shapes = expectedTensors(arch);
    const tensorArb = (shape: number[]) =>
      fc
        .array(finite32, {
          minLength: shape.reduce((a, b) => a * b, 1),
          maxLength: shape.reduce((a, b) => a * b, 1),
        })
        .map((v) => Float32Array.from(v));
    return fc
      .record({
        datas: fc.tuple(...shapes.map((s) => tensorArb(s.shape))),
        mean: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), {
          minLength: c.obsDim,
          maxLength: c.obsDim,
        }),
        var: fc.array(fc.double({ min: 0, max: 5, noNaN: true }), {
          minLength: c.obsDim,
          maxLength: c.obsDim,
        }),
        opt: tensorArb([2, 2]),
      })
      .map(
        (r): PolicyRecord => ({
          spec: makeSpec(c.obsDim, c.actDim),
          obsNorm: {
            mean: Float64Array.from(r.mean),
            var: Float64Array.from(r.var),
            count: 1234,
            epsilon: 1e-8,
            clip: c.clip,
          },
          architecture: arch,
          tensors: shapes.map((s, i) => ({ name: s.name, shape: s.shape, data: r.datas[i]! })),
          training: {
            algo: 'gail+ppo',
            envSteps: 1e6,
            seed: c.seed,
            date: '2026-01-02T03:04:05.000Z',
            ...(c.evalReturn !== undefined ? { evalReturn: c.evalReturn } : {}),
            extra: { task: 'hopper' },
          },
          optimizer: c.withOptimizer ? [{ name: 'adam/m/policy/mean/0/w', shape: [2, 2], data: r.opt }] : [],
        }),
      );
  });

function assertSameRecord(actual: PolicyRecord, expected: PolicyRecord): void {
  assert.deepEqual(actual.spec, expected.spec);
  assert.deepEqual(actual.architecture, expected.architecture);
  assert.deepEqual(actual.training, expected.training);
  assertSameValues(actual.obsNorm.mean, expected.obsNorm.mean, 'mean');
  assertSameValues(actual.obsNorm.var, expected.obsNorm.var, 'var');
  assert.equal(actual.obsNorm.clip, expected.obsNorm.clip);
  for (const [a, e] of [
    [actual.tensors, expected.tensors],
    [actual.optimizer ?? [], expected.optimizer ?? []],
  ] as const) {
    assert.equal(a.length, e.length);
    a.forEach((t, i) => {
      assert.equal(t.name, e[i]!.name);
      assert.deepEqual(t.shape, e[i]!.shape);
      assertSameValues(t.data, e[i]!.data, t.name);
    });
  }
}

/** A small fixed record: 2 → [3] → 1, tanh. */
function tinyRecord(): PolicyRecord {
  const arch: GaussianMlpArchitecture = {
    kind: 'gaussian-mlp',
    obsDim: 2,
    actDim: 1,
    hidden: [3],
    activation: 'tanh',
  };
  return {
    spec: makeSpec(2, 1),
    obsNorm: { mean: Float64Array.of(1, -1), var: Float64Array.of(4, 0.25), count: 10, epsilon: 0, clip: 10 },
    architecture: arch,
    tensors: [
      { name: 'policy/mean/0/w', shape: [2, 3], data: Float32Array.of(1, 0, -1, 0, 1, 0.5) },
      { name: 'policy/mean/0/b', shape: [3], data: Float32Array.of(0, 0.5, -0) },
      { name: 'policy/mean/1/w', shape: [3, 1], data: Float32Array.of(1, 2, 3) },
      { name: 'policy/mean/1/b', shape: [1], data: Float32Array.of(0.25) },
      { name: 'policy/logStd', shape: [1], data: Float32Array.of(-0.5) },
    ],
    training: { algo: 'bc', envSteps: 0, seed: 1, date: '2026-01-01T00:00:00.000Z' },
  };
}

async function rejectsWith(body: () => Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(body, (e: unknown) => {
    assert.ok(e instanceof GailBridgeError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('policy files', () => {
  it('round-trip random records bit-exactly (-0 included)', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        assertSameRecord(decodePolicyFile(encodePolicyFile(record), 'mem'), record);
      }),
      { numRuns: 100 },
    );
  });

  it('are written atomically and read back; no temp file is left', async () => {
    const path = join(dir, 'p.policy');
    await writePolicyFile(path, tinyRecord());
    const second = { ...tinyRecord(), training: { ...tinyRecord().training, seed: 2 } };
    await writePolicyFile(path, second);
    assertSameRecord(await readPolicyFile(path), second);
    assert.deepEqual(await readdir(dir), ['p.policy']);
  });

  it('refuse to write non-finite weights or wrong shapes, and leave no file', async () => {
    const nan = tinyRecord();
    nan.tensors[2]!.data[1] = Number.NaN;
    await rejectsWith(
      () => writePolicyFile(join(dir, 'nan.policy'), nan),
      'nonFinite',
      /policy\/mean\/1\/w: element 1 is NaN/,
    );
    const wrong = {
      ...tinyRecord(),
      tensors: tinyRecord().tensors.map((t, i) => (i === 0 ? { ...t, shape: [3, 2] } : t)),
    };
    await rejectsWith(
      () => writePolicyFile(join(dir, 'shape.policy'), wrong),
      'shape',
      /policy\/mean\/0\/w: expected shape \[2,3\], got \[3,2\]/,
    );
    const names = await readdir(dir);
    assert.ok(!names.includes('nan.policy') && !names.includes('shape.policy'));
  });

  it('refuse truncated, extended, altered and random files with the reason', async () => {
    const bytes = encodePolicyFile(tinyRecord());
    for (let n = 0; n < bytes.byteLength; n += 5) {
      assert.throws(() => decodePolicyFile(bytes.subarray(0, n), 'cut'), { code: 'file' });
    }
    assert.throws(() => decodePolicyFile(bytes.subarray(0, bytes.byteLength - 1), 'cut'), /truncated/);
    assert.throws(() => decodePolicyFile(Uint8Array.from([...bytes, 0]), 'ext'), /extra bytes appended/);
    const altered = bytes.slice();
    altered[altered.byteLength - 3]! ^= 1;
    assert.throws(() => decodePolicyFile(altered, 'alt'), /SHA-256 mismatch/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
        assert.throws(
          () => decodePolicyFile(garbage, 'garbage'),
          (e: unknown) => e instanceof GailBridgeError,
        );
      }),
    );
    const path = join(dir, 'trunc.policy');
    await writeFile(path, bytes.subarray(0, 100));
    await rejectsWith(
      () => readPolicyFile(path),
      'file',
      /trunc\.policy: the header declares a \d+-byte payload but 44 bytes follow \(truncated\)/,
    );
  });

  it('checks the stored spec against the one expected, with a diff', async () => {
    const path = join(dir, 'spec.policy');
    await writePolicyFile(path, tinyRecord());
    const other = {
      ...makeSpec(2, 1),
      observation: makeSpaceSpec({ names: ['q0', 'wrist'], units: ['rad', 'rad'] }),
    };
    await rejectsWith(
      () => readPolicyFile(path, { expectSpec: other }),
      'spec',
      /observation: missing wrist/,
    );
  });

  it('record the MJCF model and task config of a generic task as absolute paths; older files read without one', () => {
    const withSource = (source: Spec['source']) => ({ ...tinyRecord(), spec: { ...makeSpec(2, 1), source } });
    const decoded = (source: Spec['source']) =>
      decodePolicyFile(encodePolicyFile(withSource(source), 'x.policy'), 'x.policy').spec.source;
    assert.deepEqual(decoded({ kind: 'mjcf', path: 'robots/arm.xml', taskConfig: 'tasks/arm.yaml' }), {
      kind: 'mjcf',
      path: resolve('robots/arm.xml'),
      taskConfig: resolve('tasks/arm.yaml'),
    });
    // A file written before task_config existed holds only mjcf_path: it reads as "no task config".
    assert.deepEqual(decoded({ kind: 'mjcf', path: '/robots/arm.xml' }), {
      kind: 'mjcf',
      path: '/robots/arm.xml',
    });
    assert.deepEqual(decoded({ kind: 'task', task: 'hopper' }), { kind: 'task', task: 'hopper' });
  });

  it('policyMean computes normalise → tanh layer → linear by hand', () => {
    const r = tinyRecord();
    // obs (3, -1.5): z = ((3-1)/2, (-1.5+1)/0.5) = (1, -1); h = tanh(zW + b) = tanh(1, -0.5, -1.5)
    const h = [Math.tanh(1), Math.tanh(-0.5), Math.tanh(-1.5)];
    const expected = 0.25 + h[0]! * 1 + h[1]! * 2 + h[2]! * 3;
    const out = policyMean(r, [3, -1.5], 1);
    assert.ok(Math.abs(out[0]! - expected) < 1e-6, `${out[0]} vs ${expected}`);
  });

  it('compilePolicyMean reuses its buffers across calls and row counts without mixing results', () => {
    const r = tinyRecord();
    const mean = compilePolicyMean(r);
    const first = mean([3, -1.5], 1);
    const firstValue = first[0]!;
    const again = mean([0, 0], 1);
    assert.equal(again, first, 'the same buffer is returned for the same row count');
    assert.ok(Math.abs(again[0]! - policyMean(r, [0, 0], 1)[0]!) < 1e-12);
    const two = mean([3, -1.5, 0, 0], 2);
    assert.ok(Math.abs(two[0]! - firstValue) < 1e-12);
    assert.ok(Math.abs(two[1]! - policyMean(r, [0, 0], 1)[0]!) < 1e-12);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { RunningNormalizer } from '../../src/learn/normalizer.js';

describe('RunningNormalizer', () => {
  it('merges batches to the same mean and variance as one pass over all the data', () => {
    const rng = new Rng(1);
    const rows = 300;
    const data = Float64Array.from({ length: rows * 2 }, (_, i) =>
      i % 2 === 0 ? 5 + rng.normal() : -3 + 4 * rng.normal(),
    );
    const norm = new RunningNormalizer(2);
    norm.update(data.subarray(0, 2 * 7), 7);
    norm.update(data.subarray(2 * 7, 2 * 200), 193);
    norm.update(data.subarray(2 * 200), 100);
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += data[r * 2 + j]!;
      const m = s / rows;
      let v = 0;
      for (let r = 0; r < rows; r++) v += (data[r * 2 + j]! - m) ** 2;
      v /= rows;
      assert.ok(Math.abs(norm.means()[j]! - m) < 1e-12, `mean ${j}`);
      assert.ok(Math.abs(norm.variance()[j]! - v) < 1e-10, `variance ${j}`);
    }
    assert.equal(norm.count, rows);
  });

  it('normalises, clips, skips non-finite rows, and stops updating when frozen', () => {
    const norm = new RunningNormalizer(1, { clip: 2 });
    norm.update(Float64Array.of(1, 3, Number.NaN), 3);
    assert.equal(norm.count, 2);
    assert.deepEqual(Array.from(norm.normalize(Float64Array.of(2, 3, 100), 3)), [
      0,
      Math.fround(1 / Math.sqrt(1 + 1e-8)),
      2,
    ]);
    norm.frozen = true;
    norm.update(Float64Array.of(50), 1);
    assert.equal(norm.count, 2);
  });

  it('gives identical outputs after a save and load', () => {
    const rng = new Rng(2);
    const a = new RunningNormalizer(3);
    a.update(
      Float64Array.from({ length: 30 }, () => 100 + 7 * rng.normal()),
      10,
    );
    const b = new RunningNormalizer(3);
    b.loadArrays(a.toArrays('obsNorm'), 'obsNorm');
    const x = Float64Array.from({ length: 30 }, () => 100 + 7 * rng.normal());
    assert.deepEqual(b.normalize(x, 10), a.normalize(x, 10));
    assert.throws(
      () => new RunningNormalizer(4).loadArrays(a.toArrays('obsNorm'), 'obsNorm'),
      /"obsNorm\/mean" has shape \[3\]/,
    );
  });

  it('names the wrong length', () => {
    assert.throws(() => new RunningNormalizer(3).update(new Float64Array(5), 2), /expected length 6, got 5/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';

describe('Rng', () => {
  it('repeats its stream for the same seed and differs for another', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('draws uniforms in range with the right mean, and normals with unit variance', () => {
    const r = new Rng(7);
    const n = 20000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform(-1, 3);
      assert.ok(u >= -1 && u < 3);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    assert.ok(Math.abs(su / n - 1) < 0.05, `uniform mean ${su / n}`);
    assert.ok(Math.abs(sn / n) < 0.03, `normal mean ${sn / n}`);
    assert.ok(Math.abs(sn2 / n - 1) < 0.05, `normal variance ${sn2 / n}`);
  });
});

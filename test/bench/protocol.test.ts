import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeProtocol,
  encodeProtocol,
  episodeCount,
  lockStepBatches,
  type Protocol,
  randomProtocol,
  withEpisodeLengths,
} from '../../bench/lib/protocol.js';
import { GailBridgeError } from '../../src/core/errors.js';

const arbProtocol: fc.Arbitrary<Protocol> = fc
  .record({
    nu: fc.integer({ min: 0, max: 4 }),
    steps: fc.integer({ min: 1, max: 12 }),
    frameSkip: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ nu, steps, frameSkip }) =>
    fc.record({
      nu: fc.constant(nu),
      steps: fc.constant(steps),
      frameSkip: fc.constant(frameSkip),
      resets: fc
        .array(fc.integer({ min: 0, max: 1 }), { minLength: steps, maxLength: steps })
        .map((r) => Uint8Array.from(r, (x, i) => (i === 0 ? 1 : x))),
      ctrl: fc.float64Array({
        minLength: steps * nu,
        maxLength: steps * nu,
        noNaN: true,
        noDefaultInfinity: true,
      }),
    }),
  );

describe('bench protocol', () => {
  it('round-trips through its float64 file form, -0 included', () => {
    fc.assert(
      fc.property(arbProtocol, (p) => {
        const back = decodeProtocol(encodeProtocol(p));
        assert.equal(back.nu, p.nu);
        assert.equal(back.steps, p.steps);
        assert.equal(back.frameSkip, p.frameSkip);
        assert.deepEqual(back.resets, p.resets);
        assert.equal(back.ctrl.length, p.ctrl.length);
        back.ctrl.forEach((v, i) => {
          assert.ok(Object.is(v, p.ctrl[i]), `ctrl[${i}]`);
        });
      }),
    );
  });

  it('turns garbage into a typed error, never a hang or a wrong protocol', () => {
    fc.assert(
      fc.property(fc.float64Array({ maxLength: 40 }), (data) => {
        try {
          const p = decodeProtocol(data);
          assert.deepEqual(encodeProtocol(p), data);
        } catch (err) {
          assert.ok(err instanceof GailBridgeError, String(err));
        }
      }),
    );
    assert.throws(() => decodeProtocol(Float64Array.from([2, 1, 1, 1, 1, 0])), /expected a version-1 header/);
    assert.throws(() => decodeProtocol(Float64Array.from([1, 2, 3, 4, 1, 0])), /needs 13 numbers; got 6/);
    assert.throws(() => decodeProtocol(Float64Array.from([1, 1, 1, 1, 0.5, 0])), /reset flag 0.5/);
  });

  it('draws the same controls for the same seed, inside the range, with resets at episode starts', () => {
    const fields = { low: [-1, 0], high: [1, 3], frameSkip: 4, steps: 10, seed: 3, episodeLength: () => 4 };
    const a = randomProtocol(fields);
    const b = randomProtocol(fields);
    assert.deepEqual(a.ctrl, b.ctrl);
    assert.notDeepEqual(randomProtocol({ ...fields, seed: 4 }).ctrl, a.ctrl);
    assert.deepEqual([...a.resets], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
    assert.equal(episodeCount(a), 3);
    for (let t = 0; t < 10; t++) {
      assert.ok(a.ctrl[2 * t]! >= -1 && a.ctrl[2 * t]! < 1);
      assert.ok(a.ctrl[2 * t + 1]! >= 0 && a.ctrl[2 * t + 1]! < 3);
    }
  });

  it('takes episode lengths recorded from an env, and says when they do not add up', () => {
    const p = randomProtocol({
      low: [-1],
      high: [1],
      frameSkip: 1,
      steps: 6,
      seed: 1,
      episodeLength: () => 6,
    });
    const q = withEpisodeLengths(p, [2, 3, 1]);
    assert.deepEqual([...q.resets], [1, 0, 1, 0, 0, 1]);
    assert.deepEqual(q.ctrl, p.ctrl);
    assert.throws(() => withEpisodeLengths(p, [2, 3]), /episode lengths add up to 5 steps; expected 6/);
    assert.throws(() => withEpisodeLengths(p, [6, 0]), /episode 1 has length 0/);
  });

  it('splits the controls into lock-step batches, env i taking every n-th row', () => {
    const p = randomProtocol({
      low: [-1, -1],
      high: [1, 1],
      frameSkip: 1,
      steps: 5,
      seed: 2,
      episodeLength: () => 5,
    });
    const batches = lockStepBatches(p, 2);
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[0], Float32Array.from(p.ctrl.subarray(0, 4)));
    assert.deepEqual(batches[2]!.subarray(0, 2), Float32Array.from(p.ctrl.subarray(8, 10)));
    assert.deepEqual(batches[2]!.subarray(2, 4), Float32Array.from(p.ctrl.subarray(0, 2)), 'wraps around');
    assert.throws(() => lockStepBatches(p, 0), /n must be an integer >= 1, got 0/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeTrajectory, trajectoryReturn } from '../../src/core/trajectory.js';

describe('makeTrajectory', () => {
  it('accepts T+1 observations for T actions and sums rewards', () => {
    const t = makeTrajectory({
      obsDim: 2,
      actDim: 1,
      obs: new Float32Array(6),
      acts: new Float32Array(2),
      rewards: Float32Array.of(1, 2.5),
      end: 'terminated',
    });
    assert.equal(t.length, 2);
    assert.equal(trajectoryReturn(t), 3.5);
  });

  it('names both sides when observations and actions disagree', () => {
    assert.throws(
      () =>
        makeTrajectory({
          obsDim: 1,
          actDim: 1,
          obs: new Float32Array(11),
          acts: new Float32Array(9),
          end: 'truncated',
        }),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        e.message === 'expected one more observation than actions: 11 != 9 + 1',
    );
  });

  it('rejects an unknown end reason', () => {
    assert.throws(
      () =>
        makeTrajectory({
          obsDim: 1,
          actDim: 1,
          obs: new Float32Array(2),
          acts: new Float32Array(1),
          end: 'done' as 'terminated',
        }),
      /end: expected one of terminated, truncated, diverged, interrupted, got done/,
    );
  });
});

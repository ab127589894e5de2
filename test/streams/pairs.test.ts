import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { collectRollouts } from '../../src/streams/collector.js';
import { concatPairs, trajectoryPairs } from '../../src/streams/pairs.js';
import { replaySource } from '../../src/streams/replay-source.js';

/** A 1-D trajectory whose observation t is base + t and action t is 10·(base + t). */
function traj(base: number, T: number, end: Trajectory['end']): Trajectory {
  return makeTrajectory({
    obsDim: 1,
    actDim: 1,
    obs: Float32Array.from({ length: T + 1 }, (_, t) => base + t),
    acts: Float32Array.from({ length: T }, (_, t) => 10 * (base + t)),
    end,
  });
}

describe('trajectoryPairs', () => {
  it('adds the absorbing pair after terminated trajectories only', () => {
    const { pairs } = trajectoryPairs(
      [traj(1, 2, 'terminated'), traj(5, 1, 'truncated'), traj(7, 1, 'interrupted')],
      { absorbing: true, subsample: 1 },
    );
    assert.equal(pairs.obsDim, 2);
    assert.deepEqual(Array.from(pairs.obs), [1, 0, 2, 0, 0, 1, 5, 0, 7, 0]);
    assert.deepEqual(Array.from(pairs.acts), [10, 20, 0, 50, 70]);
  });

  it('pads terminated trajectories to the horizon, as the collector does', () => {
    const { pairs } = trajectoryPairs([traj(1, 2, 'terminated'), traj(5, 5, 'terminated')], {
      absorbing: true,
      subsample: 1,
      absorbingHorizon: 4,
    });
    // 2 real + 2 absorbing, then 5 real + 1 absorbing (never fewer than one).
    assert.equal(pairs.n, 2 + 2 + 5 + 1);
    assert.equal(Array.from(pairs.obs).filter((x, i) => i % 2 === 1 && x === 1).length, 3);
  });

  it('skips diverged trajectories and counts them', () => {
    const r = trajectoryPairs([traj(1, 2, 'diverged'), traj(5, 1, 'terminated')], {
      absorbing: false,
      subsample: 1,
    });
    assert.equal(r.divergedSkipped, 1);
    assert.deepEqual(Array.from(r.pairs.obs), [5]);
  });

  it('subsamples one pair in K from a random offset per trajectory, keeping the absorbing pair', () => {
    const rng = new Rng(3);
    const trajs = Array.from({ length: 40 }, (_, k) => traj(100 * k, 20, 'terminated'));
    const { pairs } = trajectoryPairs(trajs, { absorbing: true, subsample: 5, rng });
    assert.equal(pairs.n, 40 * (4 + 1));
    const offsets = new Set<number>();
    for (let i = 0; i < pairs.n; i++) {
      if (pairs.obs[2 * i + 1] === 1) continue;
      const t = pairs.obs[2 * i]! % 100;
      offsets.add(t % 5);
    }
    // Offsets differ between trajectories (40 draws from 5 values).
    assert.equal(offsets.size, 5);
  });

  it('names the problem for empty input, bad K and mixed dims', () => {
    assert.throws(() => trajectoryPairs([], { absorbing: true, subsample: 1 }), /no trajectories/);
    assert.throws(
      () => trajectoryPairs([traj(0, 2, 'truncated')], { absorbing: true, subsample: 0 }),
      /--subsample: expected a positive integer, got 0/,
    );
    const wide = makeTrajectory({
      obsDim: 2,
      actDim: 1,
      obs: new Float32Array(4),
      acts: new Float32Array(1),
      end: 'truncated',
    });
    assert.throws(
      () => trajectoryPairs([traj(0, 1, 'truncated'), wide], { absorbing: true, subsample: 1 }),
      /expert trajectory 1: dims 2\/1 differ from trajectory 0's 1\/1/,
    );
  });

  it('wraps expert data exactly as the collector wraps a replay of it', async () => {
    const trajs = [traj(1, 3, 'terminated'), traj(5, 2, 'truncated'), traj(9, 2, 'terminated')];
    const direct = trajectoryPairs(trajs, { absorbing: true, subsample: 1 }).pairs;
    const rollouts = await lastValueFrom(
      replaySource(trajs).pipe(collectRollouts({ numSteps: 7 }), toArray()),
    );
    assert.equal(rollouts.length, 1);
    const viaCollector = concatPairs(rollouts.map((r) => r.policyPairs));
    assert.deepEqual(Array.from(viaCollector.obs), Array.from(direct.obs));
    assert.deepEqual(Array.from(viaCollector.acts), Array.from(direct.acts));
  });
});

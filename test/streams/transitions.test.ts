/**
 * AIRL's transitions (s, a, s′) (src/streams/transitions.ts): the expert's are GAIL's pairs with s′ (same
 * rows, same subsampling and absorbing padding); s′ is the next state, the absorbing state after a
 * terminated step and after an absorbing pair, the final observation after a truncated one; a rollout's
 * transitions follow the time-major batch, skip invalid steps and take lastObs at the rollout's end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import type { RolloutBatch } from '../../src/learn/types.js';
import { trajectoryPairs } from '../../src/streams/pairs.js';
import { rolloutTransitions, trajectoryTransitions } from '../../src/streams/transitions.js';

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

describe('trajectoryTransitions', () => {
  it('gives s′ = next state, s_abs after terminated, the final observation after truncated', () => {
    const t = trajectoryTransitions([traj(1, 2, 'terminated'), traj(5, 1, 'truncated')], {
      absorbing: true,
      subsample: 1,
    });
    assert.deepEqual(Array.from(t.obs), [1, 0, 2, 0, 0, 1, 5, 0]);
    assert.deepEqual(Array.from(t.acts), [10, 20, 0, 50]);
    assert.deepEqual(Array.from(t.next!), [2, 0, 0, 1, 0, 1, 6, 0]);
  });

  it('without absorbing states a terminated step leads to its real final observation', () => {
    const t = trajectoryTransitions([traj(1, 2, 'terminated')], { absorbing: false, subsample: 1 });
    assert.deepEqual(Array.from(t.next!), [2, 3]);
  });

  it('keeps exactly the rows trajectoryPairs keeps (subsampling and horizon padding alike)', () => {
    const trajs = [traj(1, 7, 'terminated'), traj(20, 9, 'truncated'), traj(40, 3, 'terminated')];
    for (const subsample of [1, 3]) {
      const opts = { absorbing: true, subsample, absorbingHorizon: 12 };
      const pairs = trajectoryPairs(trajs, { ...opts, rng: new Rng(9) }).pairs;
      const t = trajectoryTransitions(trajs, { ...opts, rng: new Rng(9) });
      assert.equal(t.n, pairs.n);
      assert.deepEqual(t.obs, pairs.obs);
      assert.deepEqual(t.acts, pairs.acts);
    }
  });
});

describe('rolloutTransitions', () => {
  it('follows the time-major batch: next row, finalObs, s_abs, lastObs; invalid steps skipped', () => {
    // T = 3 steps of N = 2 envs, obsDim 1: obs (t, i) = 10·i + t.
    const T = 3;
    const N = 2;
    const obs = Float32Array.from({ length: T * N }, (_, k) => 10 * (k % N) + Math.floor(k / N));
    const terminated = new Uint8Array(T * N);
    const truncated = new Uint8Array(T * N);
    const finalObs = new Float32Array(T * N);
    terminated[1 * N + 0] = 1; // env 0 terminates at t = 1
    truncated[0 * N + 1] = 1; // env 1 truncates at t = 0, final observation 99
    finalObs[0 * N + 1] = 99;
    const valid = new Uint8Array(T * N).fill(1);
    valid[2 * N + 1] = 0; // env 1's step at t = 2 diverged
    const batch: RolloutBatch = {
      numSteps: T,
      numEnvs: N,
      obsDim: 1,
      actDim: 1,
      obs,
      actions: obs.map((o) => o + 0.5),
      logProbs: new Float32Array(T * N),
      rewards: new Float32Array(T * N),
      terminated,
      truncated,
      finalObs,
      lastObs: Float32Array.from([3, 13]),
    };
    const t = rolloutTransitions(batch, valid, true, 2);
    // Rows in order (t, i): (0,0) (0,1) (1,0) (1,1) (2,0), then 2 absorbing.
    assert.equal(t.n, 7);
    assert.deepEqual(Array.from(t.obs), [0, 0, 10, 0, 1, 0, 11, 0, 2, 0, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(t.next!), [1, 0, 99, 0, 0, 1, 12, 0, 3, 0, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(t.acts), [0.5, 10.5, 1.5, 11.5, 2.5, 0, 0]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, map, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { replaySource } from '../../src/streams/replay-source.js';

function traj(base: number, T: number, end: Trajectory['end']): Trajectory {
  return makeTrajectory({
    obsDim: 1,
    actDim: 1,
    obs: Float32Array.from({ length: T + 1 }, (_, t) => base + t),
    acts: Float32Array.from({ length: T }, (_, t) => -(base + t)),
    rewards: Float32Array.from({ length: T }, () => 2),
    end,
  });
}

const ts = () => new TestScheduler((a, e) => assert.deepStrictEqual(a, e));

describe('replaySource', () => {
  it('emits one batch per step with next observations and the trajectory’s end', () => {
    const out = ts();
    out.run(({ expectObservable }) => {
      const src = replaySource([traj(1, 2, 'terminated'), traj(7, 1, 'interrupted')], {
        scheduler: out,
      }).pipe(map((b) => `${b.obs[0]}>${b.nextObs[0]}:${b.actions[0]}:${b.ends[0]}:${b.rewards[0]}`));
      // interrupted maps to truncated (2): the data ends, the episode did not.
      expectObservable(src).toBe('-ab(c|)', { a: '1>2:-1:0:2', b: '2>3:-2:1:2', c: '7>8:-7:2:2' });
    });
  });

  it('stops on unsubscribe', () => {
    const out = ts();
    out.run(({ expectObservable }) => {
      const src = replaySource([traj(0, 100, 'truncated')], { scheduler: out }).pipe(
        take(2),
        map((b) => b.obs[0]),
      );
      expectObservable(src).toBe('-a(b|)', { a: 0, b: 1 });
    });
  });

  it('emits synchronously without a scheduler, in lanes, completing when the queue runs dry', async () => {
    const batches = await lastValueFrom(
      replaySource([traj(0, 2, 'truncated'), traj(10, 3, 'truncated'), traj(20, 1, 'terminated')], {
        numEnvs: 2,
      }).pipe(toArray()),
    );
    assert.deepEqual(
      batches.map((b) => Array.from(b.obs)),
      [
        [0, 10],
        [1, 11],
        [20, 12],
      ],
    );
    assert.deepEqual(Array.from(batches[2]!.ends), [1, 2]);
  });

  it('refuses more lanes than trajectories and mixed dims, naming both', async () => {
    assert.throws(() => replaySource([], { numEnvs: 0 }), /numEnvs: expected a positive integer, got 0/);
    await assert.rejects(
      lastValueFrom(replaySource([traj(0, 2, 'truncated')], { numEnvs: 2 })),
      /2 lanes need at least 2 non-empty trajectories, got 1/,
    );
    const wide = makeTrajectory({
      obsDim: 2,
      actDim: 1,
      obs: new Float32Array(4),
      acts: new Float32Array(1),
      end: 'truncated',
    });
    await assert.rejects(
      lastValueFrom(replaySource([traj(0, 1, 'truncated'), wide])),
      /trajectory 1 has obsDim\/actDim 2\/1, expected 1\/1/,
    );
  });
});

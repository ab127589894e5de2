/**
 * DAC's replay buffer (src/dac/replay-buffer.ts): the transitions a rollout becomes — next observations
 * within and across the rollout's end, truncation (bootstrapped), termination with absorbing states
 * ((s, a, s_abs) and (s_abs, 0, s_abs), both bootstrapped) and without (a plain terminal, not
 * bootstrapped), diverged steps left out, actions clipped — the ring, the discriminator's view, and
 * checkpoint round trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { ReplayBuffer, replayPairs } from '../../src/dac/replay-buffer.js';
import type { RolloutBatch } from '../../src/learn/types.js';

/**
 * One env, T = 4 steps, obsDim 1, actDim 1. Observation of step t is 10 + t; action 5 (clipped to 1).
 * Step 1 ends as `end1`; step 3 is not ended (its next observation is lastObs = 99).
 */
function rollout(end1: 'terminated' | 'truncated' | 'none', valid = [1, 1, 1, 1]): RolloutBatch {
  return {
    numSteps: 4,
    numEnvs: 1,
    obsDim: 1,
    actDim: 1,
    obs: Float32Array.from([10, 11, 12, 13]),
    actions: Float32Array.from([5, -0.5, 0.25, -7]),
    logProbs: new Float32Array(4),
    rewards: new Float32Array(4),
    terminated: Uint8Array.from([0, end1 === 'terminated' ? 1 : 0, 0, 0]),
    truncated: Uint8Array.from([0, end1 === 'truncated' ? 1 : 0, 0, 0]),
    finalObs: Float32Array.from([0, 50, 0, 0]),
    lastObs: Float32Array.from([99]),
    valid: Uint8Array.from(valid),
  };
}

const bounds = { low: [-1], high: [1] };

/** The buffer's transitions as readable rows: [s, ind, a, s', ind', bootstrap]. */
function rows(buffer: ReplayBuffer): number[][] {
  const all = buffer.all();
  return Array.from({ length: all.n }, (_, r) => [
    all.obs[2 * r]!,
    all.obs[2 * r + 1]!,
    all.actions[r]!,
    all.nextObs[2 * r]!,
    all.nextObs[2 * r + 1]!,
    all.bootstrap[r]!,
  ]);
}

describe('ReplayBuffer', () => {
  it('stores (s, a, s′) with the next step, lastObs after the rollout, actions clipped to the bounds', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    assert.deepEqual(b.addRollout(rollout('none')), { transitions: 4, absorbing: 0 });
    assert.deepEqual(rows(b), [
      [10, 0, 1, 11, 0, 1],
      [11, 0, -0.5, 12, 0, 1],
      [12, 0, 0.25, 13, 0, 1],
      [13, 0, -1, 99, 0, 1],
    ]);
  });

  it('truncated: s′ is the final observation and Q(s′) is bootstrapped; no absorbing transition', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    b.addRollout(rollout('truncated'));
    assert.deepEqual(rows(b)[1], [11, 0, -0.5, 50, 0, 1]);
    assert.equal(b.absorbingCount, 0);
  });

  it('terminated with absorbing states: (s, a, s_abs) and (s_abs, 0, s_abs), both bootstrapped', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    assert.deepEqual(b.addRollout(rollout('terminated')), { transitions: 5, absorbing: 1 });
    assert.deepEqual(rows(b), [
      [10, 0, 1, 11, 0, 1],
      [11, 0, -0.5, 0, 1, 1],
      [0, 1, 0, 0, 1, 1],
      [12, 0, 0.25, 13, 0, 1],
      [13, 0, -1, 99, 0, 1],
    ]);
    assert.equal(b.absorbingCount, 1);
  });

  it('terminated without absorbing states: a plain terminal (s, a, s_final), not bootstrapped', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: false, bounds });
    assert.deepEqual(b.addRollout(rollout('terminated')), { transitions: 4, absorbing: 0 });
    assert.deepEqual(rows(b)[1], [11, 0, -0.5, 50, 0, 0]);
  });

  it('leaves out steps the collector marked invalid (diverged or interrupted episodes)', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    b.addRollout(rollout('terminated', [0, 0, 1, 1]));
    assert.deepEqual(
      rows(b).map((r) => r[0]),
      [12, 13],
    );
  });

  it('is a ring: the oldest transitions are overwritten, the absorbing count follows', () => {
    const b = new ReplayBuffer(1, 1, 3, { absorbing: true, bounds });
    b.addRollout(rollout('terminated'));
    assert.equal(b.size, 3);
    assert.deepEqual(
      rows(b).map((r) => [r[0], r[1]]),
      [
        [0, 1],
        [12, 0],
        [13, 0],
      ],
    );
    assert.equal(b.absorbingCount, 1);
    b.addRollout(rollout('none'));
    assert.equal(b.absorbingCount, 0);
  });

  it("gives the discriminator's policy pairs: with the indicator column, or without it", () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    b.addRollout(rollout('terminated'));
    const s = b.all();
    const withInd = replayPairs(s, true);
    assert.equal(withInd.obsDim, 2);
    assert.deepEqual(Array.from(withInd.obs.subarray(4, 6)), [0, 1]);
    const without = replayPairs(s, false);
    assert.equal(without.obsDim, 1);
    assert.deepEqual(Array.from(without.obs), [10, 11, 0, 12, 13]);
  });

  it('samples uniformly with replacement, the same for the same generator state', () => {
    const b = new ReplayBuffer(1, 1, 100, { absorbing: true, bounds });
    b.addRollout(rollout('none'));
    const x = b.sample(1000, new Rng(1));
    const y = b.sample(1000, new Rng(1));
    assert.deepEqual(x, y);
    const counts = new Map<number, number>();
    for (let r = 0; r < x.n; r++) counts.set(x.obs[2 * r]!, (counts.get(x.obs[2 * r]!) ?? 0) + 1);
    for (const s of [10, 11, 12, 13]) assert.ok(counts.get(s)! > 200, `state ${s}: ${counts.get(s)}`);
  });

  it('round-trips through toArrays/loadArrays (a checkpoint), position in the ring included', () => {
    const a = new ReplayBuffer(1, 1, 4, { absorbing: true, bounds });
    a.addRollout(rollout('terminated'));
    const b = new ReplayBuffer(1, 1, 4, { absorbing: true, bounds });
    b.loadArrays(a.toArrays('r'), 'r');
    assert.deepEqual(rows(b), rows(a));
    assert.equal(b.absorbingCount, a.absorbingCount);
    a.addRollout(rollout('none'));
    b.addRollout(rollout('none'));
    assert.deepEqual(rows(b), rows(a));
    const small = new ReplayBuffer(1, 1, 2, { absorbing: true, bounds });
    assert.throws(() => small.loadArrays(a.toArrays('r'), 'r'), /more than the capacity 2/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { collectRollouts } from '../../src/streams/collector.js';
import {
  concatPairs,
  keptSlots,
  type PairSet,
  pairComposition,
  trajectoryPairs,
} from '../../src/streams/pairs.js';
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

  it('subsamples one pair in K from a random offset per trajectory, absorbing slots included', () => {
    const rng = new Rng(3);
    const trajs = Array.from({ length: 40 }, (_, k) => traj(100 * k, 20, 'terminated'));
    const { pairs } = trajectoryPairs(trajs, { absorbing: true, subsample: 5, rng });
    // 20 real slots → 4 kept; the one absorbing slot (t = 20) is kept when the offset is 0.
    const { real, absorbing } = pairComposition(pairs);
    assert.equal(real, 40 * 4);
    const offsets: number[] = [];
    for (let i = 0; i < pairs.n; i++) {
      if (pairs.obs[2 * i + 1] === 1) continue;
      const t = pairs.obs[2 * i]! % 100;
      if (t < 5) offsets.push(t);
    }
    assert.equal(absorbing, offsets.filter((o) => o === 0).length);
    // Offsets differ between trajectories (40 draws from 5 values).
    assert.equal(new Set(offsets).size, 5);
  });

  it('keptSlots counts the slots t ≡ offset (mod k) in [start, start + count)', () => {
    for (const [start, count, k, offset, want] of [
      [0, 20, 5, 0, 4],
      [6, 14, 4, 0, 3], // 8, 12, 16
      [6, 14, 4, 2, 4], // 6, 10, 14, 18
      [6, 14, 4, 1, 3], // 9, 13, 17
      [49, 951, 20, 7, 47], // 67 … 987: the Ant fall's tail, one slot in 20
      [49, 951, 20, 10, 48], // 50 … 990
      [5, 1, 5, 0, 1],
      [5, 1, 5, 1, 0],
      [3, 0, 2, 1, 0],
      [7, 9, 1, 0, 9],
    ] as const) {
      let brute = 0;
      for (let t = start; t < start + count; t++) if (t % k === offset) brute++;
      assert.equal(keptSlots(start, count, k, offset), brute, `${start} ${count} ${k} ${offset}`);
      assert.equal(brute, want, `table row ${start} ${count} ${k} ${offset}`);
    }
  });

  describe('composition of the expert and policy pair sets (issue 17)', () => {
    // Horizon 20; the same three episodes on both sides: one runs to the horizon, two terminate early.
    const H = 20;
    const episodes = () => [traj(0, H, 'truncated'), traj(100, 6, 'terminated'), traj(200, 13, 'terminated')];
    // Occupancy of the absorbing state over the padded episodes: (14 + 7) / 60.
    const absorbingTime = (H - 6 + (H - 13)) / (3 * H);

    const policySide = async (): Promise<PairSet> => {
      const rollouts = await lastValueFrom(
        replaySource(episodes()).pipe(
          collectRollouts({ numSteps: H + 6 + 13, absorbingHorizon: H }),
          toArray(),
        ),
      );
      return concatPairs(rollouts.map((r) => r.policyPairs));
    };

    it('without subsampling: every slot on both sides, the absorbing share is the absorbing time', async () => {
      const policy = pairComposition(await policySide());
      const expert = pairComposition(
        trajectoryPairs(episodes(), { absorbing: true, subsample: 1, absorbingHorizon: H }).pairs,
      );
      assert.deepEqual(policy, expert);
      assert.deepEqual([expert.real, expert.absorbing], [H + 6 + 13, 14 + 7]);
      assert.equal(expert.absorbingShare, absorbingTime);
    });

    it('with --subsample K: one slot in K of each padded episode, so the expert share matches the policy side', async () => {
      const policy = pairComposition(await policySide());
      const K = 4;
      const rng = new Rng(11);
      const copies = 500;
      const many = Array.from({ length: copies }, episodes).flat();
      const expert = trajectoryPairs(many, { absorbing: true, subsample: K, rng, absorbingHorizon: H }).pairs;
      const c = pairComposition(expert);
      // Each episode is H slots whatever its end, so each contributes exactly H / K pairs, real or absorbing.
      assert.equal(c.real + c.absorbing, (3 * copies * H) / K);
      // Real pairs thin by K, and so do absorbing ones: the shares agree (up to the random offsets).
      assert.ok(
        Math.abs(c.absorbingShare - policy.absorbingShare) < 0.02,
        `expert ${c.absorbingShare} vs policy ${policy.absorbingShare}`,
      );
      // Padding every absorbing slot while thinning the real ones (the bug) would have made it ~0.68.
      assert.ok(c.absorbingShare < 0.4);
    });

    it('with --no-absorbing-fill: one absorbing slot per terminated episode, thinned like the rest', () => {
      const K = 4;
      const copies = 400;
      const many = Array.from({ length: copies }, episodes).flat();
      const one = pairComposition(trajectoryPairs(many, { absorbing: true, subsample: 1 }).pairs);
      assert.equal(one.absorbing, 2 * copies);
      const thinned = pairComposition(
        trajectoryPairs(many, { absorbing: true, subsample: K, rng: new Rng(5) }).pairs,
      );
      // Expected 2·copies/K = 200 absorbing pairs; binomial sd ≈ 12.
      assert.ok(Math.abs(thinned.absorbing - (2 * copies) / K) < 50, `${thinned.absorbing}`);
      const share = (c: typeof one) => c.absorbing / c.real;
      assert.ok(Math.abs(share(thinned) - share(one)) < 0.01, `${share(thinned)} vs ${share(one)}`);
    });

    it('with absorbing states off: no absorbing pairs on either side', () => {
      const c = pairComposition(
        trajectoryPairs(episodes(), { absorbing: false, subsample: 1, absorbingHorizon: H }).pairs,
      );
      assert.deepEqual(c, { real: H + 6 + 13, absorbing: 0, absorbingShare: 0 });
    });
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

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { Discriminator, samplePairs } from '../../src/gail/discriminator.js';
import { PairBuilder, type PairSet, pairComposition, trajectoryPairs } from '../../src/streams/pairs.js';
import { testBackend } from '../learn/helpers.js';

const H = 100;
const K = 10;

/** A 1-D episode of `steps` steps with states and actions ~ U(−1, 1): D cannot tell real pairs apart. */
function episode(steps: number, end: Trajectory['end'], rng: Rng): Trajectory {
  return makeTrajectory({
    obsDim: 1,
    actDim: 1,
    obs: Float32Array.from({ length: steps + 1 }, () => rng.uniform(-1, 1)),
    acts: Float32Array.from({ length: steps }, () => rng.uniform(-1, 1)),
    end,
  });
}

/** The construction before issue 17: real pairs thinned by K, every absorbing slot kept. */
function unthinnedAbsorbing(trajs: readonly Trajectory[], rng: Rng): PairSet {
  const b = new PairBuilder(1, 1, true);
  for (const t of trajs) {
    for (let s = rng.int(K); s < t.length; s += K) b.push(t.obs, s, t.acts, s);
    if (t.end === 'terminated') b.pushAbsorbing(H - t.length);
  }
  return b.build();
}

/** D(s_abs) after training D to convergence on balanced batches of the two sets. */
function trainedDAbsorbing(expert: PairSet, policy: PairSet, seed: number): number {
  const rng = new Rng(seed);
  const d = new Discriminator(1, 1, true, { hiddenSizes: [16, 16], learningRate: 3e-3 }, rng.fork(1));
  try {
    d.observe(expert);
    d.observe(policy);
    for (let k = 0; k < 400; k++) d.step(samplePairs(expert, 128, rng), samplePairs(policy, 128, rng), rng);
    return 1 / (1 + Math.exp(-d.absorbingLogit()));
  } finally {
    d.dispose();
  }
}

describe('absorbing states with subsampled demonstrations (issue 17)', () => {
  before(testBackend);

  it('D learns the absorbing state from occupancy, not from how the padding was counted', () => {
    const rng = new Rng(4);
    // The expert: three full episodes and one early fall (95 of its 400 time slots are absorbing, 24%).
    const expertTrajs = [
      episode(H, 'truncated', rng),
      episode(H, 'truncated', rng),
      episode(5, 'terminated', rng),
      episode(H, 'truncated', rng),
    ];
    // The policy falls at step 60 every episode: 40% of its time is absorbing, more than the expert's.
    const policy = trajectoryPairs(
      Array.from({ length: 20 }, () => episode(60, 'terminated', rng)),
      { absorbing: true, subsample: 1, absorbingHorizon: H },
    ).pairs;
    const expert = trajectoryPairs(expertTrajs, {
      absorbing: true,
      subsample: K,
      rng: new Rng(2),
      absorbingHorizon: H,
    }).pairs;
    const buggy = unthinnedAbsorbing(expertTrajs, new Rng(2));
    assert.ok(Math.abs(pairComposition(expert).absorbingShare - 0.24) < 0.03);
    assert.ok(pairComposition(buggy).absorbingShare > 0.7);
    assert.equal(pairComposition(policy).absorbingShare, 0.4);

    // Optimal D(s_abs) = ρ_E(s_abs) / (ρ_E(s_abs) + ρ_π(s_abs)) ≈ 0.24 / 0.64 ≈ 0.37: ending is less
    // expert-like than what this policy does, so the learned reward pushes the policy to live longer.
    const fixed = trainedDAbsorbing(expert, policy, 1);
    assert.ok(fixed > 0.25 && fixed < 0.47, `D(s_abs) = ${fixed}`);
    // With every absorbing slot kept, D calls ending expert-like (≈ 0.7 / 1.1): the policy is paid to fall.
    const before = trainedDAbsorbing(buggy, policy, 1);
    assert.ok(before > 0.55, `D(s_abs) with unthinned padding = ${before}`);
  });
});

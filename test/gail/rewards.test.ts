import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  absorbingValue,
  parseRewardKind,
  REWARD_CLIP,
  REWARD_KIND_NAMES,
  rewardOfLogit,
  rewardsFromLogits,
} from '../../src/gail/rewards.js';

describe('rewards', () => {
  it('every kind is non-decreasing in the logit, and strictly so inside the clip', () => {
    for (const kind of REWARD_KIND_NAMES) {
      fc.assert(
        fc.property(
          fc.double({ min: -50, max: 50, noNaN: true }),
          fc.double({ min: 1e-3, max: 5, noNaN: true }),
          (z, dz) => {
            const a = rewardOfLogit(z, kind);
            const b = rewardOfLogit(z + dz, kind);
            if (b < a) return false;
            if (Math.abs(a) < REWARD_CLIP - 1 && Math.abs(b) < REWARD_CLIP - 1 && Math.abs(z) < 8)
              return b > a;
            return true;
          },
        ),
      );
    }
  });

  it('matches the closed forms: −log(1 − D), log D and the logit', () => {
    for (const z of [-3, -0.5, 0, 0.7, 2.5]) {
      const d = 1 / (1 + Math.exp(-z));
      assert.ok(Math.abs(rewardOfLogit(z, 'gail') - -Math.log(1 - d)) < 1e-12);
      assert.ok(Math.abs(rewardOfLogit(z, 'logD') - Math.log(d)) < 1e-12);
      assert.equal(rewardOfLogit(z, 'logit'), z);
      // log D − log(1 − D) = logit: the sum of the other two kinds.
      assert.ok(Math.abs(rewardOfLogit(z, 'gail') + rewardOfLogit(z, 'logD') - z) < 1e-12);
    }
  });

  it('clips to ±10 without overflow at extreme logits', () => {
    assert.equal(rewardOfLogit(1e6, 'gail'), REWARD_CLIP);
    assert.equal(rewardOfLogit(-1e6, 'logD'), -REWARD_CLIP);
    assert.equal(rewardOfLogit(-1e6, 'gail'), 0);
    assert.deepEqual(Array.from(rewardsFromLogits([-40, 40], 'logit')), [-10, 10]);
  });

  it('prices the absorbing state as r/(1 − γ)', () => {
    assert.ok(Math.abs(absorbingValue(0.5, 0.99) - 50) < 1e-9);
    assert.throws(() => absorbingValue(1, 1), /gamma: expected a value in \[0, 1\), got 1/);
  });

  it('parses --reward and names the choices', () => {
    assert.equal(parseRewardKind('logD'), 'logD');
    assert.throws(() => parseRewardKind('airl'), /--reward: expected one of gail, logD, logit, got "airl"/);
  });
});

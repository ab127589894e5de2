/**
 * DAC's exploration policy (src/dac/trainer.ts `explorationPolicy`): uniform random actions inside the
 * bounds until `startSteps` env steps (counted from the run's start, so a resumed run continues the count),
 * then the actor's deterministic action plus Gaussian noise of σ = explNoise · half-range, clipped.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { explorationPolicy } from '../../src/dac/trainer.js';
import { meanStd } from '../../src/learn/evaluate.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { testBackend } from '../learn/helpers.js';

before(testBackend);

function actor(): GaussianPolicy {
  return new GaussianPolicy(
    { obsDim: 1, actDim: 2, hiddenSizes: [4], output: 'tanh', actionBounds: { low: [-2, 0], high: [2, 1] } },
    1,
  );
}

describe('explorationPolicy', () => {
  it('acts uniformly at random in the bounds before startSteps, then π(s) + N(0, (σ·half-range)²)', () => {
    const policy = actor();
    const rng = new Rng(3);
    const explore = explorationPolicy(policy, {
      startSteps: 400,
      explNoise: 0.1,
      envSteps: 0,
      rng: () => rng,
    });
    const obs = new Float32Array(200).fill(0.5);
    const random = [
      ...explore.act(obs, 200, 'stochastic').actions,
      ...explore.act(obs, 200, 'stochastic').actions,
    ];
    const u = random.filter((_, i) => i % 2 === 0);
    const v = random.filter((_, i) => i % 2 === 1);
    assert.ok(u.every((a) => a >= -2 && a <= 2) && v.every((a) => a >= 0 && a <= 1));
    assert.ok(Math.abs(meanStd(u).std - 4 / Math.sqrt(12)) < 0.15, `std of U(−2, 2): ${meanStd(u).std}`);
    // Steps 400 on: the actor's action plus noise.
    const mu = policy.meanActions(obs, 200);
    const noisy = explore.act(obs, 200, 'stochastic').actions;
    const du = Array.from({ length: 200 }, (_, r) => noisy[2 * r]! - mu[2 * r]!);
    assert.ok(
      Math.abs(meanStd(du).std - 0.2) < 0.04,
      `noise std on [−2, 2]: ${meanStd(du).std} (want 0.1 × 2)`,
    );
    assert.ok(Array.from(noisy).every((a, i) => (i % 2 === 0 ? Math.abs(a) <= 2 : a >= 0 && a <= 1)));
    policy.dispose();
  });

  it('counts env steps from the run so far: a resumed run past startSteps does not act at random', () => {
    const policy = actor();
    const rng = new Rng(4);
    const explore = explorationPolicy(policy, {
      startSteps: 400,
      explNoise: 0,
      envSteps: 1000,
      rng: () => rng,
    });
    const obs = Float32Array.of(0.1, -0.3);
    assert.deepEqual(explore.act(obs, 2, 'stochastic').actions, policy.meanActions(obs, 2));
    policy.dispose();
  });
});

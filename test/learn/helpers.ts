/**
 * Shared pieces of the learner tests: the backend (wasm, as the CLI's auto picks here) and a one-step
 * continuous bandit whose batches are built by hand, so PPO/TRPO tests need no simulator.
 */

import type { Rng } from '../../src/core/rng.js';
import { useBackend } from '../../src/learn/backend.js';
import type { Policy, RolloutBatch } from '../../src/learn/types.js';

/** Sets the wasm backend once per test file. */
export async function testBackend(): Promise<void> {
  await useBackend('wasm');
}

/** The bandit's best action for observation x: a* = 2x − 0.5 (a linear map the policy must learn). */
export function banditTarget(x: number): number {
  return 2 * x - 0.5;
}

/**
 * One-step bandit batch: n observations x ~ U(−1, 1), the policy acts, reward −(a − a*(x))², every
 * step terminated (no bootstrapping). Returns the batch and its mean reward.
 */
export function banditBatch(
  policy: Policy,
  n: number,
  rng: Rng,
): { batch: RolloutBatch; meanReward: number } {
  const obs = new Float32Array(n);
  for (let i = 0; i < n; i++) obs[i] = rng.uniform(-1, 1);
  const { actions, logProbs } = policy.act(obs, n, 'stochastic');
  const rewards = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    rewards[i] = -((actions[i]! - banditTarget(obs[i]!)) ** 2);
    sum += rewards[i]!;
  }
  return {
    batch: {
      numSteps: 1,
      numEnvs: n,
      obsDim: 1,
      actDim: 1,
      obs,
      actions,
      logProbs,
      rewards,
      terminated: new Uint8Array(n).fill(1),
      truncated: new Uint8Array(n),
      finalObs: new Float32Array(n),
      lastObs: new Float32Array(n),
    },
    meanReward: sum / n,
  };
}

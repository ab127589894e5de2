/**
 * Transitions (s, a, s′) for AIRL's discriminator (Fu et al. 2018: f(s, a, s′) = g(s) + γ h(s′) − h(s)),
 * wrapped with absorbing states exactly as pairs.ts wraps GAIL's (s, a) pairs, so both sides of D and
 * both algorithms see episode ends the same way (Kostrikov et al. 2019, Sec. 4.2):
 *
 *   real step t, not the last       s′ = s_{t+1}                     (indicator 0)
 *   last step, `terminated`         s′ = s_abs = [0, …, 0, 1]         the episode enters the absorbing state
 *   last step, `truncated`          s′ = the final observation        (the MDP would have gone on)
 *   absorbing pair (s_abs, 0)       s′ = s_abs                         absorbing → absorbing
 *
 * The result is a PairSet whose `next` holds s′ (same layout as `obs`, indicator included). Without
 * absorbing states (`--no-absorbing`) a terminated step's s′ is its real final observation.
 */
import type { Trajectory } from '../core/trajectory.js';
import type { RolloutBatch } from '../learn/types.js';
import {
  ABSORBING_STATE,
  PairBuilder,
  type PairSet,
  pairComposition,
  type TrajectoryPairsOptions,
  trajectoryPairs,
} from './pairs.js';

/**
 * The transitions of a rollout's valid steps (time-major batch, see learn/types.ts), plus `absorbingPairs`
 * absorbing → absorbing transitions (the collector's count for the rollout: `pairComposition(policyPairs)`).
 */
export function rolloutTransitions(
  batch: RolloutBatch,
  valid: Uint8Array,
  absorbing: boolean,
  absorbingPairs: number,
): PairSet {
  const { numSteps: T, numEnvs: N, obsDim, actDim } = batch;
  const builder = new PairBuilder(obsDim, actDim, absorbing, {
    capacity: T * N + absorbingPairs,
    next: true,
  });
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const k = t * N + i;
      if (!valid[k]) continue;
      let next: ArrayLike<number> | typeof ABSORBING_STATE;
      let nextAt = 0;
      if (batch.terminated[k] && absorbing) next = ABSORBING_STATE;
      else if (batch.terminated[k] || batch.truncated[k]) {
        next = batch.finalObs;
        nextAt = k * obsDim;
      } else if (t + 1 < T) {
        next = batch.obs;
        nextAt = (k + N) * obsDim;
      } else {
        next = batch.lastObs;
        nextAt = i * obsDim;
      }
      builder.push(batch.obs, k * obsDim, batch.actions, k * actDim, next, nextAt);
    }
  }
  builder.pushAbsorbing(absorbingPairs);
  return builder.build();
}

/** The absorbing → absorbing pairs the collector added to a rollout's `policyPairs`. */
export function absorbingPairsOf(policyPairs: PairSet): number {
  return pairComposition(policyPairs).absorbing;
}

/**
 * Expert trajectories as transitions: `trajectoryPairs` with s′, so the rows are the same, subsampled and
 * padded alike (one slot in K from a random offset per trajectory, absorbing slots up to the horizon).
 */
export function trajectoryTransitions(
  trajectories: readonly Trajectory[],
  options: TrajectoryPairsOptions,
): PairSet {
  return trajectoryPairs(trajectories, { ...options, next: true }).pairs;
}

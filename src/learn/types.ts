/**
 * The narrow interfaces between the GAIL trainer and whatever learns the policy (STYLE 2): the trainer
 * hands a `RolloutBatch` whose `rewards` it has filled from the discriminator to `PolicyLearner.update`,
 * and knows nothing of PPO or TRPO internals.
 */

/**
 * N envs stepped T times, time-major: element (t, i) of a per-step array is at index t·N + i, and row
 * (t, i) of a matrix starts at (t·N + i)·dim.
 *
 *   obs:        T·N × obsDim   observation the action was taken in (raw, un-normalised)
 *   actions:    T·N × actDim   action as sampled (before clipping to the action bounds)
 *   logProbs:   T·N            log π(a|s) under the policy that acted
 *   rewards:    T·N            reward used for learning (true reward, or GAIL's learned one)
 *   terminated: T·N            1 where step (t, i) entered a terminal state: V(next) = terminalValue
 *   truncated:  T·N            1 where step (t, i) hit a time limit: V(next) bootstrapped from finalObs
 *   finalObs:   T·N × obsDim   next observation where terminated|truncated (other rows unused)
 *   lastObs:    N × obsDim     observation after the last step, for bootstrapping unfinished episodes
 *   terminalValue?: T·N        value of the state after a terminal step; 0 when absent. GAIL with
 *                              absorbing states sets it to r_abs / (1 − γ) (Kostrikov et al. 2019).
 *   valid?:     T·N            0 where step (t, i) belongs to a diverged episode: left out of every loss
 *                              (its advantage is not used); all steps valid when absent.
 */
export interface RolloutBatch {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  readonly lastObs: Float32Array;
  readonly terminalValue?: Float32Array;
  readonly valid?: Uint8Array;
}

export type ActMode = 'stochastic' | 'deterministic';

export interface ActResult {
  /** n × actDim, unclipped samples (or means in deterministic mode). */
  readonly actions: Float32Array;
  /** n log-probabilities of `actions` under the policy. */
  readonly logProbs: Float32Array;
}

/** A policy that acts on a batch of observations at once (STYLE: streams move batches, not scalars). */
export interface Policy {
  readonly obsDim: number;
  readonly actDim: number;
  /** `obs` is n × obsDim raw observations; normalisation happens inside. */
  act(obs: Float32Array, n: number, mode: ActMode): ActResult;
  dispose(): void;
}

/** Per-update statistics, all finite numbers, logged to metrics.jsonl by the caller. */
export type UpdateStats = Readonly<Record<string, number>>;

/** What any policy optimiser offers the GAIL trainer. */
export interface PolicyLearner {
  readonly policy: Policy;
  /** One policy-improvement step on a batch collected by `policy`. */
  update(batch: RolloutBatch): UpdateStats;
  dispose(): void;
}

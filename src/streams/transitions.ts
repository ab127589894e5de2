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
import { GailBridgeError } from '../core/errors.js';
import { checkSubsample, type Trajectory } from '../core/trajectory.js';
import type { RolloutBatch } from '../learn/types.js';
import {
  absorbingPairsFor,
  keptSlots,
  type PairSet,
  pairComposition,
  type TrajectoryPairsOptions,
} from './pairs.js';

/** Appends (s, a, s′) rows; `build()` returns a trimmed, frozen PairSet with `next`. */
class TransitionBuilder {
  private readonly rowDim: number;
  private obs: number[] = [];
  private acts: number[] = [];
  private next: number[] = [];
  private count = 0;

  constructor(
    private readonly rawObsDim: number,
    private readonly actDim: number,
    private readonly absorbing: boolean,
  ) {
    this.rowDim = rawObsDim + (absorbing ? 1 : 0);
  }

  private pushObs(into: number[], src: ArrayLike<number> | undefined, at: number): void {
    if (src === undefined) {
      // s_abs: zeros with the indicator 1.
      for (let j = 0; j < this.rawObsDim; j++) into.push(0);
      into.push(1);
      return;
    }
    for (let j = 0; j < this.rawObsDim; j++) into.push(src[at + j]!);
    if (this.absorbing) into.push(0);
  }

  /** A real transition; `next` undefined means s′ = s_abs (absorbing states on). */
  push(
    obs: ArrayLike<number>,
    obsAt: number,
    acts: ArrayLike<number>,
    actAt: number,
    next: ArrayLike<number> | undefined,
    nextAt: number,
  ): void {
    this.pushObs(this.obs, obs, obsAt);
    for (let j = 0; j < this.actDim; j++) this.acts.push(acts[actAt + j]!);
    this.pushObs(this.next, next, nextAt);
    this.count++;
  }

  /** `count` absorbing → absorbing transitions (action 0). */
  pushAbsorbing(count: number): void {
    if (!this.absorbing) return;
    for (let c = 0; c < count; c++) {
      this.pushObs(this.obs, undefined, 0);
      for (let j = 0; j < this.actDim; j++) this.acts.push(0);
      this.pushObs(this.next, undefined, 0);
      this.count++;
    }
  }

  build(): PairSet {
    return Object.freeze({
      n: this.count,
      obsDim: this.rowDim,
      actDim: this.actDim,
      absorbing: this.absorbing,
      obs: Float32Array.from(this.obs),
      acts: Float32Array.from(this.acts),
      next: Float32Array.from(this.next),
    });
  }
}

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
  const builder = new TransitionBuilder(obsDim, actDim, absorbing);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const k = t * N + i;
      if (!valid[k]) continue;
      let next: ArrayLike<number> | undefined;
      let nextAt = 0;
      if (batch.terminated[k] && absorbing) next = undefined;
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
 * Expert trajectories as transitions, subsampled and padded exactly as `trajectoryPairs` does (one slot in
 * K from a random offset per trajectory, absorbing slots up to the horizon): the same rows, with s′.
 */
export function trajectoryTransitions(
  trajectories: readonly Trajectory[],
  options: TrajectoryPairsOptions,
): PairSet {
  const first = trajectories[0];
  if (!first) throw new GailBridgeError('config', 'expert demonstrations: no trajectories were given');
  const k = options.subsample;
  checkSubsample(k);
  if (k > 1 && !options.rng)
    throw new GailBridgeError('config', 'trajectoryTransitions: subsample > 1 needs an rng for the offsets');
  const builder = new TransitionBuilder(first.obsDim, first.actDim, options.absorbing);
  trajectories.forEach((t, index) => {
    if (t.obsDim !== first.obsDim || t.actDim !== first.actDim)
      throw new GailBridgeError(
        'shape',
        `expert trajectory ${index}: dims ${t.obsDim}/${t.actDim} differ from trajectory 0's ` +
          `${first.obsDim}/${first.actDim} (obs/act); the demo set mixes robots or tasks`,
      );
    if (t.end === 'diverged') return;
    const offset = k > 1 ? options.rng!.int(k) : 0;
    for (let s = offset; s < t.length; s += k) {
      const toAbsorbing = options.absorbing && t.end === 'terminated' && s === t.length - 1;
      builder.push(
        t.obs,
        s * t.obsDim,
        t.acts,
        s * t.actDim,
        toAbsorbing ? undefined : t.obs,
        (s + 1) * t.obsDim,
      );
    }
    if (t.end === 'terminated')
      builder.pushAbsorbing(
        keptSlots(t.length, absorbingPairsFor(t.length, options.absorbingHorizon), k, offset),
      );
  });
  return builder.build();
}

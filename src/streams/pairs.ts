/**
 * State–action pairs for the discriminator, and the absorbing-state wrapping that turns episodes into
 * them (Kostrikov et al. 2019, "Discriminator-Actor-Critic", Sec. 4.2). One builder serves policy
 * rollouts (the collector) and expert trajectories (`trajectoryPairs`), so both sides are wrapped alike.
 *
 * With absorbing states on, every observation gains one indicator dimension (0 for real states). An
 * episode that `terminated` contributes, after its last real pair, pairs (s_abs, a_abs) with
 * s_abs = [0, …, 0, 1] and a_abs = 0: the absorbing → absorbing transitions, whose learned reward tells
 * the policy what ending is worth. `truncated` and `interrupted` episodes add none (the MDP would have
 * continued); `diverged` episodes contribute nothing at all.
 *
 * How many: one per terminated episode (DAC's replay buffer), or, given the task's horizon H, the
 * H − L absorbing steps that an episode ending at step L would spend there in the fixed-horizon MDP
 * (`absorbingPairsFor`). The second weights the absorbing state by its share of the state–action
 * occupancy that GAIL matches (Ho & Ermon 2016, Sec. 3): when the expert never ends early and the policy
 * does, D learns within a few rounds that ending is not expert-like, instead of after thousands of
 * single samples while r(s_abs)/(1 − γ) misprices ending (see trainer.ts).
 */
import { GailBridgeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { checkSubsample, type Trajectory } from '../core/trajectory.js';

/**
 * n pairs, row-major.
 *   obs:  n × obsDim  (obsDim includes the absorbing indicator, last, when `absorbing`)
 *   acts: n × actDim
 */
export interface PairSet {
  readonly n: number;
  /** Width of an `obs` row, the indicator included. */
  readonly obsDim: number;
  readonly actDim: number;
  /** Whether the last obs column is the absorbing indicator. */
  readonly absorbing: boolean;
  readonly obs: Float32Array;
  readonly acts: Float32Array;
}

/** Appends pairs with amortised growth; `build()` returns a trimmed, frozen PairSet. */
export class PairBuilder {
  readonly rawObsDim: number;
  readonly actDim: number;
  readonly absorbing: boolean;
  private obs: Float32Array;
  private acts: Float32Array;
  private count = 0;

  constructor(rawObsDim: number, actDim: number, absorbing: boolean, capacity = 256) {
    this.rawObsDim = rawObsDim;
    this.actDim = actDim;
    this.absorbing = absorbing;
    this.obs = new Float32Array(Math.max(1, capacity) * this.rowDim);
    this.acts = new Float32Array(Math.max(1, capacity) * actDim);
  }

  /** Width of a stored observation row. */
  get rowDim(): number {
    return this.rawObsDim + (this.absorbing ? 1 : 0);
  }

  /** Number of pairs so far. */
  get size(): number {
    return this.count;
  }

  private grow(): void {
    if (this.count * this.rowDim < this.obs.length) return;
    const obs = new Float32Array(this.obs.length * 2);
    obs.set(this.obs);
    this.obs = obs;
    const acts = new Float32Array(this.acts.length * 2);
    acts.set(this.acts);
    this.acts = acts;
  }

  /** Adds a real pair: `obs[obsAt … obsAt+rawObsDim)` with indicator 0, `acts[actAt … actAt+actDim)`. */
  push(obs: ArrayLike<number>, obsAt: number, acts: ArrayLike<number>, actAt: number): void {
    this.grow();
    const o = this.count * this.rowDim;
    for (let j = 0; j < this.rawObsDim; j++) this.obs[o + j] = obs[obsAt + j]!;
    const a = this.count * this.actDim;
    for (let j = 0; j < this.actDim; j++) this.acts[a + j] = acts[actAt + j]!;
    this.count++;
  }

  /** Adds `count` absorbing pairs (zeros with indicator 1, zero action). A no-op when absorbing is off. */
  pushAbsorbing(count = 1): void {
    if (!this.absorbing) return;
    for (let c = 0; c < count; c++) {
      this.grow();
      const o = this.count * this.rowDim;
      this.obs.fill(0, o, o + this.rowDim);
      this.obs[o + this.rawObsDim] = 1;
      const a = this.count * this.actDim;
      this.acts.fill(0, a, a + this.actDim);
      this.count++;
    }
  }

  build(): PairSet {
    return Object.freeze({
      n: this.count,
      obsDim: this.rowDim,
      actDim: this.actDim,
      absorbing: this.absorbing,
      obs: this.obs.slice(0, this.count * this.rowDim),
      acts: this.acts.slice(0, this.count * this.actDim),
    });
  }
}

/** Options for wrapping expert trajectories. */
export interface TrajectoryPairsOptions {
  /** Add absorbing pairs after terminated episodes (DAC). */
  readonly absorbing: boolean;
  /**
   * Keep one pair in `subsample` (Ho & Ermon 2016, Sec. 6, used 20), starting at a random offset in
   * [0, subsample) per trajectory. 1 keeps all. The absorbing pair of a terminated episode is always kept.
   */
  readonly subsample: number;
  /** Draws the per-trajectory offsets; required when subsample > 1. */
  readonly rng?: Rng;
  /** Pad terminated episodes with absorbing pairs up to this horizon; absent → one pair. */
  readonly absorbingHorizon?: number;
}

/**
 * Absorbing pairs after an episode that terminated after `length` steps: max(1, horizon − length) when
 * a horizon is given, else 1 (see the file comment).
 */
export function absorbingPairsFor(length: number, horizon: number | undefined): number {
  return horizon === undefined ? 1 : Math.max(1, horizon - length);
}

/** Expert pairs plus what was left out. */
export interface TrajectoryPairs {
  readonly pairs: PairSet;
  /** Trajectories skipped because they diverged. */
  readonly divergedSkipped: number;
}

/** Wraps trajectories into discriminator pairs exactly as the collector wraps policy rollouts. */
export function trajectoryPairs(
  trajectories: readonly Trajectory[],
  options: TrajectoryPairsOptions,
): TrajectoryPairs {
  const first = trajectories[0];
  if (!first) throw new GailBridgeError('config', 'expert demonstrations: no trajectories were given');
  const k = options.subsample;
  checkSubsample(k);
  if (k > 1 && !options.rng)
    throw new GailBridgeError('config', 'trajectoryPairs: subsample > 1 needs an rng for the offsets');
  const builder = new PairBuilder(first.obsDim, first.actDim, options.absorbing);
  let divergedSkipped = 0;
  trajectories.forEach((t, index) => {
    if (t.obsDim !== first.obsDim || t.actDim !== first.actDim)
      throw new GailBridgeError(
        'shape',
        `expert trajectory ${index}: dims ${t.obsDim}/${t.actDim} differ from trajectory 0's ` +
          `${first.obsDim}/${first.actDim} (obs/act); the demo set mixes robots or tasks`,
      );
    if (t.end === 'diverged') {
      divergedSkipped++;
      return;
    }
    const offset = k > 1 ? options.rng!.int(k) : 0;
    for (let s = offset; s < t.length; s += k) builder.push(t.obs, s * t.obsDim, t.acts, s * t.actDim);
    if (t.end === 'terminated') builder.pushAbsorbing(absorbingPairsFor(t.length, options.absorbingHorizon));
  });
  return { pairs: builder.build(), divergedSkipped };
}

/** Concatenates pair sets of equal layout (e.g. several rollouts). */
export function concatPairs(sets: readonly PairSet[]): PairSet {
  const first = sets[0];
  if (!first) throw new GailBridgeError('state', 'concatPairs: no pair sets given');
  for (const s of sets) {
    if (s.obsDim !== first.obsDim || s.actDim !== first.actDim || s.absorbing !== first.absorbing)
      throw new GailBridgeError(
        'shape',
        `concatPairs: layout ${s.obsDim}/${s.actDim}/${s.absorbing} differs from ${first.obsDim}/${first.actDim}/${first.absorbing}`,
      );
  }
  const n = sets.reduce((a, s) => a + s.n, 0);
  const obs = new Float32Array(n * first.obsDim);
  const acts = new Float32Array(n * first.actDim);
  let at = 0;
  for (const s of sets) {
    obs.set(s.obs, at * first.obsDim);
    acts.set(s.acts, at * first.actDim);
    at += s.n;
  }
  return Object.freeze({ ...first, n, obs, acts });
}

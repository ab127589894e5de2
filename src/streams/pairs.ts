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
 * The construction, and why the two sides are weighted alike. DAC (Sec. 4.2) makes a terminal state an
 * absorbing one that the episode stays in, so every episode of a task with horizon H is H time slots:
 * the real steps 0 … L−1, then absorbing slots L … H−1. GAIL matches the policy's state–action
 * occupancy to the expert's (Ho & Ermon 2016, Sec. 3, ρ_π = ρ_E), and the discriminator's pairs are
 * samples of those occupancies; so each side must sample the absorbing slots at the same rate as its
 * real slots, or D's verdict on s_abs measures bookkeeping rather than behaviour:
 *
 * - policy side (the collector): every slot, real and absorbing, H − L absorbing pairs per terminated
 *   episode (`absorbingPairsFor`);
 * - expert side (`trajectoryPairs`): with `--subsample K` (Ho & Ermon Sec. 6 kept one pair in 20) one
 *   slot in K of the whole padded episode, real and absorbing alike, from the trajectory's random
 *   offset (`keptSlots`): on average (H − L)/K absorbing pairs, not H − L. Keeping every absorbing slot
 *   while thinning the real ones made the expert side of the Ant demos ~88% absorbing (issue 17); now the
 *   absorbing share on each side is that side's share of absorbing time, an estimate of ρ(s_abs).
 *
 * Without a horizon (`--no-absorbing-fill`, DAC's replay buffer) the episode has one absorbing slot, at
 * t = L, subsampled by the same rule (kept when L falls on the trajectory's offset), so that one
 * absorbing pair still stands for as much time as one real pair on either side.
 *
 * Padding to the horizon weights s_abs by its share of the occupancy: when the expert never ends early
 * and the policy does, D learns within a few rounds that ending is not expert-like, instead of after
 * thousands of single samples while r(s_abs)/(1 − γ) misprices ending (see trainer.ts).
 */
import { GailBridgeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { checkSubsample, type Trajectory } from '../core/trajectory.js';

/**
 * n pairs, row-major.
 *   obs:  n × obsDim  (obsDim includes the absorbing indicator, last, when `absorbing`)
 *   acts: n × actDim
 *   next: n × obsDim  the observation the pair led to (AIRL's s′, streams/transitions.ts; the absorbing
 *                     state after a terminated step and after an absorbing pair); absent for GAIL's pairs
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
  readonly next?: Float32Array;
}

/** rows × dim observations with a zero indicator column appended: rows × (dim + 1). */
export function withIndicator(obs: Float32Array, dim: number): Float32Array {
  const rows = obs.length / dim;
  const out = new Float32Array(rows * (dim + 1));
  for (let r = 0; r < rows; r++) out.set(obs.subarray(r * dim, (r + 1) * dim), r * (dim + 1));
  return out;
}

/** s′ = the absorbing state s_abs (zeros with the indicator 1), as `PairBuilder.push`'s `next`. */
export const ABSORBING_STATE = 'absorbing';

/**
 * Appends pairs with amortised growth; `build()` returns a trimmed, frozen PairSet. With `next`, every
 * pair also carries its s′ (`PairSet.next`, AIRL's transitions: streams/transitions.ts).
 */
export class PairBuilder {
  readonly rawObsDim: number;
  readonly actDim: number;
  readonly absorbing: boolean;
  private obs: Float32Array;
  private acts: Float32Array;
  private next: Float32Array | undefined;
  private count = 0;

  constructor(
    rawObsDim: number,
    actDim: number,
    absorbing: boolean,
    options: { readonly capacity?: number; readonly next?: boolean } = {},
  ) {
    this.rawObsDim = rawObsDim;
    this.actDim = actDim;
    this.absorbing = absorbing;
    const capacity = Math.max(1, options.capacity ?? 256);
    this.obs = new Float32Array(capacity * this.rowDim);
    this.acts = new Float32Array(capacity * actDim);
    this.next = options.next ? new Float32Array(capacity * this.rowDim) : undefined;
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
    const twice = (a: Float32Array): Float32Array => {
      const b = new Float32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.obs = twice(this.obs);
    this.acts = twice(this.acts);
    if (this.next) this.next = twice(this.next);
  }

  /** Writes row `row` of `into`: `src[at … at+rawObsDim)` with indicator 0, or s_abs. */
  private writeObs(
    into: Float32Array,
    row: number,
    src: ArrayLike<number> | typeof ABSORBING_STATE,
    at: number,
  ) {
    const o = row * this.rowDim;
    if (src === ABSORBING_STATE) {
      into.fill(0, o, o + this.rowDim);
      into[o + this.rawObsDim] = 1;
      return;
    }
    for (let j = 0; j < this.rawObsDim; j++) into[o + j] = src[at + j]!;
  }

  /**
   * Adds a real pair: `obs[obsAt … obsAt+rawObsDim)` with indicator 0, `acts[actAt … actAt+actDim)`; and
   * with `next` on, its s′: `next[nextAt … nextAt+rawObsDim)`, or ABSORBING_STATE (absorbing states on).
   */
  push(
    obs: ArrayLike<number>,
    obsAt: number,
    acts: ArrayLike<number>,
    actAt: number,
    next?: ArrayLike<number> | typeof ABSORBING_STATE,
    nextAt = 0,
  ): void {
    if (this.next && next === undefined)
      throw new GailBridgeError('state', 'PairBuilder.push: a builder with next observations needs s′');
    this.grow();
    this.writeObs(this.obs, this.count, obs, obsAt);
    const a = this.count * this.actDim;
    for (let j = 0; j < this.actDim; j++) this.acts[a + j] = acts[actAt + j]!;
    if (this.next && next !== undefined) this.writeObs(this.next, this.count, next, nextAt);
    this.count++;
  }

  /**
   * Adds `count` absorbing pairs (zeros with indicator 1, zero action; s′ = s_abs, absorbing → absorbing).
   * A no-op when absorbing is off.
   */
  pushAbsorbing(count = 1): void {
    if (!this.absorbing) return;
    for (let c = 0; c < count; c++) {
      this.grow();
      this.writeObs(this.obs, this.count, ABSORBING_STATE, 0);
      const a = this.count * this.actDim;
      this.acts.fill(0, a, a + this.actDim);
      if (this.next) this.writeObs(this.next, this.count, ABSORBING_STATE, 0);
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
      ...(this.next ? { next: this.next.slice(0, this.count * this.rowDim) } : {}),
    });
  }
}

/** Options for wrapping expert trajectories. */
export interface TrajectoryPairsOptions {
  /** Add absorbing pairs after terminated episodes (DAC). */
  readonly absorbing: boolean;
  /**
   * Keep one pair in `subsample` (Ho & Ermon 2016, Sec. 6, used 20), starting at a random offset in
   * [0, subsample) per trajectory. 1 keeps all. The absorbing slots after a terminated episode are
   * subsampled with the real ones, from the same offset (see the file comment).
   */
  readonly subsample: number;
  /** Draws the per-trajectory offsets; required when subsample > 1. */
  readonly rng?: Rng;
  /** Pad terminated episodes with absorbing pairs up to this horizon; absent → one pair. */
  readonly absorbingHorizon?: number;
  /**
   * Give every pair its s′ (`PairSet.next`, AIRL's transitions): the next observation; s_abs after the
   * last step of a terminated episode (absorbing states on) and after an absorbing pair.
   */
  readonly next?: boolean;
}

/**
 * Absorbing pairs after an episode that terminated after `length` steps: max(1, horizon − length) when
 * a horizon is given, else 1 (see the file comment).
 */
export function absorbingPairsFor(length: number, horizon: number | undefined): number {
  return horizon === undefined ? 1 : Math.max(1, horizon - length);
}

/**
 * How many of `count` consecutive time slots starting at `start` a subsampling of one in `k` from
 * `offset` keeps: the slots t in [start, start + count) with t ≡ offset (mod k). `k` = 1 keeps all.
 */
export function keptSlots(start: number, count: number, k: number, offset: number): number {
  if (count <= 0) return 0;
  const first = start + ((((offset - start) % k) + k) % k);
  const end = start + count;
  return first < end ? Math.floor((end - 1 - first) / k) + 1 : 0;
}

/** What a pair set is made of: real and absorbing pairs, and the absorbing share of all. */
export interface PairComposition {
  readonly real: number;
  readonly absorbing: number;
  /** absorbing / (real + absorbing); 0 for an empty set or with absorbing states off. */
  readonly absorbingShare: number;
}

/** Counts the real and absorbing pairs of `pairs` (the indicator column, when there is one). */
export function pairComposition(pairs: PairSet): PairComposition {
  let absorbing = 0;
  if (pairs.absorbing) {
    const ind = pairs.obsDim - 1;
    for (let r = 0; r < pairs.n; r++) if (pairs.obs[r * pairs.obsDim + ind] === 1) absorbing++;
  }
  return {
    real: pairs.n - absorbing,
    absorbing,
    absorbingShare: pairs.n > 0 ? absorbing / pairs.n : 0,
  };
}

/** Expert pairs plus what was left out. */
export interface TrajectoryPairs {
  readonly pairs: PairSet;
  /** Trajectories skipped because they diverged. */
  readonly divergedSkipped: number;
}

/**
 * Wraps trajectories into discriminator pairs exactly as the collector wraps policy rollouts; with `next`,
 * the same rows with s′ (AIRL's expert transitions, streams/transitions.ts).
 */
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
  const builder = new PairBuilder(first.obsDim, first.actDim, options.absorbing, {
    next: options.next ?? false,
  });
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
    for (let s = offset; s < t.length; s += k) {
      // s′ (used with `next`): the episode enters the absorbing state after a terminated last step.
      const toAbsorbing = options.absorbing && t.end === 'terminated' && s === t.length - 1;
      builder.push(
        t.obs,
        s * t.obsDim,
        t.acts,
        s * t.actDim,
        toAbsorbing ? ABSORBING_STATE : t.obs,
        (s + 1) * t.obsDim,
      );
    }
    if (t.end === 'terminated')
      builder.pushAbsorbing(
        keptSlots(t.length, absorbingPairsFor(t.length, options.absorbingHorizon), k, offset),
      );
  });
  return { pairs: builder.build(), divergedSkipped };
}

/** Concatenates pair sets of equal layout (e.g. several rollouts). */
export function concatPairs(sets: readonly PairSet[]): PairSet {
  const first = sets[0];
  if (!first) throw new GailBridgeError('state', 'concatPairs: no pair sets given');
  for (const s of sets) {
    if ((s.next === undefined) !== (first.next === undefined))
      throw new GailBridgeError(
        'shape',
        'concatPairs: some pair sets have next observations and some do not',
      );
    if (s.obsDim !== first.obsDim || s.actDim !== first.actDim || s.absorbing !== first.absorbing)
      throw new GailBridgeError(
        'shape',
        `concatPairs: layout ${s.obsDim}/${s.actDim}/${s.absorbing} differs from ${first.obsDim}/${first.actDim}/${first.absorbing}`,
      );
  }
  const n = sets.reduce((a, s) => a + s.n, 0);
  const obs = new Float32Array(n * first.obsDim);
  const acts = new Float32Array(n * first.actDim);
  const next = first.next ? new Float32Array(n * first.obsDim) : undefined;
  let at = 0;
  for (const s of sets) {
    obs.set(s.obs, at * first.obsDim);
    acts.set(s.acts, at * first.actDim);
    if (next && s.next) next.set(s.next, at * first.obsDim);
    at += s.n;
  }
  return Object.freeze({ ...first, n, obs, acts, ...(next ? { next } : {}) });
}

/**
 * DAC's replay buffer (Kostrikov et al. 2019, Alg. 1 "replay buffer R"): the transitions the rollout
 * collector (streams/collector.ts) gathered, wrapped with the absorbing state as in the paper's §4.2:
 *
 *   step, not ended         (s, a, s')       bootstrap γ  (s' the next observation)
 *   step, truncated         (s, a, s_final)  bootstrap γ  (the MDP would have gone on)
 *   step, terminated        (s, a, s_abs)    bootstrap γ  with absorbing states on, then one
 *                           (s_abs, 0, s_abs) bootstrap γ: the absorbing state's value is learned
 *   step, terminated        (s, a, s_final)  bootstrap 0  with absorbing states off (a plain terminal)
 *   diverged, interrupted   nothing of the episode's steps in that rollout (the collector's `valid`)
 *
 * Observations are stored raw with the absorbing indicator as the last column (0 real, 1 absorbing;
 * s_abs = [0, …, 0, 1], a_abs = 0), the layout of the discriminator's pairs (streams/pairs.ts), so a
 * sample is at once a TD3 minibatch and a PairSet of policy pairs for D. One absorbing → absorbing
 * transition per terminated episode, on the replay side as on the expert side (`trajectoryPairs` without
 * a horizon): the paper's construction, and the one that keeps the buffer from filling with padding.
 * Actions are stored clipped to the action bounds (what the env executed).
 *
 * A ring: when full, the oldest transition is overwritten.
 */
import { GailBridgeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type NamedArrays, namedArray, takeArray } from '../learn/named-arrays.js';
import type { RolloutBatch } from '../learn/types.js';
import type { PairSet } from '../streams/pairs.js';

/**
 * n transitions drawn from the buffer, rows as stored:
 *   obs, nextObs: n × (obsDim + 1) (indicator last);  actions: n × actDim;  bootstrap: n (1: Q(s') counts)
 */
export interface ReplaySample {
  readonly n: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly nextObs: Float32Array;
  readonly bootstrap: Uint8Array;
}

/** What one `addRollout` stored. */
export interface AddedTransitions {
  /** Transitions stored, absorbing ones included. */
  readonly transitions: number;
  /** Absorbing → absorbing transitions among them. */
  readonly absorbing: number;
}

export class ReplayBuffer {
  /** Raw observation width (without the indicator). */
  readonly obsDim: number;
  readonly actDim: number;
  readonly capacity: number;
  readonly absorbing: boolean;
  private readonly low: Float32Array;
  private readonly high: Float32Array;
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Float32Array;
  private readonly bootstrap: Uint8Array;
  /** Next slot to write. */
  private head = 0;
  private count = 0;
  private absorbingRows = 0;

  /**
   * `bounds`: the action bounds stored actions are clipped to (actDim each; infinite bounds clip nothing).
   */
  constructor(
    obsDim: number,
    actDim: number,
    capacity: number,
    options: {
      readonly absorbing: boolean;
      readonly bounds: { low: readonly number[]; high: readonly number[] };
    },
  ) {
    for (const [what, v] of [
      ['obsDim', obsDim],
      ['actDim', actDim],
      ['capacity', capacity],
    ] as const)
      if (!Number.isInteger(v) || v <= 0)
        throw new GailBridgeError('config', `replay buffer ${what}: expected a positive integer, got ${v}`);
    if (options.bounds.low.length !== actDim || options.bounds.high.length !== actDim)
      throw new GailBridgeError(
        'shape',
        `replay buffer: action bounds have ${options.bounds.low.length}/${options.bounds.high.length} entries, expected ${actDim}`,
      );
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.capacity = capacity;
    this.absorbing = options.absorbing;
    this.low = Float32Array.from(options.bounds.low);
    this.high = Float32Array.from(options.bounds.high);
    const row = obsDim + 1;
    this.obs = new Float32Array(capacity * row);
    this.nextObs = new Float32Array(capacity * row);
    this.actions = new Float32Array(capacity * actDim);
    this.bootstrap = new Uint8Array(capacity);
  }

  /** Transitions held that start in the absorbing state. */
  get absorbingCount(): number {
    return this.absorbingRows;
  }

  /** Transitions held (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /** Stores one transition; `next` undefined means s' = s_abs. `obs` undefined means s = s_abs (a = 0). */
  private put(
    obs: Float32Array | undefined,
    obsAt: number,
    act: Float32Array | undefined,
    actAt: number,
    next: Float32Array | undefined,
    nextAt: number,
    bootstrap: boolean,
  ): void {
    const D = this.obsDim;
    const row = D + 1;
    const i = this.head;
    const o = i * row;
    if (this.count === this.capacity && this.obs[o + D] === 1) this.absorbingRows--;
    if (!obs) this.absorbingRows++;
    if (obs) {
      this.obs.set(obs.subarray(obsAt, obsAt + D), o);
      this.obs[o + D] = 0;
    } else {
      this.obs.fill(0, o, o + D);
      this.obs[o + D] = 1;
    }
    if (next) {
      this.nextObs.set(next.subarray(nextAt, nextAt + D), o);
      this.nextObs[o + D] = 0;
    } else {
      this.nextObs.fill(0, o, o + D);
      this.nextObs[o + D] = 1;
    }
    const a = i * this.actDim;
    for (let j = 0; j < this.actDim; j++) {
      const v = act ? act[actAt + j]! : 0;
      this.actions[a + j] = act ? Math.min(this.high[j]!, Math.max(this.low[j]!, v)) : 0;
    }
    this.bootstrap[i] = bootstrap ? 1 : 0;
    this.head = (this.head + 1) % this.capacity;
    this.count = Math.min(this.capacity, this.count + 1);
  }

  /** Adds a rollout's valid steps as transitions (see the file comment). */
  addRollout(batch: RolloutBatch): AddedTransitions {
    const { numSteps: T, numEnvs: N, obsDim: D, actDim: A } = batch;
    if (D !== this.obsDim || A !== this.actDim)
      throw new GailBridgeError(
        'shape',
        `replay buffer: rollout has obs/act ${D}/${A}, the buffer holds ${this.obsDim}/${this.actDim}`,
      );
    let transitions = 0;
    let absorbing = 0;
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        if (batch.valid && !batch.valid[k]) continue;
        if (batch.terminated[k] && this.absorbing) {
          this.put(batch.obs, k * D, batch.actions, k * A, undefined, 0, true);
          this.put(undefined, 0, undefined, 0, undefined, 0, true);
          transitions += 2;
          absorbing++;
          continue;
        }
        const ended = batch.terminated[k] || batch.truncated[k];
        const [next, at] = ended
          ? [batch.finalObs, k * D]
          : t + 1 < T
            ? [batch.obs, (k + N) * D]
            : [batch.lastObs, i * D];
        this.put(batch.obs, k * D, batch.actions, k * A, next, at, !batch.terminated[k]);
        transitions++;
      }
    }
    return { transitions, absorbing };
  }

  /** `size` transitions drawn uniformly with replacement. */
  sample(size: number, rng: Rng): ReplaySample {
    if (this.count === 0) throw new GailBridgeError('state', 'replay buffer: sample from an empty buffer');
    const row = this.obsDim + 1;
    const A = this.actDim;
    const obs = new Float32Array(size * row);
    const nextObs = new Float32Array(size * row);
    const actions = new Float32Array(size * A);
    const bootstrap = new Uint8Array(size);
    for (let r = 0; r < size; r++) {
      const i = rng.int(this.count);
      obs.set(this.obs.subarray(i * row, (i + 1) * row), r * row);
      nextObs.set(this.nextObs.subarray(i * row, (i + 1) * row), r * row);
      actions.set(this.actions.subarray(i * A, (i + 1) * A), r * A);
      bootstrap[r] = this.bootstrap[i]!;
    }
    return { n: size, obsDim: this.obsDim, actDim: A, obs, actions, nextObs, bootstrap };
  }

  /** Every stored transition in insertion order (oldest first), for tests. */
  all(): ReplaySample {
    const row = this.obsDim + 1;
    const A = this.actDim;
    const n = this.count;
    const start = n < this.capacity ? 0 : this.head;
    const obs = new Float32Array(n * row);
    const nextObs = new Float32Array(n * row);
    const actions = new Float32Array(n * A);
    const bootstrap = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const i = (start + r) % this.capacity;
      obs.set(this.obs.subarray(i * row, (i + 1) * row), r * row);
      nextObs.set(this.nextObs.subarray(i * row, (i + 1) * row), r * row);
      actions.set(this.actions.subarray(i * A, (i + 1) * A), r * A);
      bootstrap[r] = this.bootstrap[i]!;
    }
    return { n, obsDim: this.obsDim, actDim: A, obs, actions, nextObs, bootstrap };
  }

  /** The held transitions and the ring's position, under `prefix` (checkpoints: resume = uninterrupted). */
  toArrays(prefix: string): NamedArrays {
    const row = this.obsDim + 1;
    const n = this.count;
    return {
      [`${prefix}/obs`]: namedArray([n, row], this.obs.subarray(0, n * row)),
      [`${prefix}/nextObs`]: namedArray([n, row], this.nextObs.subarray(0, n * row)),
      [`${prefix}/actions`]: namedArray([n, this.actDim], this.actions.subarray(0, n * this.actDim)),
      [`${prefix}/bootstrap`]: namedArray([n], this.bootstrap.subarray(0, n)),
      [`${prefix}/head`]: namedArray([1], [this.head]),
    };
  }

  /** Restores what `toArrays` saved (shapes checked against this buffer's widths and capacity). */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    const row = this.obsDim + 1;
    const n = arrays[`${prefix}/bootstrap`]?.shape[0] ?? 0;
    if (n > this.capacity)
      throw new GailBridgeError(
        'shape',
        `replay buffer: the checkpoint holds ${n} transitions, more than the capacity ${this.capacity}`,
      );
    const obs = takeArray(arrays, `${prefix}/obs`, [n, row], 'replay buffer');
    const nextObs = takeArray(arrays, `${prefix}/nextObs`, [n, row], 'replay buffer');
    const actions = takeArray(arrays, `${prefix}/actions`, [n, this.actDim], 'replay buffer');
    const bootstrap = takeArray(arrays, `${prefix}/bootstrap`, [n], 'replay buffer');
    const head = takeArray(arrays, `${prefix}/head`, [1], 'replay buffer')[0]!;
    this.obs.set(obs);
    this.nextObs.set(nextObs);
    this.actions.set(actions);
    this.bootstrap.set(bootstrap);
    this.count = n;
    this.head = head;
    this.absorbingRows = 0;
    for (let r = 0; r < n; r++) if (this.obs[r * row + this.obsDim] === 1) this.absorbingRows++;
  }
}

/** The (s, a) of a sample as the discriminator's policy pairs; without absorbing states, indicator dropped. */
export function replayPairs(sample: ReplaySample, absorbing: boolean): PairSet {
  if (absorbing)
    return {
      n: sample.n,
      obsDim: sample.obsDim + 1,
      actDim: sample.actDim,
      absorbing: true,
      obs: sample.obs,
      acts: sample.actions,
    };
  const D = sample.obsDim;
  const obs = new Float32Array(sample.n * D);
  for (let r = 0; r < sample.n; r++) obs.set(sample.obs.subarray(r * (D + 1), r * (D + 1) + D), r * D);
  return { n: sample.n, obsDim: D, actDim: sample.actDim, absorbing: false, obs, acts: sample.actions };
}

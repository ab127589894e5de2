/**
 * What the vectorised env shares between the main thread and its workers: the env recipe (how a worker
 * builds its envs), the shared-memory layout, the control words, and `EnvSlice`, which steps a
 * contiguous range of envs with auto-reset. Used as is in-thread (0 workers) and in each worker.
 */
import { GailBridgeError } from '../core/errors.js';
import type { MujocoEnv } from './env.js';
import { type GenericEnvOptions, makeGenericEnvWith } from './generic.js';
import type { Mujoco } from './mujoco.js';
import { makeTaskEnvWith, type TaskEnvOptions } from './tasks/index.js';

/** How to build one env; plain data, so it can be posted to a worker. */
export type EnvRecipe =
  | { readonly kind: 'task'; readonly task: string; readonly options?: TaskEnvOptions }
  | { readonly kind: 'mjcf'; readonly path: string; readonly options?: GenericEnvOptions };

/** Builds the env a recipe describes. */
export function buildEnv(mujoco: Mujoco, recipe: EnvRecipe): MujocoEnv {
  return recipe.kind === 'task'
    ? makeTaskEnvWith(mujoco, recipe.task, recipe.options)
    : makeGenericEnvWith(mujoco, { path: recipe.path }, recipe.options);
}

/** Control word slots in the shared Int32Array `control`. */
export const CTRL = {
  /** The operation of the current command (one of OP). */
  op: 0,
  /** Per worker w: command sequence number at 1 + 2w, completion sequence number at 2 + 2w. */
  base: 1,
} as const;
export const OP = { reset: 1, step: 2, exit: 3, crash: 4, resetSome: 5 } as const;

export const commandSlot = (w: number): number => CTRL.base + 2 * w;
export const doneSlot = (w: number): number => CTRL.base + 2 * w + 1;

/** The SharedArrayBuffers of one VecEnv. */
export interface SharedBuffers {
  readonly control: SharedArrayBuffer;
  /** Float64 [seed] for reset. */
  readonly params: SharedArrayBuffer;
  /** Float64 per env: the seed of its next reset for `resetSome` (NaN: leave the env as it is). */
  readonly seeds: SharedArrayBuffer;
  readonly actions: SharedArrayBuffer;
  readonly obs: SharedArrayBuffer;
  readonly finalObs: SharedArrayBuffer;
  readonly rewards: SharedArrayBuffer;
  readonly terminated: SharedArrayBuffer;
  readonly truncated: SharedArrayBuffer;
  readonly diverged: SharedArrayBuffer;
  readonly episodeReturns: SharedArrayBuffer;
  readonly episodeLengths: SharedArrayBuffer;
}

/** Typed views over SharedBuffers; N × dim arrays are row-major by env. */
export interface SharedViews {
  readonly control: Int32Array;
  readonly params: Float64Array;
  readonly seeds: Float64Array;
  readonly actions: Float32Array;
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly diverged: Uint8Array;
  readonly episodeReturns: Float64Array;
  readonly episodeLengths: Int32Array;
}

/** Allocates the shared memory for N envs and W workers. */
export function allocateShared(n: number, obsDim: number, actDim: number, workers: number): SharedBuffers {
  const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(bytes, 8));
  return {
    control: sab(4 * (CTRL.base + 2 * Math.max(workers, 1))),
    params: sab(8),
    seeds: sab(8 * n),
    actions: sab(4 * n * actDim),
    obs: sab(4 * n * obsDim),
    finalObs: sab(4 * n * obsDim),
    rewards: sab(8 * n),
    terminated: sab(n),
    truncated: sab(n),
    diverged: sab(n),
    episodeReturns: sab(8 * n),
    episodeLengths: sab(4 * n),
  };
}

/** Typed views of `b` for N envs. */
export function viewShared(b: SharedBuffers, n: number, obsDim: number, actDim: number): SharedViews {
  return {
    control: new Int32Array(b.control),
    params: new Float64Array(b.params, 0, 1),
    seeds: new Float64Array(b.seeds, 0, n),
    actions: new Float32Array(b.actions, 0, n * actDim),
    obs: new Float32Array(b.obs, 0, n * obsDim),
    finalObs: new Float32Array(b.finalObs, 0, n * obsDim),
    rewards: new Float64Array(b.rewards, 0, n),
    terminated: new Uint8Array(b.terminated, 0, n),
    truncated: new Uint8Array(b.truncated, 0, n),
    diverged: new Uint8Array(b.diverged, 0, n),
    episodeReturns: new Float64Array(b.episodeReturns, 0, n),
    episodeLengths: new Int32Array(b.episodeLengths, 0, n),
  };
}

/**
 * Envs [start, start + envs.length) of a VecEnv, stepped in order. With `autoReset` an ended episode's env
 * is reset at once (its generator continues); without it, the env waits for `resetSome` with a seed
 * chosen by the main thread (streams/env-source.ts `vecEnvAsBatch`). Owns its envs.
 */
export class EnvSlice {
  private readonly envs: readonly MujocoEnv[];
  private readonly start: number;
  private readonly v: SharedViews;
  private readonly obsDim: number;
  /** Per-env action rows (views into shared memory, made once). */
  private readonly actionRows: Float32Array[];
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private readonly autoReset: boolean;

  constructor(envs: readonly MujocoEnv[], start: number, views: SharedViews, autoReset = true) {
    this.envs = envs;
    this.autoReset = autoReset;
    this.start = start;
    this.v = views;
    const first = envs[0]!;
    this.obsDim = first.spec.observation.names.length;
    const actDim = first.spec.action.names.length;
    this.actionRows = envs.map((_, k) =>
      views.actions.subarray((start + k) * actDim, (start + k + 1) * actDim),
    );
    this.returns = new Float64Array(envs.length);
    this.lengths = new Int32Array(envs.length);
  }

  /** Resets env i with seed + i (i the index in the whole VecEnv). */
  reset(seed: number): void {
    const d = this.obsDim;
    for (let k = 0; k < this.envs.length; k++) {
      const i = this.start + k;
      this.v.obs.set(this.envs[k]!.reset(seed + i), i * d);
      this.returns[k] = 0;
      this.lengths[k] = 0;
    }
  }

  /** Resets each env i whose `seeds[i]` is a number with that seed; the others are left as they are. */
  resetSome(): void {
    const d = this.obsDim;
    for (let k = 0; k < this.envs.length; k++) {
      const i = this.start + k;
      const seed = this.v.seeds[i]!;
      if (Number.isNaN(seed)) continue;
      this.v.obs.set(this.envs[k]!.reset(seed), i * d);
      this.returns[k] = 0;
      this.lengths[k] = 0;
    }
  }

  /**
   * Steps every env with its row of the shared actions. Ended episodes are reset in place with
   * `autoReset`; without it their `obs` row is the final observation until `resetSome`.
   */
  step(): void {
    const d = this.obsDim;
    const v = this.v;
    for (let k = 0; k < this.envs.length; k++) {
      const i = this.start + k;
      const env = this.envs[k]!;
      const r = env.step(this.actionRows[k]!);
      this.returns[k] = this.returns[k]! + r.reward;
      this.lengths[k] = this.lengths[k]! + 1;
      v.rewards[i] = r.reward;
      v.terminated[i] = r.terminated ? 1 : 0;
      v.truncated[i] = r.truncated ? 1 : 0;
      v.diverged[i] = r.diverged ? 1 : 0;
      if (r.terminated || r.truncated || r.diverged) {
        v.finalObs.set(r.obs, i * d);
        v.episodeReturns[i] = this.returns[k]!;
        v.episodeLengths[i] = this.lengths[k]!;
        this.returns[k] = 0;
        this.lengths[k] = 0;
        v.obs.set(this.autoReset ? env.reset() : r.obs, i * d);
      } else {
        v.obs.set(r.obs, i * d);
        v.episodeReturns[i] = 0;
        v.episodeLengths[i] = 0;
      }
    }
  }

  /** Disposes every env. */
  dispose(): void {
    for (const env of this.envs) env.dispose();
  }
}

/** Splits N envs into W contiguous ranges whose sizes differ by at most one. */
export function splitEnvs(n: number, workers: number): { start: number; count: number }[] {
  if (!Number.isInteger(n) || n < 1)
    throw new GailBridgeError('config', `numEnvs must be an integer ≥ 1, got ${n}`);
  const w = Math.min(workers, n);
  const out: { start: number; count: number }[] = [];
  let start = 0;
  for (let k = 0; k < w; k++) {
    const count = Math.floor(n / w) + (k < n % w ? 1 : 0);
    out.push({ start, count });
    start += count;
  }
  return out;
}

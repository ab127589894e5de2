/**
 * The simulation contract every stage downstream relies on. Implementations live beside this file
 * (`env.ts`, `vec-env.ts`); consumers (collector, trainer, ROS sim node) import only these types.
 */
import type { Spec } from '../core/spec.js';

/**
 * Why an env step ended the episode, if it did. `diverged` is MuJoCo reporting bad qpos/qvel/qacc (or a
 * non-finite state): the episode is cut, never silently reset, and excluded from training.
 */
export type StepEnd = 'terminated' | 'truncated' | 'diverged';

export interface StepInfo {
  /** Set when the step ended the episode. */
  readonly end?: StepEnd;
  /** Reward terms by name (e.g. forward, healthy, ctrl_cost) for logging; absent on generic tasks. */
  readonly rewardTerms?: Readonly<Record<string, number>>;
  /** Which MuJoCo warning fired when `end` is `diverged` (e.g. "mjWARN_BADQACC"). */
  readonly divergence?: string;
}

export interface StepResult {
  /** Observation after the step (the final observation when the episode ended). Owned by the caller. */
  readonly obs: Float64Array;
  /** The task's reward (0 for generic MJCF tasks, which have none). */
  readonly reward: number;
  /** The task's health check failed: a terminal state of the MDP. */
  readonly terminated: boolean;
  /** The horizon was reached: the MDP would have continued. */
  readonly truncated: boolean;
  /** MuJoCo flagged bad qpos/qvel/qacc or the state went non-finite. At most one of the three is true. */
  readonly diverged: boolean;
  readonly info: StepInfo;
}

/** Shape and meaning of an env's vectors, plus timing. */
export interface EnvSpec extends Spec {
  /** Seconds per env step: timestep × frameSkip. */
  readonly dt: number;
  /** Physics steps per env step. */
  readonly frameSkip: number;
  /** Steps after which the episode is truncated. */
  readonly horizon: number;
  /** Joint names in qpos order (for robot mappings). */
  readonly jointNames: readonly string[];
  /** Actuator names in ctrl order. */
  readonly actuatorNames: readonly string[];
}

export interface Env {
  readonly spec: EnvSpec;
  /** Starts an episode. A seed reseeds the env's generator; without one the stream continues. */
  reset(seed?: number): Float64Array;
  /**
   * Applies `action` (clipped to ctrlrange) for `frameSkip` physics steps. A wrong length or a
   * non-finite element throws a `GailBridgeError` naming the index. Stepping after an ended episode
   * without `reset` throws.
   */
  step(action: ArrayLike<number>): StepResult;
  /** Frees MjModel/MjData. Idempotent; any later call throws a `state` error. */
  dispose(): void;
}

/**
 * N envs stepped in lock-step (vec-env.ts), observations and actions in shared memory. Row i of every
 * N × dim array belongs to env i. Env i of a VecEnv reset with seed `s` is seeded `s + i`, so a VecEnv
 * gives the same results as N envs reset with seeds s, s+1, … and stepped one by one. An env whose episode
 * ends is reset at once (its generator continues, no new seed): `obs` row i is then the first observation
 * of the next episode and `finalObs` row i the last observation of the one that ended. Without
 * `autoReset`, `obs` row i stays the final observation and env i must be reset with `resetEnvs` (with a
 * seed the caller chooses) before the next `step`.
 */
export interface VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  /** Whether ended episodes are reset inside `step` (makeVecEnv's option; default true). */
  readonly autoReset: boolean;
  /** Resets every env (env i with seed + i); N × obsDim. */
  reset(seed: number): Promise<Float32Array>;
  /**
   * Resets env i with `seeds[i]` for every i where it is not NaN (seeds: N integers in [0, 2^32) or NaN);
   * the other envs are left as they are. Returns `obs` (N × obsDim, the same view as `step`'s).
   */
  resetEnvs(seeds: Float64Array): Promise<Float32Array>;
  /** `actions` is N × actDim; checked like `Env.step` (length, finiteness) before any env steps. */
  step(actions: Float32Array): Promise<VecStepResult>;
  /** Stops workers and frees every model. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * One lock-step of N envs. The arrays are views of buffers the VecEnv reuses: copy what you keep before
 * the next `step`.
 */
export interface VecStepResult {
  /** N × obsDim, after auto-reset. */
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  /** 1 where env i's episode ended for that reason (at most one of the three per env). */
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly diverged: Uint8Array;
  /** N × obsDim; row i valid where env i's episode ended this step. */
  readonly finalObs: Float32Array;
  /** Return (sum of rewards) of the episode that ended, where one ended; 0 elsewhere. */
  readonly episodeReturns?: Float64Array;
  /** Length in steps of the episode that ended, where one ended; 0 elsewhere. */
  readonly episodeLengths?: Int32Array;
}

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

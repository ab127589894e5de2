/**
 * `Trajectory`: one episode as recorded or rolled out.
 *
 *   obs:  (T+1) × obsDim, row-major — the observation before each action, plus the final one
 *   acts:  T    × actDim
 *   rewards?:    T    (the task's true reward; evaluation only, GAIL never reads it)
 *   timestamps?: T+1  seconds, monotonic
 *   end: why it stopped (see EPISODE_ENDS)
 *
 * Terminated and truncated are two facts (STYLE 5): only `terminated` gets an absorbing state
 * (Kostrikov et al. 2019); `truncated` bootstraps.
 */
import { GailBridgeError } from './errors.js';

/** Why an episode ended. One map, so the union and its docs cannot drift apart (STYLE 8). */
export const EPISODE_ENDS = {
  terminated: 'the task ended it (fell, reached a goal): the MDP reached a terminal state',
  truncated: 'a time limit or an operator stop: the MDP would have continued',
  diverged: 'the simulation became non-finite or unstable: excluded from training',
  interrupted: 'recording was cut (crash, kill): the data ends but the episode did not',
} as const;
export type EpisodeEnd = keyof typeof EPISODE_ENDS;
export const EPISODE_END_NAMES = Object.keys(EPISODE_ENDS) as EpisodeEnd[];

export function isEpisodeEnd(x: unknown): x is EpisodeEnd {
  return typeof x === 'string' && Object.hasOwn(EPISODE_ENDS, x);
}

export interface Trajectory {
  readonly obsDim: number;
  readonly actDim: number;
  /** Number of actions T. */
  readonly length: number;
  readonly obs: Float32Array;
  readonly acts: Float32Array;
  readonly end: EpisodeEnd;
  readonly rewards?: Float32Array;
  readonly timestamps?: Float64Array;
}

/** Validating constructor: every mismatch names both sides. */
export function makeTrajectory(fields: {
  obsDim: number;
  actDim: number;
  obs: Float32Array;
  acts: Float32Array;
  end: EpisodeEnd;
  rewards?: Float32Array;
  timestamps?: Float64Array;
}): Trajectory {
  const { obsDim, actDim, obs, acts, end } = fields;
  if (!Number.isInteger(obsDim) || obsDim <= 0)
    throw new GailBridgeError('shape', `obsDim must be a positive integer, got ${obsDim}`);
  if (!Number.isInteger(actDim) || actDim <= 0)
    throw new GailBridgeError('shape', `actDim must be a positive integer, got ${actDim}`);
  if (acts.length % actDim !== 0) {
    throw new GailBridgeError(
      'shape',
      `actions: length ${acts.length} is not a multiple of actDim ${actDim}`,
    );
  }
  const T = acts.length / actDim;
  if (obs.length % obsDim !== 0) {
    throw new GailBridgeError(
      'shape',
      `observations: length ${obs.length} is not a multiple of obsDim ${obsDim}`,
    );
  }
  const rows = obs.length / obsDim;
  if (rows !== T + 1) {
    throw new GailBridgeError('shape', `expected one more observation than actions: ${rows} != ${T} + 1`);
  }
  if (fields.rewards && fields.rewards.length !== T) {
    throw new GailBridgeError('shape', `rewards: expected one per action, ${fields.rewards.length} != ${T}`);
  }
  if (fields.timestamps && fields.timestamps.length !== T + 1) {
    throw new GailBridgeError(
      'shape',
      `timestamps: expected one per observation, ${fields.timestamps.length} != ${T + 1}`,
    );
  }
  if (!isEpisodeEnd(end)) {
    throw new GailBridgeError(
      'shape',
      `end: expected one of ${EPISODE_END_NAMES.join(', ')}, got ${String(end)}`,
    );
  }
  return Object.freeze({ ...fields, length: T });
}

/** Sum of rewards, or undefined when the trajectory has none. */
export function trajectoryReturn(t: Trajectory): number | undefined {
  if (!t.rewards) return undefined;
  let s = 0;
  for (const r of t.rewards) s += r;
  return s;
}

/**
 * Checks `k` of "keep one pair in k" (`--subsample`, Ho & Ermon 2016 Sec. 6 used 20) for BC's pairs and
 * the discriminator's expert pairs alike: a positive integer, else a `config` error naming the flag.
 */
export function checkSubsample(k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new GailBridgeError('config', `--subsample: expected a positive integer, got ${k}`);
}

/**
 * The trajectories that can serve as demonstrations, in file order: a diverged episode (the simulator
 * blew up) or an empty one teaches nothing. GAIL, BC and the GAIL bench all choose through this, so
 * `--trajectories N` means the same N trajectories for each.
 */
export function usableDemonstrations(trajectories: readonly Trajectory[]): Trajectory[] {
  return trajectories.filter((t) => t.end !== 'diverged' && t.length > 0);
}

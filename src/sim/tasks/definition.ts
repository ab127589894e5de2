/**
 * `TaskDefinition`: one built-in task — its MJCF file, timing, and how to build its `TaskRuntime` —
 * following the Gymnasium MuJoCo v5 definitions summarised in specs/gymnasium-tasks.md.
 */
import type { ModelInfo } from '../model.js';
import type { TaskRuntime } from '../task.js';

/** Options some tasks accept. */
export interface TaskOptions {
  /** Ant: append clip(cfrc_ext, −1, 1) of the 13 bodies to the observation (27 → 105). Default false. */
  readonly contactForces?: boolean;
}

export interface TaskDefinition {
  /** CLI name, lower-case kebab ("half-cheetah"). */
  readonly name: string;
  /** Gymnasium's name ("HalfCheetah"). */
  readonly title: string;
  /** MJCF file beside this module (src/sim/tasks/). */
  readonly file: string;
  readonly frameSkip: number;
  /** Seconds per env step (timestep × frameSkip). */
  readonly dt: number;
  readonly horizon: number;
  /** Observation size with default options. */
  readonly obsDim: number;
  readonly actDim: number;
  /** One line for `gail-bridge tasks`. */
  readonly summary: string;
  build(info: ModelInfo, options: TaskOptions): TaskRuntime;
}

/** Index of a named body, joint or site, or a clear error if the MJCF lacks it. */
export function indexOf(names: readonly string[], name: string, kind: string, task: string): number {
  const i = names.indexOf(name);
  if (i < 0)
    throw new Error(`task ${task}: its MJCF has no ${kind} named "${name}" (have: ${names.join(', ')})`);
  return i;
}

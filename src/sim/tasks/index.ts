/**
 * The built-in tasks (Gymnasium MuJoCo v5 definitions, this project's MJCF): a registry by CLI name and
 * `makeTaskEnv`, which loads the task's MJCF and returns an `Env`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../../core/errors.js';
import { MujocoEnv } from '../env.js';
import { loadModelWith, type ModelSource } from '../model.js';
import { loadMujoco, type Mujoco } from '../mujoco.js';
import { ant, antDisabled } from './ant.js';
import type { TaskDefinition, TaskOptions } from './definition.js';
import { halfCheetah } from './half-cheetah.js';
import { hopper } from './hopper.js';
import { humanoid } from './humanoid.js';
import { invertedDoublePendulum } from './inverted-double-pendulum.js';
import { invertedPendulum } from './inverted-pendulum.js';
import { reacher, reacherReversed } from './reacher.js';
import { walker2d } from './walker2d.js';

export type { TaskDefinition, TaskOptions } from './definition.js';

/** Built-in tasks by CLI name, in the order `gail-bridge tasks` lists them. */
export const TASKS = {
  'inverted-pendulum': invertedPendulum,
  'inverted-double-pendulum': invertedDoublePendulum,
  reacher,
  hopper,
  walker2d,
  'half-cheetah': halfCheetah,
  ant,
  humanoid,
  'ant-disabled': antDisabled,
  'reacher-reversed': reacherReversed,
} as const satisfies Record<string, TaskDefinition>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function isTaskName(x: unknown): x is TaskName {
  return typeof x === 'string' && Object.hasOwn(TASKS, x);
}

/** The definition of `name`, or a `config` error listing the valid names. */
export function getTask(name: string): TaskDefinition {
  if (!isTaskName(name)) {
    throw new GailBridgeError(
      'config',
      `unknown task "${name}"; built-in tasks are: ${TASK_NAMES.join(', ')} (or pass --model robot.xml)`,
    );
  }
  return TASKS[name];
}

/**
 * Absolute path of a task's MJCF. Under tsx it sits beside this module; from the compiled `dist/`
 * (which `tsc` does not copy XML into) it is read from the package's `src/sim/tasks/`.
 */
export function taskXmlPath(task: TaskDefinition): string {
  const candidates = [
    new URL(`./${task.file}`, import.meta.url),
    new URL(`../../../src/sim/tasks/${task.file}`, import.meta.url),
  ];
  for (const url of candidates) {
    const p = fileURLToPath(url);
    if (existsSync(p)) return p;
  }
  throw new GailBridgeError(
    'mjcf',
    `task ${task.name}: its MJCF ${task.file} is missing (looked in ${candidates.map((u) => fileURLToPath(u)).join(' and ')}); reinstall the package`,
  );
}

export interface TaskEnvOptions extends TaskOptions {
  /** Generator seed for resets without a seed; default 0. */
  readonly seed?: number;
  /** Overrides the task's horizon (steps). */
  readonly horizon?: number;
}

/** Loads a built-in task as an `Env` (the caller owns it and must dispose it). */
export async function makeTaskEnv(name: string, options: TaskEnvOptions = {}): Promise<MujocoEnv> {
  const task = getTask(name);
  return makeTaskEnvWith(await loadMujoco(), task.name, options);
}

/**
 * Synchronous `makeTaskEnv` for callers that already hold the MuJoCo module (worker threads). `source`
 * replaces the task's MJCF file (the view page passes the same file's text, sent by its server).
 */
export function makeTaskEnvWith(
  mujoco: Mujoco,
  name: string,
  options: TaskEnvOptions = {},
  source?: ModelSource,
): MujocoEnv {
  const task = getTask(name);
  const sim = loadModelWith(mujoco, source ?? { path: taskXmlPath(task) });
  try {
    const runtime = task.build(sim.info, options);
    if (sim.info.nu !== task.actDim) {
      throw new GailBridgeError(
        'mjcf',
        `task ${task.name}: MJCF has ${sim.info.nu} actuators, expected ${task.actDim}`,
      );
    }
    return new MujocoEnv(sim, runtime, {
      frameSkip: task.frameSkip,
      horizon: options.horizon ?? task.horizon,
      source: { kind: 'task', task: task.name },
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (err) {
    sim.dispose();
    throw err;
  }
}

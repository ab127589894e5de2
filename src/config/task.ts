/**
 * Task config (`config/tasks/*.yaml`): an MJCF robot as a generic task (sim/generic.ts) for every command
 * that takes `--model` (sim, train, eval, demos, deploy --dry-run, record --sim) — frame skip, horizon,
 * observation layout, reset noise and the termination rules (a body's height range, a joint's range) that
 * no flag can express. `EnvTarget` is what such a command runs on: a built-in task or a generic one, from
 * its flags or from the spec a policy recorded.
 *
 * Keys are snake_case, as in the robot configs. Every field is optional; unset fields keep the generic
 * env's defaults (or the command's, e.g. GAIL leaves the root's x/y out unless the file says otherwise).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { GailBridgeError } from '../core/errors.js';
import type { SpecSource } from '../core/spec.js';
import type { MujocoEnv } from '../sim/env.js';
import type { GenericEnvOptions } from '../sim/generic.js';
import type { VecEnv } from '../sim/types.js';
import type { EnvRecipe } from '../sim/vec-core.js';
import { loadYamlConfig, parseYamlConfig } from './load.js';

const name = z.string().min(1);
const posInt = (what: string) => {
  const error = `expected a positive integer (${what})`;
  return z.int({ error }).positive({ error });
};
const finite = (unit: string) => z.number({ error: `expected a finite number (${unit})` });

const bodyHeightRule = z
  .strictObject({
    /** Body name in the MJCF. */
    body: name,
    /** Lowest allowed world z of the body's frame origin, metres. */
    min_z: finite('m').optional(),
    /** Highest allowed world z, metres. */
    max_z: finite('m').optional(),
  })
  .superRefine((r, ctx) => boundsIssues(r.min_z, r.max_z, 'min_z', 'max_z', ctx));

const jointRangeRule = z
  .strictObject({
    /** Hinge (rad) or slide (m) joint name in the MJCF. */
    joint: name,
    /** Lowest allowed qpos of the joint, rad or m. */
    min: finite('rad or m').optional(),
    /** Highest allowed qpos, rad or m. */
    max: finite('rad or m').optional(),
  })
  .superRefine((r, ctx) => boundsIssues(r.min, r.max, 'min', 'max', ctx));

function boundsIssues(
  lo: number | undefined,
  hi: number | undefined,
  loKey: string,
  hiKey: string,
  ctx: z.RefinementCtx,
): void {
  if (lo === undefined && hi === undefined)
    ctx.addIssue({ code: 'custom', path: [], message: `give ${loKey}, ${hiKey} or both` });
  else if (lo !== undefined && hi !== undefined && !(lo < hi))
    ctx.addIssue({ code: 'custom', path: [loKey], message: `${loKey} must be < ${hiKey} (${lo} >= ${hi})` });
}

/** The task config record, as validated at load. */
export const taskConfigSchema = z.strictObject({
  /** MJCF file, relative to the config file; `--model` on the command line overrides it. */
  model: name.optional(),
  /** Physics steps per env step (default 1), so dt = frame_skip · the model's timestep. */
  frame_skip: posInt('physics steps per env step').optional(),
  /** Env steps before the episode is truncated (default 1000). */
  horizon: posInt('env steps').optional(),
  /** Leave the root's world x/y out of the observation (default false; GAIL: true). */
  exclude_root_xy: z.boolean().optional(),
  /** Append all sensor readings to the observation (default false). */
  sensors: z.boolean().optional(),
  /** Half-width of uniform noise added to qpos and qvel at reset, in their units (default 0). */
  reset_noise: z
    .number({ error: 'expected a number ≥ 0' })
    .nonnegative({ error: 'expected a number ≥ 0' })
    .optional(),
  /** Termination rules: the episode ends `terminated` at the first step any rule is broken. */
  terminate: z
    .strictObject({
      /** A body's world z must stay in [min_z, max_z], metres. */
      body_height: z.array(bodyHeightRule).optional(),
      /** A hinge/slide joint's qpos must stay in [min, max], rad or m. */
      joint_range: z.array(jointRangeRule).optional(),
    })
    .optional(),
});

/** The validated task config. */
export type TaskConfig = z.output<typeof taskConfigSchema>;

/** A generic task, ready for `makeGenericEnv({ path }, options)`. */
export interface GenericTask {
  /** MJCF file (the --model flag, else the config's `model` resolved against the config's folder). */
  readonly path: string;
  readonly options: GenericEnvOptions;
}

/** Validates a task config from YAML text; errors name the file, field path and line. */
export function parseTaskConfig(text: string, file: string): TaskConfig {
  return parseYamlConfig(text, file, taskConfigSchema);
}

/** Loads and validates `config/tasks/NAME.yaml` (or any path). */
export function loadTaskConfig(file: string): TaskConfig {
  return loadYamlConfig(file, taskConfigSchema);
}

/**
 * The generic task `cfg` (read from `file`) describes. `model` (a --model flag, relative to the working
 * directory) overrides the config's; without either it is a `config` error.
 */
export function genericTaskFromConfig(cfg: TaskConfig, file: string, model?: string): GenericTask {
  const fromFile =
    cfg.model === undefined || isAbsolute(cfg.model) ? cfg.model : join(dirname(file), cfg.model);
  const path = model ?? fromFile;
  if (path === undefined)
    throw new GailBridgeError(
      'config',
      `${file}: no model: set \`model: robot.xml\` in the file or pass --model robot.xml`,
    );
  const t = cfg.terminate;
  const options: GenericEnvOptions = {
    ...(cfg.frame_skip === undefined ? {} : { frameSkip: cfg.frame_skip }),
    ...(cfg.horizon === undefined ? {} : { horizon: cfg.horizon }),
    ...(cfg.exclude_root_xy === undefined ? {} : { excludeRootXY: cfg.exclude_root_xy }),
    ...(cfg.sensors === undefined ? {} : { sensors: cfg.sensors }),
    ...(cfg.reset_noise === undefined ? {} : { resetNoise: cfg.reset_noise }),
    ...(t?.body_height === undefined
      ? {}
      : {
          bodyHeight: t.body_height.map((r) => ({
            body: r.body,
            ...(r.min_z === undefined ? {} : { minZ: r.min_z }),
            ...(r.max_z === undefined ? {} : { maxZ: r.max_z }),
          })),
        }),
    ...(t?.joint_range === undefined
      ? {}
      : {
          jointRange: t.joint_range.map((r) => ({
            joint: r.joint,
            ...(r.min === undefined ? {} : { min: r.min }),
            ...(r.max === undefined ? {} : { max: r.max }),
          })),
        }),
  };
  return { path, options };
}

/** Loads `file` and returns its generic task (see `genericTaskFromConfig`). */
export function loadGenericTask(file: string, model?: string): GenericTask {
  return genericTaskFromConfig(loadTaskConfig(file), file, model);
}

/**
 * Runs `make` (which creates the env of a task config) so that its errors name the config file too:
 * generic.ts finds unknown bodies and joints, and rules on joints without one angle, only when it loads
 * the model. The error's code is kept.
 */
export async function withTaskConfigContext<T>(file: string | undefined, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    if (file === undefined || !(err instanceof GailBridgeError)) throw err;
    throw new GailBridgeError(err.code, `task config ${file}: ${err.message}`, { cause: err });
  }
}

/** What a command runs on: a built-in task, or an MJCF robot as a generic task (reward 0). */
export type EnvTarget =
  | { readonly kind: 'task'; readonly task: string }
  | {
      readonly kind: 'model';
      /** The MJCF file. */
      readonly model: string;
      /** The task config the options came from, if any (recorded in the env's spec source). */
      readonly taskConfig: string | undefined;
      readonly options: GenericEnvOptions;
    };

/** The env flags of a command: `--task`, `--model`, `--task-config`. */
export interface EnvTargetFlags {
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
}

/**
 * Defaults of a generic task under the learning commands (train, eval, demos, deploy, record --sim): the
 * root's x/y are left out of the observation (a policy should not depend on where the robot stands),
 * unless the task config says otherwise. All of them use these, so that what one makes the next accepts.
 */
export const LEARNING_GENERIC_DEFAULTS: GenericEnvOptions = Object.freeze({ excludeRootXY: true });

/** The target the flags name, or undefined when none is given. A clash is a `usage` error. */
export function envTargetFromFlags(f: EnvTargetFlags, command: string): EnvTarget | undefined {
  if (f.task !== undefined && (f.model !== undefined || f.taskConfig !== undefined))
    throw new GailBridgeError(
      'usage',
      `${command}: --task names a built-in task, --model/--task-config an MJCF robot; give one or the other`,
    );
  if (f.task !== undefined) return { kind: 'task', task: f.task };
  if (f.model === undefined && f.taskConfig === undefined) return undefined;
  const generic: GenericTask =
    f.taskConfig !== undefined ? loadGenericTask(f.taskConfig, f.model) : { path: f.model!, options: {} };
  return {
    kind: 'model',
    model: generic.path,
    taskConfig: f.taskConfig,
    options: { ...LEARNING_GENERIC_DEFAULTS, ...generic.options },
  };
}

/**
 * The target a policy (or demo file) `file` was made on, from its spec's source: a built-in task, or the
 * MJCF model and task config it recorded, which must still exist (else a `file` error saying to pass
 * --model/--task-config). A robot recording names no simulation: a `usage` error asking for one.
 */
export function envTargetFromSource(source: SpecSource, file: string, what = 'policy'): EnvTarget {
  switch (source.kind) {
    case 'task':
      return { kind: 'task', task: source.task };
    case 'robot':
      throw new GailBridgeError(
        'usage',
        `${what} ${file} was made from the robot config ${source.config}, not a simulation: ` +
          'pass --task NAME or --model robot.xml (and --task-config task.yaml) to simulate one',
      );
    case 'mjcf': {
      if (!existsSync(source.path))
        throw new GailBridgeError(
          'file',
          `${what} ${file} was trained on the MJCF model ${source.path}, which no longer exists; ` +
            'pass --model robot.xml (and --task-config task.yaml) to run it on a model you have',
        );
      if (source.taskConfig !== undefined && !existsSync(source.taskConfig))
        throw new GailBridgeError(
          'file',
          `${what} ${file} was trained on ${source.path} with the task config ${source.taskConfig}, which no ` +
            'longer exists; pass --task-config task.yaml (and --model robot.xml) to run it with one you have',
        );
      return envTargetFromFlags({ model: source.path, taskConfig: source.taskConfig }, what)!;
    }
  }
}

/**
 * The target of a run's saved settings (GAIL's and BC's config.json): `task`, or `model` with the options
 * read once from `taskConfig` at the start of the run (`genericEnv`), on the learning defaults.
 */
export function envTargetOfSettings(s: {
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
  readonly genericEnv?: GenericEnvOptions | undefined;
}): EnvTarget {
  if (s.task !== undefined) return { kind: 'task', task: s.task };
  if (s.model === undefined)
    throw new GailBridgeError('usage', '--task or --model: give one (a built-in task, or an MJCF robot)');
  return {
    kind: 'model',
    model: s.model,
    taskConfig: s.taskConfig,
    options: { ...LEARNING_GENERIC_DEFAULTS, ...s.genericEnv },
  };
}

/** "hopper", or "model robot.xml (task config task.yaml)". */
export function describeEnvTarget(t: EnvTarget): string {
  return t.kind === 'task'
    ? t.task
    : `model ${t.model}${t.taskConfig === undefined ? '' : ` (task config ${t.taskConfig})`}`;
}

/** Whether the target's env has a task reward (a generic robot's is 0: nothing to report). */
export function envTargetHasReward(t: EnvTarget): boolean {
  return t.kind === 'task';
}

/** What to say instead of a return when the target has no reward. */
export const NO_REWARD_TEXT = 'no reward: the model has no task reward; returns are not reported';

/** Makes one env of the target (the caller owns and disposes it); a task config's errors name its file. */
export async function makeEnvTarget(
  t: EnvTarget,
  options: { readonly seed?: number; readonly horizon?: number } = {},
): Promise<MujocoEnv> {
  if (t.kind === 'task') {
    const { makeTaskEnv } = await import('../sim/tasks/index.js');
    return makeTaskEnv(t.task, {
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.horizon === undefined ? {} : { horizon: options.horizon }),
    });
  }
  const { makeGenericEnv } = await import('../sim/generic.js');
  return withTaskConfigContext(t.taskConfig, () =>
    makeGenericEnv(
      { path: t.model },
      {
        ...t.options,
        ...(t.taskConfig === undefined ? {} : { taskConfig: t.taskConfig }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.horizon === undefined ? {} : { horizon: options.horizon }),
      },
    ),
  );
}

/**
 * How a worker thread builds one env of the target (sim/vec-env.ts): the same task, or the same model with
 * the same options and task config, as `makeEnvTarget` makes in this thread.
 */
export function envRecipeOfTarget(t: EnvTarget): EnvRecipe {
  if (t.kind === 'task') return { kind: 'task', task: t.task };
  return {
    kind: 'mjcf',
    path: t.model,
    options: { ...t.options, ...(t.taskConfig === undefined ? {} : { taskConfig: t.taskConfig }) },
  };
}

/**
 * `numEnvs` envs of the target in `workers` worker threads, episodes seeded by the caller (autoReset
 * off; streams/env-source.ts `vecEnvAsBatch`). A task config's errors name its file.
 */
export async function makeEnvTargetWorkers(
  t: EnvTarget,
  options: { readonly numEnvs: number; readonly workers: number },
): Promise<VecEnv> {
  const { makeVecEnv } = await import('../sim/vec-env.js');
  return withTaskConfigContext(t.kind === 'model' ? t.taskConfig : undefined, () =>
    makeVecEnv(envRecipeOfTarget(t), {
      numEnvs: options.numEnvs,
      workers: options.workers,
      autoReset: false,
    }),
  );
}

/**
 * Task config (`config/tasks/*.yaml`): an MJCF robot as a generic task (sim/generic.ts) for
 * `sim --model` and `train --algo gail --model` — frame skip, horizon, observation layout, reset noise and
 * the termination rules (a body's height range, a joint's range) that no flag can express.
 *
 * Keys are snake_case, as in the robot configs. Every field is optional; unset fields keep the generic
 * env's defaults (or the command's, e.g. GAIL leaves the root's x/y out unless the file says otherwise).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { GailBridgeError } from '../core/errors.js';
import type { GenericEnvOptions } from '../sim/generic.js';
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

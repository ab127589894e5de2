/**
 * `gail-bridge sim`: runs episodes of a simple policy (uniform random, or zero) on a built-in task or any
 * MJCF robot, and prints the return, length and end reason of each. `npm start` runs
 * `sim --task hopper --policy random --episodes 3`.
 */
import { type Command, Option } from 'commander';
import { type GenericTask, loadGenericTask, withTaskConfigContext } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { MujocoEnv } from '../sim/env.js';
import { makeGenericEnv } from '../sim/generic.js';
import { makeTaskEnv } from '../sim/tasks/index.js';
import type { StepEnd } from '../sim/types.js';
import { info, integer, positiveInt, progressBar, report, runCommand } from './common.js';
import { addRosSimOptions, type RosSimFlags, rosSimOptions, runRosSim } from './sim-ros.js';

export const SIM_POLICIES = ['random', 'zero'] as const;
export type SimPolicy = (typeof SIM_POLICIES)[number];

/** Options of `runSim` (the command's flags). */
export interface SimOptions {
  /** Built-in task name; exactly one of task and model (or a task config naming its model). */
  readonly task?: string;
  /** MJCF file of a robot, run as a generic task (reward 0); overrides the task config's model. */
  readonly model?: string;
  /** Task config YAML (config/tasks/*.yaml) for the generic task: options and termination rules. */
  readonly taskConfig?: string;
  readonly policy: SimPolicy;
  readonly episodes: number;
  /** Episode e is reset with seed + e; the random policy draws from its own generator seeded `seed`. */
  readonly seed: number;
  /** Overrides the horizon (steps), the task config's included. */
  readonly horizon?: number;
  /** Generic task only: physics steps per env step (default: the task config's, else 1). */
  readonly frameSkip?: number;
  /** Called after each episode (for the progress bar). */
  readonly onEpisode?: (done: number, episode: SimEpisode) => void;
}

export interface SimEpisode {
  readonly seed: number;
  readonly return: number;
  readonly length: number;
  readonly end: StepEnd;
  /** Set when end is "diverged". */
  readonly divergence?: string;
}

/** What `sim` prints (with --json, exactly this object). */
export interface SimResult {
  readonly env: string;
  readonly policy: SimPolicy;
  readonly obsDim: number;
  readonly actDim: number;
  readonly dt: number;
  readonly episodes: readonly SimEpisode[];
  /** Env steps per second over the whole run (policy included). */
  readonly stepsPerSecond: number;
}

type SimEnvOptions = Pick<SimOptions, 'task' | 'model' | 'taskConfig' | 'horizon' | 'frameSkip'>;

/** What `sim` runs: a built-in task by name, or a generic task (flags over the task config's options). */
function simTarget(o: SimEnvOptions): { task: string } | { generic: GenericTask } {
  if (o.task !== undefined && o.taskConfig !== undefined)
    throw new GailBridgeError(
      'usage',
      'sim: --task-config describes a generic MJCF task; use it with --model or alone, not with --task',
    );
  if ((o.task === undefined) === (o.model === undefined && o.taskConfig === undefined))
    throw new GailBridgeError('usage', 'sim: pass exactly one of --task <name> and --model <file.xml>');
  if (o.task !== undefined) return { task: o.task };
  const base: GenericTask =
    o.taskConfig !== undefined ? loadGenericTask(o.taskConfig, o.model) : { path: o.model!, options: {} };
  return {
    generic: {
      ...base,
      options: {
        ...base.options,
        ...(o.horizon === undefined ? {} : { horizon: o.horizon }),
        ...(o.frameSkip === undefined ? {} : { frameSkip: o.frameSkip }),
      },
    },
  };
}

/** Makes the env `sim` runs: a built-in task, or a generic env around an MJCF robot. */
export async function makeSimEnv(o: SimEnvOptions): Promise<MujocoEnv> {
  const target = simTarget(o);
  if ('task' in target)
    return await makeTaskEnv(target.task, o.horizon === undefined ? {} : { horizon: o.horizon });
  const { path, options } = target.generic;
  return await withTaskConfigContext(o.taskConfig, () => makeGenericEnv({ path }, options));
}

/** Runs the episodes and returns their summaries. */
export async function runSim(o: SimOptions): Promise<SimResult> {
  const env = await makeSimEnv(o);
  try {
    const { action } = env.spec;
    const nu = action.names.length;
    // Unbounded actuators (no ctrlrange) are driven in [−1, 1].
    const low = action.low.map((x) => (Number.isFinite(x) ? x : -1));
    const high = action.high.map((x) => (Number.isFinite(x) ? x : 1));
    const rng = new Rng(o.seed);
    const a = new Float64Array(nu);
    const episodes: SimEpisode[] = [];
    let steps = 0;
    const t0 = performance.now();
    for (let e = 0; e < o.episodes; e++) {
      env.reset(o.seed + e);
      let ret = 0;
      let length = 0;
      for (;;) {
        if (o.policy === 'random') for (let i = 0; i < nu; i++) a[i] = rng.uniform(low[i]!, high[i]!);
        const r = env.step(a);
        ret += r.reward;
        length++;
        if (r.info.end !== undefined) {
          episodes.push({
            seed: o.seed + e,
            return: ret,
            length,
            end: r.info.end,
            ...(r.info.divergence === undefined ? {} : { divergence: r.info.divergence }),
          });
          break;
        }
      }
      steps += length;
      o.onEpisode?.(e + 1, episodes[e]!);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      env: o.task ?? (env.spec.source.kind === 'mjcf' ? env.spec.source.path : ''),
      policy: o.policy,
      obsDim: env.spec.observation.names.length,
      actDim: nu,
      dt: env.spec.dt,
      episodes,
      stepsPerSecond: steps / Math.max(seconds, 1e-9),
    };
  } finally {
    env.dispose();
  }
}

/** The flags of `sim` as commander parses them (with the `--ros` ones of sim-ros.ts). */
interface SimFlags extends RosSimFlags, Omit<SimOptions, 'onEpisode'> {
  readonly json: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('sim')
    .description('run episodes of a random (or zero) policy on a built-in task or an MJCF robot')
    .option('--task <name>', 'built-in task (see `gail-bridge tasks`)')
    .option('--model <file>', 'MJCF robot, run as a generic task: obs qpos ++ qvel, reward 0')
    .option(
      '--task-config <file>',
      'YAML options of the generic task (config/tasks/*.yaml): termination rules, frame skip, horizon, model',
    )
    .addOption(new Option('--policy <name>', 'policy').choices([...SIM_POLICIES]).default('random'))
    .option('--episodes <n>', 'episodes', positiveInt('--episodes'), 3)
    .option('--seed <n>', 'seed of the first episode (episode e uses seed + e)', integer('--seed'), 0)
    .option(
      '--horizon <n>',
      'steps before truncation (default: the task horizon; --model: the task config, else 1000)',
      positiveInt('--horizon'),
    )
    .option(
      '--frame-skip <n>',
      'physics steps per env step for --model (default: the task config, else 1)',
      positiveInt('--frame-skip'),
    )
    .option('--json', 'print the result as one JSON object on stdout', false);
  addRosSimOptions(command);
  command.action((o: SimFlags) =>
    runCommand(async () => {
      const episodes = o.episodes;
      const envOptions = {
        ...(o.task === undefined ? {} : { task: o.task }),
        ...(o.model === undefined ? {} : { model: o.model }),
        ...(o.taskConfig === undefined ? {} : { taskConfig: o.taskConfig }),
        ...(o.horizon === undefined ? {} : { horizon: o.horizon }),
        ...(o.frameSkip === undefined ? {} : { frameSkip: o.frameSkip }),
      };
      if (o.ros) {
        // Served until SIGINT/SIGTERM (or --episodes when given explicitly) as a ROS 2 node.
        const env = await makeSimEnv(envOptions);
        try {
          const served = await runRosSim({
            env,
            seed: o.seed,
            ...(command.getOptionValueSource('episodes') === 'cli' ? { episodes } : {}),
            ...rosSimOptions(o),
            log: info,
          });
          report(o.json, { episodes: served }, () =>
            served
              .map(
                (ep, e) =>
                  `  episode ${e + 1}: return ${ep.return.toFixed(2)}, length ${ep.length}, ${ep.end}`,
              )
              .join('\n'),
          );
        } finally {
          env.dispose();
        }
        return;
      }
      const bar = progressBar(episodes, 'sim episodes', ['return']);
      let result: SimResult;
      try {
        result = await runSim({
          ...envOptions,
          policy: o.policy,
          episodes,
          seed: o.seed,
          onEpisode: (done, ep) => bar.update(done, { return: ep.return.toFixed(1) }),
        });
      } finally {
        bar.stop();
      }
      info(`${result.stepsPerSecond.toFixed(0)} env steps/s (policy included)`);
      report(o.json, result, () =>
        [
          `${result.env}: ${result.policy} policy, obs ${result.obsDim}, act ${result.actDim}, dt ${result.dt} s`,
          ...result.episodes.map(
            (ep, e) =>
              `  episode ${e + 1} (seed ${ep.seed}): return ${ep.return.toFixed(2)}, length ${ep.length}, ${ep.end}` +
              (ep.divergence === undefined ? '' : ` (${ep.divergence})`),
          ),
        ].join('\n'),
      );
    }),
  );
}

/**
 * `gail-bridge expert`: trains an expert on a built-in task's true reward with PPO or TRPO, as the GAIL
 * paper made its experts (Ho & Ermon 2016, §6), in a run folder (src/run; the algorithm is
 * src/algos/expert.ts). Every few updates the policy is evaluated deterministically on fixed seeds and
 * the best one so far is the folder's policy.policy (PPO's last iterate is not always its best);
 * checkpoint.policy holds the latest state for `--resume DIR`.
 */
import { Command, Option } from 'commander';
import type { ExpertAlgo, ExpertSettings } from '../algos/expert.js';
import type { RunConfig } from '../run/folder.js';
import { resumeCommand } from '../run/run.js';
import { integer, positiveInt, positiveNumber, report, runCommand, widths } from './common.js';
import { resumeConfig, runInFolder } from './run-command.js';
import type { StopOnSignalOptions } from './stop-on-signal.js';

/** The flags of `expert` as commander parses them (each option's parser makes the type given here). */
export interface ExpertFlags {
  readonly task?: string;
  readonly algo?: ExpertAlgo;
  readonly steps?: number;
  /** The run folder to create; default runs/expert-<task>. */
  readonly out?: string;
  readonly envs?: number;
  /** Worker threads stepping the envs (not a setting: it changes no result). */
  readonly workers?: number;
  readonly rolloutSteps?: number;
  readonly hidden?: number[];
  readonly lr?: number;
  readonly minibatches?: number;
  readonly normalizeRewards?: boolean;
  readonly seed?: number;
  readonly backend?: string;
  /** The run folder to continue. */
  readonly resume?: string;
  readonly force: boolean;
  readonly checkpointEvery?: number;
  readonly evalEpisodes?: number;
  readonly ros?: boolean;
  readonly config?: string;
  readonly namespaces?: string[];
  readonly simNode?: string;
  /** Reward file whose learned reward replaces the task's. */
  readonly reward?: string;
  readonly json: boolean;
}

/** The result printed at the end (and with --json). */
export interface ExpertResult {
  readonly task: string;
  readonly algo: string;
  /** The run folder. */
  readonly out: string;
  /** The expert: the best evaluated policy. */
  readonly policyFile: string;
  readonly backend: string;
  readonly envSteps: number;
  /** Updates in this segment of the run. */
  readonly updates: number;
  /** Training wall-clock over every segment of the run. */
  readonly wallSeconds: number;
  /** This segment: env stepping and acting, learner updates, evaluations. */
  readonly envSeconds: number;
  readonly learnerSeconds: number;
  readonly checkpointSeconds: number;
  /** The reward file optimised instead of the task's reward (`--reward`), when one was. */
  readonly reward?: string;
  /** The last deterministic evaluation on the task's true reward (the final policy, not the best). */
  readonly lastEvalReturn: { mean: number; std: number };
  /** Deterministic evaluation of the policy in policy.policy (the best checkpoint). */
  readonly evalReturn: { mean: number; std: number };
  readonly evalLength: number;
  /** Env steps at which that policy was taken. */
  readonly bestAtSteps: number;
  /** "finished", or "stopped" by a signal. */
  readonly end: 'finished' | 'stopped';
  readonly stoppedBy?: string;
  readonly continueWith?: string;
}

/** The `expert` command's options (its action is added by `register`). */
export function expertCommand(): Command {
  return new Command('expert')
    .description(
      "train an expert policy on a built-in task's true reward (PPO or TRPO) in a run folder, or continue one (--resume DIR)",
    )
    .option('--task <name>', 'built-in task (see `gail-bridge tasks`); required for a new run')
    .addOption(new Option('--algo <algo>', 'policy optimiser (default ppo)').choices(['ppo', 'trpo']))
    .option('--steps <n>', 'total env steps (default 1000000)', positiveInt('--steps'))
    .option(
      '--out <dir>',
      'run folder to create (default runs/expert-<task>); its policy.policy is the expert',
    )
    .option('--envs <n>', 'parallel envs (default 4)', positiveInt('--envs'))
    .option(
      '--workers <n>',
      'worker threads that step the envs (default 0: the training thread); the run is the same bit for bit with any number, so --resume may change it',
      integer('--workers'),
    )
    .option(
      '--rollout-steps <n>',
      'steps per env per update (PPO default 512, TRPO 1250)',
      positiveInt('--rollout-steps'),
    )
    .option(
      '--hidden <widths>',
      'hidden layer widths of policy and value nets (default 64,64)',
      widths('--hidden'),
    )
    .option(
      '--lr <rate>',
      'learning rate (PPO Adam, default 3e-4 annealed; TRPO value net, default 1e-3)',
      positiveNumber('--lr'),
    )
    .option('--minibatches <n>', 'PPO minibatches per epoch (default 32)', positiveInt('--minibatches'))
    .option(
      '--normalize-rewards',
      'PPO: divide rewards by the running std of the discounted return (for returns far from unit scale)',
    )
    .option(
      '--reward <file>',
      "optimise this reward file's learned g(s) (train --algo airl: RUN/reward.reward) instead of the task's reward; returns stay on the task's",
    )
    .option('--seed <n>', 'random seed (default 0)', integer('--seed'))
    .option('--backend <name>', 'TensorFlow.js backend: auto (default), tensorflow, wasm, cpu')
    .option('--resume <dir>', 'continue the run in this folder with its saved settings')
    .option('--force', 'replace what the --out folder holds (its run files are deleted)', false)
    .option(
      '--checkpoint-every <n>',
      'updates between evaluations and checkpoints (default 10)',
      positiveInt('--checkpoint-every'),
    )
    .option(
      '--eval-episodes <n>',
      'deterministic episodes per evaluation (default 10)',
      positiveInt('--eval-episodes'),
    )
    .option(
      '--ros',
      'collect from ROS 2 simulator nodes (gail-bridge sim --task T --ros) in lock-step, on the reward in their SimSteps',
    )
    .option('--config <robot.yaml>', 'with --ros: the robot mapping config of the simulated robot')
    .addOption(
      new Option(
        '--namespaces <list>',
        'with --ros: one env per simulator namespace, comma-separated',
      ).argParser((v) => v.split(',').map((s) => s.trim().replace(/^\/+|\/+$/g, ''))),
    )
    .option(
      '--sim-node <name>',
      'with --ros: the simulator node name under each namespace (default gail_bridge_sim)',
    )
    .option('--json', 'print the result as one JSON object on stdout', false);
}

export function register(program: Command): void {
  const cmd = expertCommand().copyInheritedSettings(program);
  program.addCommand(
    cmd.action((_flags: unknown, command: Command) =>
      runCommand(async () => {
        const flags = command.opts<ExpertFlags>();
        const result = await expert(flags, (message) => command.error(message));
        report(flags.json, result, () => expertReport(result));
      }),
    ),
  );
}

/** Parses `expert` arguments (no command name) as the command line would; errors throw. */
export function parseExpertArgs(argv: readonly string[]): ExpertFlags {
  const cmd = expertCommand().exitOverride();
  cmd.parse([...argv], { from: 'user' });
  return cmd.opts<ExpertFlags>();
}

/**
 * Runs the command: a new run (refused in a folder that holds something, unless --force), or `--resume
 * DIR` with the saved settings (a flag that differs from one is refused). `usage` reports a usage error.
 */
export async function expert(
  flags: ExpertFlags,
  usage: (message: string) => never,
  options: { readonly signals?: StopOnSignalOptions['target'] } = {},
): Promise<ExpertResult> {
  // Every expert flag but these is a setting; commander leaves a flag undefined when it is not typed.
  const fromFlags: Partial<ExpertSettings> = {
    task: flags.task,
    algo: flags.algo,
    steps: flags.steps,
    envs: flags.envs,
    rolloutSteps: flags.rolloutSteps,
    hidden: flags.hidden,
    lr: flags.lr,
    minibatches: flags.minibatches,
    normalizeRewards: flags.normalizeRewards,
    seed: flags.seed,
    backend: flags.backend,
    checkpointEvery: flags.checkpointEvery,
    evalEpisodes: flags.evalEpisodes,
    reward: flags.reward,
    ros: flags.ros
      ? {
          config:
            flags.config ??
            usage("expert --ros: --config robot.yaml is required (the simulated robot's mapping)"),
          namespaces: flags.namespaces ?? [''],
          simNode: flags.simNode ?? 'gail_bridge_sim',
        }
      : undefined,
  };
  if (!flags.ros && (flags.config ?? flags.namespaces ?? flags.simNode) !== undefined)
    usage('--config, --namespaces, --sim-node: only with --ros');
  if (flags.workers !== undefined && (flags.workers < 0 || flags.ros))
    usage(
      flags.ros
        ? '--workers: the envs of --ros are simulator nodes; leave --workers out'
        : `--workers: expected an integer ≥ 0, got ${flags.workers}`,
    );
  const { resolveExpertSettings } = await import('../algos/expert.js');
  let dir: string;
  let resumed: RunConfig | undefined;
  let settings: ExpertSettings;
  if (flags.resume !== undefined) {
    dir = flags.resume;
    if (flags.out !== undefined && flags.out !== dir)
      usage(`--out ${flags.out} and --resume ${dir}: a resumed run stays in its folder; leave --out out`);
    if (flags.force) usage('--force and --resume: --force replaces a run, --resume continues it; choose one');
    resumed = resumeConfig(dir, { command: 'expert', algo: 'expert' }, fromFlags);
    // Validated again as a new run's would be: config.json is input like any other.
    settings = resolveExpertSettings(
      resumed.settings as Partial<ExpertSettings> & Pick<ExpertSettings, 'task'>,
    );
  } else {
    if (flags.task === undefined)
      usage(
        "expert: --task is required for a new run (or --resume DIR to continue one); see 'gail-bridge expert --help'",
      );
    settings = resolveExpertSettings({ ...fromFlags, task: flags.task });
    dir = flags.out ?? `runs/expert-${settings.task}`;
  }
  return runExpert(settings, {
    dir,
    resumed,
    force: flags.force,
    signals: options.signals,
    workers: flags.workers ?? 0,
  });
}

/** Trains (or resumes) the expert `settings` describe in `run.dir`. */
export async function runExpert(
  settings: ExpertSettings,
  run: {
    readonly dir: string;
    readonly resumed?: RunConfig | undefined;
    readonly force?: boolean;
    readonly signals?: StopOnSignalOptions['target'];
    /** Worker threads stepping the envs; default 0 (the training thread). */
    readonly workers?: number;
  },
): Promise<ExpertResult> {
  const { expertAlgorithm } = await import('../algos/expert.js');
  return runInFolder({
    command: 'expert',
    algo: 'expert',
    dir: run.dir,
    resumed: run.resumed,
    force: run.force ?? false,
    signals: run.signals,
    settings,
    build: (s, log) => expertAlgorithm(s, { log, workers: run.workers ?? 0 }),
    progress: {
      label: `${settings.algo} ${settings.task}`,
      fields: ['steps/s', 'return', 'length'],
      values: (row) => ({
        'steps/s': Math.round(row['stepsPerSecond'] ?? 0),
        return: Number.isFinite(row['recentReturn']) ? (row['recentReturn'] ?? 0).toFixed(1) : '-',
        length: Number.isFinite(row['recentLength']) ? (row['recentLength'] ?? 0).toFixed(0) : '-',
      }),
    },
    finish: async (a, outcome) => {
      const state = a.state();
      const stopped = outcome.end === 'stopped';
      return {
        task: settings.task,
        algo: settings.algo,
        out: outcome.dir,
        policyFile: outcome.policyPath,
        backend: a.backend,
        envSteps: outcome.progress.envSteps,
        updates: outcome.progress.round - outcome.startedAt.round,
        wallSeconds: outcome.wallSeconds,
        envSeconds: outcome.segmentSeconds - state.learnerSeconds - state.evaluationSeconds,
        learnerSeconds: state.learnerSeconds,
        checkpointSeconds: state.evaluationSeconds,
        ...(settings.reward !== undefined ? { reward: settings.reward } : {}),
        lastEvalReturn: state.lastEval,
        evalReturn: { mean: state.best.mean, std: state.best.std },
        evalLength: state.best.length,
        bestAtSteps: state.bestAtSteps,
        end: outcome.end,
        ...(stopped
          ? { stoppedBy: outcome.stoppedBy, continueWith: resumeCommand({ command: 'expert' }, outcome.dir) }
          : {}),
      };
    },
  });
}

/** The human-readable result. */
export function expertReport(r: ExpertResult): string {
  return [
    r.end === 'stopped'
      ? `stopped by ${r.stoppedBy} at ${r.envSteps} env steps; the best policy so far is ${r.policyFile}\n` +
        `  continue with: ${r.continueWith}`
      : `expert written to ${r.policyFile} (best checkpoint, at ${r.bestAtSteps} env steps)`,
    `  ${r.envSteps} env steps, ${r.updates} updates, ${r.wallSeconds.toFixed(1)} s ` +
      `(this session: env ${r.envSeconds.toFixed(1)} s, learner ${r.learnerSeconds.toFixed(1)} s) on ${r.backend}`,
    `  deterministic return ${r.evalReturn.mean.toFixed(1)} ± ${r.evalReturn.std.toFixed(1)}, ` +
      `mean length ${r.evalLength.toFixed(0)}`,
    ...(r.reward !== undefined
      ? [
          `  optimised the learned reward of ${r.reward}; returns are the task's true reward ` +
            `(last evaluation ${r.lastEvalReturn.mean.toFixed(1)} ± ${r.lastEvalReturn.std.toFixed(1)})`,
        ]
      : []),
  ].join('\n');
}

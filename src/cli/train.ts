/**
 * `gail-bridge train --algo bc|gail`: learns a policy from demonstrations in a run folder (src/run:
 * config.json, metrics.jsonl, checkpoint.policy, policy.policy, report.html), then evaluates the policy
 * on the task. `--resume DIR` continues a run with its saved settings; the algorithm comes from its
 * config.json. Each algorithm is one entry of ALGOS: how the flags become its settings, and how it runs
 * (its plug-in for the run layer is in src/algos/).
 */
import { Command, Option } from 'commander';
import type { BcLearnerSettings } from '../algos/bc-learner-settings.js';
import { DAGGER_DEFAULT_ROUNDS, DAGGER_SETTINGS_DEFAULTS } from '../algos/dagger-config.js';
import {
  type EnvTarget,
  envTargetHasReward,
  envTargetOfSettings,
  makeEnvTarget,
  NO_REWARD_TEXT,
} from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { DAC_DEFAULTS } from '../dac/config.js';
import {
  GAIL_DEFAULTS,
  type GailConfig,
  POLICY_OPTS,
  type PolicyOpt,
  type RosRollouts,
  resolveGailConfig,
  withGailTaskPreset,
} from '../gail/config.js';
import { REWARD_KIND_NAMES, type RewardKind } from '../gail/rewards.js';
import { BC_DEFAULTS, BC_LOSSES } from '../learn/bc-config.js';
import type { TrainingAlgorithm } from '../run/algorithm.js';
import { type RunConfig, readRunConfig, runPath } from '../run/folder.js';
import { type RunOutcome, resumeCommand } from '../run/run.js';
import type { GenericEnvOptions } from '../sim/generic.js';
import {
  integer,
  nonNegative,
  numberOption,
  positiveInt,
  positiveNumber,
  report,
  runCommand,
  widths,
} from './common.js';
import { addDemoSelectionOptions } from './demo-selection.js';
import { type FolderRun, resumeConfig, runInFolder } from './run-command.js';
import type { StopOnSignalOptions } from './stop-on-signal.js';

/**
 * The flags of `train` as commander parses them (each option's parser makes the type given here); BC's
 * (bc, dagger) are BcLearnerSettings under the same names.
 */
export interface TrainFlags extends BcLearnerSettings {
  readonly algo?: string;
  readonly task?: string;
  readonly demos?: string;
  readonly out?: string;
  /** The run folder to continue. */
  readonly resume?: string;
  readonly force: boolean;
  readonly json: boolean;
  readonly evalEpisodes: number;
  readonly trajectories?: number;
  /** Demonstration selection (cli/demo-selection.ts): episode indices, failures left out, a return floor. */
  readonly episodes?: number[];
  readonly excludeFailures: boolean;
  readonly minReturn?: number;
  readonly hidden: number[];
  readonly seed: number;
  readonly backend: string;
  readonly subsample: number;
  readonly checkpointEvery?: number;
  // [gail]
  readonly ros?: boolean;
  readonly config?: string;
  readonly namespaces?: string[];
  readonly realtime?: boolean;
  readonly simNode?: string;
  readonly eventsTopic?: string;
  readonly model?: string;
  readonly taskConfig?: string;
  readonly policyOpt: PolicyOpt;
  readonly steps: number;
  readonly numEnvs: number;
  readonly numSteps: number;
  /** Worker threads stepping the envs (not a setting: it changes no result). */
  readonly workers?: number;
  readonly reward: RewardKind;
  readonly absorbing: boolean;
  readonly absorbingFill: boolean;
  readonly discHidden: number[];
  readonly discSteps: number;
  readonly discBatch: number;
  readonly discLr: number;
  readonly gradPenalty: number;
  readonly spectralNorm: boolean;
  readonly labelSmoothing: number;
  readonly weightDecay: number;
  readonly entCoef: number;
  readonly policyLr: number;
  readonly minibatches: number;
  readonly gamma: number;
  readonly bcEpochs: number;
  // [airl]
  readonly entropyWeight?: number;
  // [dac]
  readonly criticHidden?: number[];
  readonly actorLr?: number;
  readonly criticLr?: number;
  readonly tau?: number;
  readonly explNoise?: number;
  readonly targetNoise?: number;
  readonly targetNoiseClip?: number;
  readonly policyDelay?: number;
  readonly startSteps?: number;
  readonly updatesPerStep?: number;
  readonly discEvery?: number;
  readonly evalEvery?: number;
  // [dagger]
  readonly expert?: string;
  readonly corrections?: string[];
  readonly rounds?: number;
  readonly roundSteps?: number;
  readonly beta?: number;
  readonly roundEvalEpisodes?: number;
}

/** A flag's value when it was typed on the command line, else undefined (its default is the settings'). */
export type Given = <K extends keyof TrainFlags>(flag: K) => TrainFlags[K] | undefined;

/** What a run reports (stdout, or one JSON object with --json). */
export interface TrainResult {
  readonly algo: string;
  readonly task: string;
  readonly out: string;
  readonly policyFile: string;
  readonly demoPairs: number;
  readonly trajectories: number;
  /** Training wall-clock over every segment of the run. */
  readonly wallSeconds: number;
  /** Rounds (BC: epochs) and env steps done, over every segment. */
  readonly rounds: number;
  readonly envSteps: number;
  /** "finished", or "stopped" by a signal (then not evaluated: NaN). */
  readonly end: RunOutcome['end'];
  readonly stoppedBy?: string;
  /** The command that continues a stopped run. */
  readonly continueWith?: string;
  /** Deterministic evaluation on the true reward; null when stopped or when the env has none (a --model robot). */
  readonly evalReturn: { mean: number; std: number } | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** How `train` runs one algorithm in a folder. */
interface TrainRun {
  readonly dir: string;
  /** Flags typed on the command line. */
  readonly given: Given;
  /** Refuses flags typed on the command line that the algorithm did not read (call after reading). */
  readonly refuseUnread: () => void;
  /** The folder's config.json when resuming (checked against `given` by the entry). */
  readonly resumed: RunConfig | undefined;
  readonly force: boolean;
  readonly evalEpisodes: number;
  /** Where SIGINT/SIGTERM arrive (default `process`). */
  readonly signals: StopOnSignalOptions['target'];
}

/** One `--algo`. */
interface AlgoEntry {
  readonly description: string;
  /** Trains (or resumes) and evaluates. */
  readonly run: (r: TrainRun) => Promise<TrainResult>;
}

/** Algorithms by `--algo` name. */
export const ALGOS: Readonly<Record<string, AlgoEntry>> = {
  bc: { description: 'behavioural cloning (Gaussian log-likelihood or MSE, early stopping)', run: runBc },
  gail: { description: 'GAIL (Ho & Ermon 2016) with absorbing states; see src/gail/', run: runGail },
  airl: {
    description:
      'AIRL (Fu et al. 2018): state-only reward g(s) saved as RUN/reward.reward for `expert --reward`; takes the [gail] flags',
    run: runAirl,
  },
  dac: {
    description:
      'DAC (Kostrikov et al. 2019): off-policy adversarial imitation, TD3 + replay buffer + discriminator with absorbing states; see docs/dac.md',
    run: runDac,
  },
  dagger: {
    description:
      'DAgger (Ross et al. 2011): BC, then rounds labelled by --expert; or BC on --demos plus --corrections (HG-DAgger)',
    run: runDagger,
  },
};

/** Flags of the command itself, which no algorithm reads as a setting. */
const COMMAND_FLAGS: ReadonlySet<keyof TrainFlags> = new Set([
  'algo',
  'out',
  'resume',
  'force',
  'json',
  'evalEpisodes',
]);

/**
 * Wraps `given` to record which flags an algorithm reads, so that a flag it does not use (`--steps`
 * with `--algo bc`) is refused instead of silently ignored.
 */
function tracking(
  given: Given,
  typed: readonly (keyof TrainFlags)[],
  algo: string,
  usage: (message: string) => never,
): Pick<TrainRun, 'given' | 'refuseUnread'> {
  const read = new Set<keyof TrainFlags>(COMMAND_FLAGS);
  return {
    given: (flag) => {
      read.add(flag);
      return given(flag);
    },
    refuseUnread: () => {
      const unread = typed.filter((f) => !read.has(f));
      if (unread.length > 0)
        usage(
          `${unread.map(flagName).join(', ')}: not used by --algo ${algo}; leave ${unread.length === 1 ? 'it' : 'them'} out`,
        );
    },
  };
}

/** "--disc-lr" for "discLr". */
function flagName(attribute: string): string {
  return `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The `train` command's options (its action is added by `register`). */
export function trainCommand(): Command {
  const gail = (text: string) => `[gail, airl] ${text}`;
  const bc = (text: string) => `[bc, dagger] ${text}`;
  const dagger = (text: string) => `[dagger] ${text}`;
  const dac = (text: string) => `[dac] ${text}`;
  const d = DAC_DEFAULTS;
  const cmd = new Command('train')
    .description(
      'train a policy from demonstrations in a run folder (--algo bc|gail|airl|dac|dagger), or continue one (--resume DIR)',
    )
    .addOption(new Option('--algo <algo>', 'learning algorithm (new runs)').choices(Object.keys(ALGOS)))
    .option('--task <name>', 'built-in task the demonstrations are for (or --model / --task-config)')
    .option('--demos <file>', 'demo file (MCAP) made by `gail-bridge demos` or `record` (new runs)')
    .option('--out <dir>', 'run folder to create, e.g. runs/hopper-gail (new runs)')
    .option(
      '--resume <dir>',
      'continue the run in this folder with its saved settings (the algorithm and every flag come from its config.json)',
    )
    .option('--force', 'replace what the --out folder holds (its run files are deleted)', false)
    .option('--trajectories <n>', 'use only the first n demonstrations', positiveInt('--trajectories'))
    .addOption(
      new Option('--hidden <widths>', 'hidden layer widths of the policy')
        .argParser(widths('--hidden'))
        .default([...GAIL_DEFAULTS.policyHidden], GAIL_DEFAULTS.policyHidden.join(',')),
    )
    .option('--seed <n>', 'random seed', integer('--seed'), GAIL_DEFAULTS.seed)
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu', GAIL_DEFAULTS.backend)
    .option(
      '--subsample <k>',
      'keep one demonstration pair in k, from a random offset per trajectory (the GAIL paper used 20)',
      positiveInt('--subsample'),
      GAIL_DEFAULTS.subsample,
    )
    .option(
      '--checkpoint-every <n>',
      `rounds (gail, default ${GAIL_DEFAULTS.checkpointEvery}; dagger, default 1) or epochs (bc, default 10) between checkpoints`,
      positiveInt('--checkpoint-every'),
    )
    .option(
      '--eval-episodes <n>',
      'deterministic episodes for the final evaluation',
      positiveInt('--eval-episodes'),
      10,
    )
    .addOption(
      new Option('--loss <loss>', bc('loss')).choices(Object.keys(BC_LOSSES)).default(BC_DEFAULTS.loss),
    )
    .option('--epochs <n>', bc('most epochs'), positiveInt('--epochs'), BC_DEFAULTS.maxEpochs)
    .option(
      '--batch-size <n>',
      '[bc, dagger, dac] pairs per step (dac: TD3 minibatch, default 100)',
      positiveInt('--batch-size'),
      BC_DEFAULTS.batchSize,
    )
    .option('--lr <rate>', bc('Adam step size'), positiveNumber('--lr'), BC_DEFAULTS.learningRate)
    .option(
      '--validation <fraction>',
      bc('held-out share for early stopping'),
      numberOption('--validation', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      BC_DEFAULTS.validationFraction,
    )
    .option(
      '--patience <n>',
      bc('epochs without improvement before stopping'),
      positiveInt('--patience'),
      BC_DEFAULTS.patience,
    )
    .option(
      '--model <robot.xml>',
      'train on this MJCF robot (generic env, no reward) instead of a built-in --task',
    )
    .option(
      '--task-config <file.yaml>',
      'generic env options for --model (config/tasks/*.yaml): termination rules, frame skip, horizon; may name the model',
    )
    .option(
      '--ros',
      gail(
        'collect from ROS 2 topics (simulator nodes of `gail-bridge sim --ros`, or a robot) through --config; --task then names the task the simulators serve, for the score and the final evaluation',
      ),
    )
    .option('--config <robot.yaml>', gail('with --ros: the robot mapping config (config/robots/*.yaml)'))
    .addOption(
      new Option(
        '--namespaces <list>',
        gail('with --ros: one env per namespace, comma-separated (default: one, without a namespace)'),
      ).argParser(namespaceList),
    )
    .option(
      '--realtime',
      gail('with --ros: robots at the control rate (default: lock-step, one env step per command)'),
    )
    .option('--sim-node <name>', gail('with --ros: the simulator node name under each namespace'))
    .option(
      '--events-topic <topic>',
      gail(
        "with --ros --realtime: the gail_bridge_msgs/EpisodeEvent topic (under each namespace) that starts and ends episodes (default: the simulator node's)",
      ),
    )
    .addOption(
      new Option('--policy-opt <opt>', gail('policy optimiser'))
        .choices(Object.keys(POLICY_OPTS))
        .default(GAIL_DEFAULTS.policyOpt),
    )
    .option(
      '--steps <n>',
      '[gail, airl, dac] env steps to train for (dac default 300000)',
      positiveInt('--steps'),
      GAIL_DEFAULTS.steps,
    )
    .option(
      '--num-envs <n>',
      '[gail, airl, dac, dagger] envs stepped side by side (dac, dagger: default 1)',
      positiveInt('--num-envs'),
      GAIL_DEFAULTS.numEnvs,
    )
    .option(
      '--workers <n>',
      gail(
        'worker threads that step the envs (0: in the training thread; 1 leaves the training thread to the policy). The run is the same bit for bit with any number, so --resume may change it',
      ),
      integer('--workers'),
    )
    .option(
      '--num-steps <n>',
      '[gail, airl, dac] steps per env per round (dac: default 1000, then as many updates)',
      positiveInt('--num-steps'),
      GAIL_DEFAULTS.numSteps,
    )
    .addOption(
      new Option('--reward <kind>', '[gail, airl, dac] reward from D (airl: logit, fixed; dac default logit)')
        .choices(REWARD_KIND_NAMES)
        .default(GAIL_DEFAULTS.reward),
    )
    .option(
      '--no-absorbing',
      '[gail, airl, dac] turn absorbing states off (on by default; Kostrikov et al. 2019)',
    )
    .option(
      '--no-absorbing-fill',
      gail('one absorbing pair per terminated episode instead of padding to the horizon'),
    )
    .addOption(
      new Option(
        '--disc-hidden <widths>',
        '[gail, airl, dac] discriminator hidden widths (airl: of g and of h)',
      )
        .argParser(widths('--disc-hidden'))
        .default([...GAIL_DEFAULTS.discHidden], GAIL_DEFAULTS.discHidden.join(',')),
    )
    .option(
      '--disc-steps <n>',
      gail('discriminator steps per round'),
      positiveInt('--disc-steps'),
      GAIL_DEFAULTS.discStepsPerRound,
    )
    .option(
      '--disc-batch <n>',
      '[gail, airl, dac] pairs per side per discriminator step (dac default 100)',
      positiveInt('--disc-batch'),
      GAIL_DEFAULTS.discBatchSize,
    )
    .option(
      '--disc-lr <rate>',
      '[gail, airl, dac] discriminator Adam step size',
      positiveNumber('--disc-lr'),
      GAIL_DEFAULTS.discLr,
    )
    .option(
      '--grad-penalty <coef>',
      '[gail, dac, airl] WGAN-GP coefficient (10 in the literature; 0 off; gail default 10 on walker2d, half-cheetah and ant, the task presets; dac default 10; airl: on f = g(s) + γh(s′) − h(s), default 0)',
      nonNegative('--grad-penalty'),
      GAIL_DEFAULTS.gradPenalty,
    )
    .option(
      '--spectral-norm',
      '[gail] spectral normalisation of the discriminator (not for airl)',
      GAIL_DEFAULTS.spectralNorm,
    )
    .option(
      '--label-smoothing <eps>',
      gail('one-sided label smoothing (expert target 1 − eps)'),
      nonNegative('--label-smoothing'),
      GAIL_DEFAULTS.labelSmoothing,
    )
    .option(
      '--weight-decay <coef>',
      gail('L2 weight decay of the discriminator'),
      nonNegative('--weight-decay'),
      GAIL_DEFAULTS.weightDecay,
    )
    .option(
      '--ent-coef <coef>',
      gail('entropy bonus of the policy step'),
      nonNegative('--ent-coef'),
      GAIL_DEFAULTS.entCoef,
    )
    .option(
      '--policy-lr <rate>',
      gail('PPO Adam step size'),
      positiveNumber('--policy-lr'),
      GAIL_DEFAULTS.policyLr,
    )
    .option(
      '--minibatches <n>',
      gail('PPO minibatches per epoch'),
      positiveInt('--minibatches'),
      GAIL_DEFAULTS.policyMinibatches,
    )
    .option(
      '--gamma <g>',
      '[gail, airl, dac] discount',
      numberOption('--gamma', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      GAIL_DEFAULTS.gamma,
    )
    .option(
      '--bc-epochs <n>',
      gail('behavioural-cloning warm start epochs (0 off)'),
      numberOption('--bc-epochs', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
      GAIL_DEFAULTS.bcEpochs,
    )
    .addOption(
      new Option(
        '--critic-hidden <widths>',
        dac(`hidden widths of each critic (default ${d.criticHidden.join(',')})`),
      ).argParser(widths('--critic-hidden')),
    )
    .option(
      '--actor-lr <rate>',
      dac(`actor Adam step size (default ${d.actorLr})`),
      positiveNumber('--actor-lr'),
    )
    .option(
      '--critic-lr <rate>',
      dac(`critic Adam step size (default ${d.criticLr})`),
      positiveNumber('--critic-lr'),
    )
    .option(
      '--tau <t>',
      dac(`Polyak coefficient of the target networks (default ${d.tau})`),
      numberOption('--tau', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    )
    .option(
      '--expl-noise <sigma>',
      dac(`exploration noise, a fraction of each action's half-range (default ${d.explNoise})`),
      nonNegative('--expl-noise'),
    )
    .option(
      '--target-noise <sigma>',
      dac(`target policy smoothing noise (default ${d.targetNoise})`),
      nonNegative('--target-noise'),
    )
    .option(
      '--target-noise-clip <c>',
      dac(`clip of the smoothing noise (default ${d.targetNoiseClip})`),
      nonNegative('--target-noise-clip'),
    )
    .option(
      '--policy-delay <d>',
      dac(`critic updates per actor update (default ${d.policyDelay})`),
      positiveInt('--policy-delay'),
    )
    .option(
      '--start-steps <n>',
      dac(`env steps of uniform random actions before the first update (default ${d.startSteps})`),
      numberOption('--start-steps', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    )
    .option(
      '--updates-per-step <u>',
      dac(`TD3 updates per env step (default ${d.updatesPerStep})`),
      positiveNumber('--updates-per-step'),
    )
    .option(
      '--disc-every <k>',
      dac(`one discriminator step every k TD3 updates (default ${d.discEvery})`),
      positiveInt('--disc-every'),
    )
    .option(
      '--eval-every <k>',
      dac(`rounds between deterministic evaluations, 0 none (default ${d.evalEvery})`),
      numberOption('--eval-every', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    )
    .option(
      '--entropy-weight <alpha>',
      "[airl] α of the policy's reward f − α·log π (default 1: the paper's log D − log(1 − D); 0: f alone)",
      numberOption('--entropy-weight', (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    )
    .option(
      '--expert <file>',
      dagger('policy file that labels every state the learner visits (the expert plays the person)'),
    )
    .addOption(
      new Option(
        '--corrections <files>',
        dagger('correction files of `deploy --corrections` (HG-DAgger), comma-separated: added to --demos'),
      ).argParser(fileList('--corrections')),
    )
    .option(
      '--rounds <k>',
      dagger(
        `DAgger rounds after BC on the demonstrations (default ${DAGGER_DEFAULT_ROUNDS} with --expert, else 0)`,
      ),
      numberOption('--rounds', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    )
    .option(
      '--round-steps <n>',
      dagger(`labelled env steps per round (default ${DAGGER_SETTINGS_DEFAULTS.roundSteps})`),
      positiveInt('--round-steps'),
    )
    .option(
      '--beta <b>',
      dagger(
        `round i executes the expert's action with probability b^i (default ${DAGGER_SETTINGS_DEFAULTS.beta}: the learner alone)`,
      ),
      numberOption('--beta', (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
    )
    .option(
      '--round-eval-episodes <n>',
      `[dagger, dac] deterministic evaluation episodes after each round (dagger) or each --eval-every rounds (dac) (default ${DAGGER_SETTINGS_DEFAULTS.roundEvalEpisodes}; 0: none)`,
      numberOption('--round-eval-episodes', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    )
    .option('--json', 'print the result as one JSON object on stdout', false);
  return addDemoSelectionOptions(cmd);
}

/** The parsed flags of a `train` command: all of them, those typed on the command line, and `given`. */
export interface ParsedTrainFlags {
  readonly flags: TrainFlags;
  readonly typed: readonly (keyof TrainFlags)[];
  readonly given: Given;
}

/** Reads the flags of a parsed `train` command (commander's parsers made each value's type). */
export function readTrainFlags(command: Command): ParsedTrainFlags {
  const flags = command.opts<TrainFlags>();
  const typed = command.options
    .map((o) => o.attributeName())
    .filter((a): a is keyof TrainFlags => command.getOptionValueSource(a) === 'cli');
  return { flags, typed, given: (flag) => (typed.includes(flag) ? flags[flag] : undefined) };
}

/** Parses `train` arguments (no command name) as the command line would; errors throw. */
export function parseTrainArgs(argv: readonly string[]): ParsedTrainFlags {
  const cmd = trainCommand().exitOverride();
  cmd.parse([...argv], { from: 'user' });
  return readTrainFlags(cmd);
}

export function register(program: Command): void {
  const cmd = trainCommand().copyInheritedSettings(program);
  program.addCommand(
    cmd.action((_flags: unknown, command: Command) =>
      runCommand(async () => {
        const { flags, typed, given } = readTrainFlags(command);
        const r = await train(flags, typed, given, (message) => command.error(message));
        report(flags.json, r, () => trainReport(r));
      }),
    ),
  );
}

/**
 * Runs the command: a new run in --out (refused if the folder holds something, unless --force), or
 * `--resume DIR`. `usage` reports a usage error (exit 1).
 */
export async function train(
  flags: Pick<TrainFlags, 'algo' | 'out' | 'resume' | 'force' | 'evalEpisodes' | 'demos'>,
  typed: readonly (keyof TrainFlags)[],
  given: Given,
  usage: (message: string) => never,
  options: { readonly signals?: StopOnSignalOptions['target'] } = {},
): Promise<TrainResult> {
  if (flags.resume !== undefined) {
    const dir = flags.resume;
    if (flags.out !== undefined && flags.out !== dir)
      usage(`--out ${flags.out} and --resume ${dir}: a resumed run stays in its folder; leave --out out`);
    if (flags.force) usage('--force and --resume: --force replaces a run, --resume continues it; choose one');
    const saved = readRunConfig(dir);
    if (flags.algo !== undefined && flags.algo !== saved.algo)
      throw new GailBridgeError(
        'config',
        `--resume ${dir}: the run was made with --algo ${saved.algo}, not ${flags.algo}; leave --algo out to continue it`,
      );
    const entry = ALGOS[saved.algo];
    if (saved.command !== 'train' || !entry)
      throw new GailBridgeError(
        'config',
        `--resume ${dir}: this is a \`${saved.command}\` run (algorithm ${saved.algo}); continue it with \`${resumeCommand(saved, dir)}\``,
      );
    return entry.run({
      dir,
      ...tracking(given, typed, saved.algo, usage),
      resumed: saved,
      force: false,
      evalEpisodes: flags.evalEpisodes,
      signals: options.signals,
    });
  }
  if (flags.algo === undefined || flags.out === undefined || flags.demos === undefined)
    usage(
      "train: --algo, --demos and --out are required for a new run (or --resume DIR to continue one); see 'gail-bridge train --help'",
    );
  const entry = ALGOS[flags.algo];
  if (!entry) usage(`--algo: unknown "${flags.algo}" (have ${Object.keys(ALGOS).join(', ')})`);
  return entry.run({
    dir: flags.out,
    ...tracking(given, typed, flags.algo, usage),
    resumed: undefined,
    force: flags.force,
    evalEpisodes: flags.evalEpisodes,
    signals: options.signals,
  });
}

/** The settings flags of both algorithms (the GAIL names; BC maps the shared ones to its own). */
function sharedFromFlags(g: Given) {
  return {
    task: g('task'),
    demos: g('demos'),
    demoTrajectories: g('trajectories'),
    demoEpisodes: g('episodes'),
    excludeFailures: g('excludeFailures'),
    minReturn: g('minReturn'),
    policyHidden: g('hidden'),
    seed: g('seed'),
    backend: g('backend'),
    subsample: g('subsample'),
    checkpointEvery: g('checkpointEvery'),
  };
}

/** The supervised learner's flags, shared by BC and DAgger (which retrains by BC each round). */
function bcLearnerFromFlags(g: Given) {
  return {
    loss: g('loss'),
    epochs: g('epochs'),
    batchSize: g('batchSize'),
    lr: g('lr'),
    validation: g('validation'),
    patience: g('patience'),
  };
}

/**
 * A resumed run's settings: the saved ones, after checking that the command line (`fromFlags`, the flags
 * typed on it) agrees with each of them.
 */
/**
 * What a run's settings are resolved from: a resumed run's config.json (validated again as a new run's
 * would be, since config.json is input like any other; a flag that differs from it is refused), or the
 * flags of a new run with a --task-config's generic task read in.
 */
async function startSettings<
  T extends {
    demos?: string | undefined;
    task?: string | undefined;
    model?: string | undefined;
    taskConfig?: string | undefined;
  },
>(r: TrainRun, algo: string, fromFlags: T): Promise<T & { demos: string }> {
  if (r.resumed !== undefined)
    return resumeConfig(r.dir, { command: 'train', algo }, fromFlags).settings as T & { demos: string };
  return withGenericTask({ ...fromFlags, demos: fromFlags.demos ?? '' });
}

/** `a.mcap,b.mcap` → ['a.mcap', 'b.mcap'], for `flag`. */
function fileList(flag: string): (v: string) => string[] {
  return (v) => {
    const list = v.split(',').map((s) => s.trim());
    if (list.some((f) => f === ''))
      throw new GailBridgeError('usage', `${flag}: expected comma-separated file names, got "${v}"`);
    return list;
  };
}

/** `a,b` → ['a', 'b'] (slashes dropped); '' alone is the one env without a namespace. */
function namespaceList(v: string): string[] {
  const list = v.split(',').map((s) => s.trim().replace(/^\/+|\/+$/g, ''));
  if (list.some((n) => !/^[A-Za-z_][A-Za-z0-9_/]*$/.test(n)))
    throw new GailBridgeError(
      'usage',
      `--namespaces: expected ROS 2 names (letters, digits, _), comma-separated, got "${v}"`,
    );
  return list;
}

/** With --ros, the rollout settings the ROS flags set; without, refuses them (they would be ignored). */
function rosFromFlags(g: Given): RosRollouts | undefined {
  const ros = g('ros');
  const config = g('config');
  const namespaces = g('namespaces');
  const realtime = g('realtime');
  const simNode = g('simNode');
  const eventsTopic = g('eventsTopic');
  if (!ros) {
    const stray = [
      ['--config', config],
      ['--namespaces', namespaces],
      ['--realtime', realtime],
      ['--sim-node', simNode],
      ['--events-topic', eventsTopic],
    ].filter(([, v]) => v !== undefined);
    if (stray.length > 0)
      throw new GailBridgeError('usage', `${stray.map(([f]) => f).join(', ')}: only with --ros`);
    return undefined;
  }
  if (config === undefined)
    throw new GailBridgeError('usage', '--ros: --config robot.yaml is required (the robot mapping config)');
  return {
    config,
    namespaces: namespaces ?? [''],
    timing: realtime ? 'realtime' : 'lockstep',
    simNode: simNode ?? 'gail_bridge_sim',
    ...(eventsTopic === undefined ? {} : { eventsTopic }),
  };
}

/** The GAIL settings the flags typed on the command line set (undefined: not typed, the default). */
export function gailFromFlags(g: Given): Partial<GailConfig> {
  return {
    ...sharedFromFlags(g),
    ros: rosFromFlags(g),
    model: g('model'),
    taskConfig: g('taskConfig'),
    policyOpt: g('policyOpt'),
    steps: g('steps'),
    numEnvs: g('numEnvs'),
    numSteps: g('numSteps'),
    reward: g('reward'),
    absorbing: g('absorbing'),
    absorbingFill: g('absorbingFill'),
    discHidden: g('discHidden'),
    discStepsPerRound: g('discSteps'),
    discBatchSize: g('discBatch'),
    discLr: g('discLr'),
    gradPenalty: g('gradPenalty'),
    spectralNorm: g('spectralNorm'),
    labelSmoothing: g('labelSmoothing'),
    weightDecay: g('weightDecay'),
    entCoef: g('entCoef'),
    policyLr: g('policyLr'),
    policyMinibatches: g('minibatches'),
    gamma: g('gamma'),
    bcEpochs: g('bcEpochs'),
  };
}

/** `--algo gail`: GAIL through the run layer (src/algos/gail.ts). */
function runGail(r: TrainRun): Promise<TrainResult> {
  return runAdversarial(r, 'gail');
}

/** `--algo airl`: AIRL through the run layer (src/algos/airl.ts), GAIL's flags and wiring. */
function runAirl(r: TrainRun): Promise<TrainResult> {
  return runAdversarial(r, 'airl');
}

/** GAIL or AIRL: the same flags, settings record and run; AIRL also leaves its reward file. */
async function runAdversarial(r: TrainRun, algo: 'gail' | 'airl'): Promise<TrainResult> {
  // A new GAIL run on a built-in task takes the task's preset where no flag was typed; a resumed run
  // keeps its config.json (the flags are checked against it as typed).
  const preset =
    algo === 'gail' && r.resumed === undefined
      ? withGailTaskPreset(gailFromFlags(r.given))
      : { settings: gailFromFlags(r.given), applied: [], why: '' };
  const fromFlags = {
    ...preset.settings,
    ...(algo === 'airl' ? { entropyWeight: r.given('entropyWeight') } : {}),
  };
  const workers = r.given('workers') ?? 0;
  r.refuseUnread();
  const { resolveAirlConfig } = await import('../gail/airl-config.js');
  const resolve = algo === 'airl' ? resolveAirlConfig : resolveGailConfig;
  const settings = resolve(await startSettings(r, algo, fromFlags));
  const [{ gailAlgorithm }, { airlAlgorithm }] = await Promise.all([
    import('../algos/gail.js'),
    import('../algos/airl.js'),
  ]);
  return runTrainFolder(r, {
    algo,
    settings,
    build: (s, log) => {
      if (preset.applied.length > 0)
        log(
          `${s.task}'s preset: ${preset.applied.join(' ')}: ${preset.why}; type the flag to set another value`,
        );
      return algo === 'gail'
        ? gailAlgorithm(s, { log, dir: r.dir, workers })
        : airlAlgorithm(resolveAirlConfig(s), { log, dir: r.dir, workers });
    },
    progress: {
      label: algo,
      fields: ['steps/s', 'Dacc', 'return'],
      values: progressValues(),
    },
    details: (a, outcome) => ({
      envSteps: outcome.progress.envSteps,
      rounds: outcome.progress.round,
      report: outcome.reportPath,
      backend: a.backend,
      lastNormalizedScore: outcome.last?.['normalizedScore'] ?? Number.NaN,
      lastDiscAccExpert: outcome.last?.['discAccExpert'] ?? Number.NaN,
      lastDiscAccPolicy: outcome.last?.['discAccPolicy'] ?? Number.NaN,
      rewardFile: runPath(outcome.dir, 'reward'),
    }),
  });
}

/** A new GAIL run's settings; with --task-config (and no --task) the YAML is read once, here. */
export async function newGailSettings(
  partial: Partial<GailConfig> & Pick<GailConfig, 'demos'>,
): Promise<GailConfig> {
  return resolveGailConfig(await withGenericTask(partial));
}

/**
 * With --task-config (and no --task), the YAML read once, at the start of a run: its model and options
 * go into the settings (config.json), so a resumed run does not depend on the file again.
 */
async function withGenericTask<
  T extends { task?: string | undefined; model?: string | undefined; taskConfig?: string | undefined },
>(partial: T): Promise<T & { genericEnv?: GenericEnvOptions }> {
  if (partial.taskConfig === undefined || partial.task !== undefined) return partial;
  const { loadGenericTask } = await import('../config/task.js');
  const generic = loadGenericTask(partial.taskConfig, partial.model);
  return { ...partial, model: generic.path, genericEnv: generic.options };
}

/** The GAIL progress bar's fields from a metrics row: steps/s, D accuracy, the latest return. */
function progressValues(): (row: Readonly<Record<string, number>>) => Record<string, string | number> {
  let lastReturn = Number.NaN;
  return (row) => {
    const ret = row['returnMean'] ?? Number.NaN;
    if (Number.isFinite(ret)) lastReturn = ret;
    return {
      'steps/s': Math.round(row['stepsPerSecond'] ?? 0),
      Dacc: `${(row['discAccExpert'] ?? Number.NaN).toFixed(2)}/${(row['discAccPolicy'] ?? Number.NaN).toFixed(2)}`,
      return: Number.isFinite(lastReturn) ? lastReturn.toFixed(1) : '-',
    };
  };
}

/** `--algo bc`: behavioural cloning through the run layer (src/algos/bc.ts). */
async function runBc(r: TrainRun): Promise<TrainResult> {
  const g = r.given;
  const fromFlags = {
    ...sharedFromFlags(g),
    ...bcLearnerFromFlags(g),
    model: g('model'),
    taskConfig: g('taskConfig'),
  };
  r.refuseUnread();
  const { bcAlgorithm, resolveBcSettings } = await import('../algos/bc.js');
  type Partial_ = Parameters<typeof resolveBcSettings>[0];
  const settings = resolveBcSettings((await startSettings(r, 'bc', fromFlags)) as Partial_);
  return runTrainFolder(r, {
    algo: 'bc',
    settings,
    build: (s, log) => bcAlgorithm(s, { log }),
    progress: {
      label: 'bc',
      fields: ['train', 'validation'],
      values: (row) => ({
        train: (row['trainLoss'] ?? Number.NaN).toFixed(4),
        validation: (row['validationLoss'] ?? Number.NaN).toFixed(4),
      }),
    },
    details: (a, outcome) => ({ ...a.learnerState(), report: outcome.reportPath, backend: a.backend }),
  });
}

/** The DAC settings the flags typed on the command line set (undefined: not typed, the default). */
export function dacFromFlags(g: Given) {
  return {
    ...sharedFromFlags(g),
    model: g('model'),
    taskConfig: g('taskConfig'),
    steps: g('steps'),
    numEnvs: g('numEnvs'),
    numSteps: g('numSteps'),
    startSteps: g('startSteps'),
    updatesPerStep: g('updatesPerStep'),
    batchSize: g('batchSize'),
    criticHidden: g('criticHidden'),
    actorLr: g('actorLr'),
    criticLr: g('criticLr'),
    gamma: g('gamma'),
    tau: g('tau'),
    explNoise: g('explNoise'),
    targetNoise: g('targetNoise'),
    targetNoiseClip: g('targetNoiseClip'),
    policyDelay: g('policyDelay'),
    reward: g('reward'),
    absorbing: g('absorbing'),
    discHidden: g('discHidden'),
    discBatchSize: g('discBatch'),
    discEvery: g('discEvery'),
    discLr: g('discLr'),
    gradPenalty: g('gradPenalty'),
    evalEvery: g('evalEvery'),
    roundEvalEpisodes: g('roundEvalEpisodes'),
  };
}

/** `--algo dac`: DAC through the run layer (src/algos/dac.ts). */
async function runDac(r: TrainRun): Promise<TrainResult> {
  const fromFlags = dacFromFlags(r.given);
  r.refuseUnread();
  const { dacAlgorithm, resolveDacSettings } = await import('../algos/dac.js');
  type Partial_ = Parameters<typeof resolveDacSettings>[0];
  const settings = resolveDacSettings((await startSettings(r, 'dac', fromFlags)) as Partial_);
  let lastReturn = Number.NaN;
  let refs = { random: Number.NaN, expert: Number.NaN };
  const result = await runTrainFolder(r, {
    algo: 'dac',
    settings,
    build: async (s, log) => {
      const a = await dacAlgorithm(s, { log });
      refs = a.scoreRefs;
      return a;
    },
    progress: {
      label: 'dac',
      fields: ['steps/s', 'ms/update', 'Dacc', 'eval'],
      values: (row) => {
        const ret = row['evalReturn'] ?? Number.NaN;
        if (Number.isFinite(ret)) lastReturn = ret;
        return {
          'steps/s': Math.round(row['stepsPerSecond'] ?? 0),
          'ms/update': (row['msPerUpdate'] ?? Number.NaN).toFixed(2),
          Dacc: `${(row['discAccExpert'] ?? Number.NaN).toFixed(2)}/${(row['discAccPolicy'] ?? Number.NaN).toFixed(2)}`,
          eval: Number.isFinite(lastReturn) ? lastReturn.toFixed(1) : '-',
        };
      },
    },
    details: (a, outcome) => ({
      envSteps: outcome.progress.envSteps,
      rounds: outcome.progress.round,
      report: outcome.reportPath,
      backend: a.backend,
      randomReturn: a.scoreRefs.random,
      expertReturn: a.scoreRefs.expert,
      lastEvalReturn: outcome.last?.['evalReturn'] ?? Number.NaN,
      lastDiscAccExpert: outcome.last?.['discAccExpert'] ?? Number.NaN,
      lastDiscAccPolicy: outcome.last?.['discAccPolicy'] ?? Number.NaN,
    }),
  });
  return withScore(result, refs);
}

/** The result with the normalised score of its deterministic return, when the references are known. */
function withScore(r: TrainResult, refs: { random: number; expert: number }): TrainResult {
  if (r.evalReturn === null || !Number.isFinite(refs.random) || !Number.isFinite(refs.expert)) return r;
  const score = (r.evalReturn.mean - refs.random) / (refs.expert - refs.random);
  return { ...r, details: { ...r.details, normalizedScore: score } };
}

/** `--algo dagger`: DAgger through the run layer (src/algos/dagger.ts). */
async function runDagger(r: TrainRun): Promise<TrainResult> {
  const g = r.given;
  const fromFlags = {
    ...sharedFromFlags(g),
    model: g('model'),
    taskConfig: g('taskConfig'),
    corrections: g('corrections'),
    expert: g('expert'),
    rounds: g('rounds'),
    roundSteps: g('roundSteps'),
    beta: g('beta'),
    envs: g('numEnvs'),
    roundEvalEpisodes: g('roundEvalEpisodes'),
    ...bcLearnerFromFlags(g),
  };
  r.refuseUnread();
  const { daggerAlgorithm, resolveDaggerSettings } = await import('../algos/dagger.js');
  type Partial_ = Parameters<typeof resolveDaggerSettings>[0];
  const settings = resolveDaggerSettings((await startSettings(r, 'dagger', fromFlags)) as Partial_);
  let lastReturn = Number.NaN;
  return runTrainFolder(r, {
    algo: 'dagger',
    settings,
    build: (s, log) => daggerAlgorithm(s, { log, dir: r.dir }),
    progress: {
      label: 'dagger',
      fields: ['pairs', 'return'],
      values: (row) => {
        const ret = row['evalReturn'] ?? Number.NaN;
        if (Number.isFinite(ret)) lastReturn = ret;
        return {
          pairs: row['datasetPairs'] ?? 0,
          return: Number.isFinite(lastReturn) ? lastReturn.toFixed(1) : '-',
        };
      },
    },
    details: (a, outcome) => ({
      rounds: outcome.progress.round,
      labelledSteps: a.labelledSteps(),
      importedCorrections: a.importedCorrections,
      lastNormalizedScore: outcome.last?.['normalizedScore'] ?? Number.NaN,
      report: outcome.reportPath,
      backend: a.backend,
    }),
  });
}

/** One algorithm's `train` run: what `runTrainFolder` needs besides the command's TrainRun. */
interface TrainFolderRun<S extends Parameters<typeof envTargetOfSettings>[0], A extends TrainedAlgorithm> {
  /** The algorithm's key in config.json ("gail", "bc", …). */
  readonly algo: string;
  /** The resolved settings (a resumed run's are its saved ones). */
  readonly settings: S;
  readonly build: (settings: S, log: (line: string) => void) => Promise<A>;
  readonly progress: FolderRun<S, A, TrainResult>['progress'];
  /** The result's `details`: the algorithm's own numbers, made before the algorithm is disposed. */
  readonly details: (algorithm: A, outcome: RunOutcome) => Readonly<Record<string, unknown>>;
}

/** A trained algorithm as the result reports it: its name, backend and the demonstrations it used. */
type TrainedAlgorithm = TrainingAlgorithm & { readonly demoPairs: number; readonly trajectories: number };

/**
 * Runs one algorithm in the run folder (runInFolder) and makes the command's result (trainResult), on
 * the settings' task or model; over ROS 2 without either there is no in-process task to evaluate on.
 */
function runTrainFolder<S extends Parameters<typeof envTargetOfSettings>[0], A extends TrainedAlgorithm>(
  r: TrainRun,
  run: TrainFolderRun<S, A>,
): Promise<TrainResult> {
  const { settings } = run;
  return runInFolder({
    command: 'train',
    algo: run.algo,
    dir: r.dir,
    resumed: r.resumed,
    force: r.force,
    signals: r.signals,
    settings,
    build: run.build,
    progress: run.progress,
    finish: async (a, outcome) =>
      trainResult(outcome, r, {
        algo: a.name,
        task: settings.task ?? settings.model ?? '',
        target:
          settings.task === undefined && settings.model === undefined
            ? undefined
            : envTargetOfSettings(settings),
        demoPairs: a.demoPairs,
        trajectories: a.trajectories,
        details: run.details(a, outcome),
      }),
  });
}

/** The command's result: evaluation of policy.policy on the task for a finished run. */
async function trainResult(
  outcome: RunOutcome,
  r: TrainRun,
  what: {
    readonly algo: string;
    readonly task: string;
    /** What to evaluate on (a --model robot has no reward: not evaluated). */
    readonly target: EnvTarget | undefined;
    readonly demoPairs: number;
    readonly trajectories: number;
    readonly details: Readonly<Record<string, unknown>>;
  },
): Promise<TrainResult> {
  const stopped = outcome.end === 'stopped';
  const evalReturn =
    !stopped && what.target !== undefined && envTargetHasReward(what.target)
      ? await evaluatePolicyFile(outcome.policyPath, what.target, r.evalEpisodes)
      : null;
  return {
    algo: what.algo,
    task: what.task,
    out: outcome.dir,
    policyFile: outcome.policyPath,
    demoPairs: what.demoPairs,
    trajectories: what.trajectories,
    wallSeconds: outcome.wallSeconds,
    rounds: outcome.progress.round,
    envSteps: outcome.progress.envSteps,
    end: outcome.end,
    ...(stopped
      ? {
          stoppedBy: outcome.stoppedBy,
          continueWith: resumeCommand({ command: 'train' }, outcome.dir),
        }
      : {}),
    evalReturn,
    details: what.details,
  };
}

/** Deterministic return of a policy file on a target, on fixed seeds (as `eval`). */
async function evaluatePolicyFile(
  path: string,
  target: EnvTarget,
  episodes: number,
): Promise<{ mean: number; std: number }> {
  const [{ readPolicyFile }, { policyFromRecord }, ev] = await Promise.all([
    import('../data/policy-file.js'),
    import('../learn/policy-record.js'),
    import('../learn/evaluate.js'),
  ]);
  const policy = policyFromRecord(await readPolicyFile(path), 0, true);
  const envs = await Promise.all(
    Array.from({ length: Math.min(4, episodes) }, (_, i) => makeEnvTarget(target, { seed: 1_000_000 + i })),
  );
  try {
    const e = ev.evaluate(envs, (o, n) => policy.act(o, n, 'deterministic').actions, episodes, 1_000_000);
    return ev.meanStd([...e.returns]);
  } finally {
    for (const env of envs) env.dispose();
    policy.dispose();
  }
}

/** The human-readable result. */
export function trainReport(r: TrainResult): string {
  if (r.end === 'stopped')
    return [
      `${r.algo} stopped by ${r.stoppedBy} after ${r.rounds} rounds, ${r.envSteps} env steps ` +
        `(${r.wallSeconds.toFixed(1)} s of training); its checkpoint and report are in ${r.out}`,
      `  continue with: ${r.continueWith}`,
    ].join('\n');
  return [
    `${r.algo} on ${r.trajectories} demonstrations (${r.demoPairs} pairs) → ${r.policyFile}`,
    `  ${r.wallSeconds.toFixed(1)} s; ` +
      (r.evalReturn === null
        ? NO_REWARD_TEXT
        : `deterministic return ${r.evalReturn.mean.toFixed(1)} ± ${r.evalReturn.std.toFixed(1)}` +
          (typeof r.details['normalizedScore'] === 'number'
            ? `, normalised score ${(r.details['normalizedScore'] as number).toFixed(3)}`
            : '')),
  ].join('\n');
}

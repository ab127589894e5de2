/**
 * The `--algo gail` entry of `gail-bridge train` (src/cli/train.ts dispatches on --algo): its flags,
 * each prefixed "[gail]" in --help, and the runner that turns them into a `GailConfig` for `runGail`,
 * draws the progress bar (env steps, steps/s, D accuracy, return) and evaluates the result.
 */
import { type Command, Option } from 'commander';
import { demoSelectionFlags } from '../cli/demo-selection.js';
import { loadGenericTask } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { type GailConfig, POLICY_OPTS, resolveGailConfig } from './config.js';
import { REWARD_KIND_NAMES, type RewardKind } from './rewards.js';

/** Shared options of `train` (a structural copy of cli/train.ts's TrainOptions, to keep imports downstream). */
interface SharedTrainOptions {
  readonly task: string | undefined;
  readonly demos: string;
  readonly out: string;
  readonly trajectories: number | undefined;
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly backend: string;
  readonly evalEpisodes: number;
  readonly flags: Readonly<Record<string, unknown>>;
}

function num(name: string, check: (x: number) => boolean, want: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!check(n)) throw new GailBridgeError('config', `${name}: expected ${want}, got "${v}"`);
    return n;
  };
}
const posInt = (name: string) => num(name, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
const nonNeg = (name: string) => num(name, (n) => n >= 0, 'a number ≥ 0');
const pos = (name: string) => num(name, (n) => n > 0, 'a positive number');
function widths(name: string): (v: string) => number[] {
  return (v: string) => {
    const w = v.split(',').map((s) => Number(s.trim()));
    if (w.some((x) => !Number.isInteger(x) || x <= 0))
      throw new GailBridgeError('config', `${name}: expected comma-separated positive integers, got "${v}"`);
    return w;
  };
}

/** Adds the `[gail]` flags to the train command. */
export function addGailOptions(cmd: Command): Command {
  return cmd
    .option(
      '--model <robot.xml>',
      '[gail] train on this MJCF robot (generic env) instead of a built-in --task',
    )
    .option(
      '--task-config <file.yaml>',
      '[gail] generic env options for --model (config/tasks/*.yaml): termination rules, frame skip, horizon; may name the model',
    )
    .addOption(
      new Option('--policy-opt <opt>', '[gail] policy optimiser')
        .choices(Object.keys(POLICY_OPTS))
        .default('ppo'),
    )
    .option('--steps <n>', '[gail] env steps to train for', posInt('--steps'), 200_000)
    .option('--num-envs <n>', '[gail] envs stepped side by side', posInt('--num-envs'), 4)
    .option('--num-steps <n>', '[gail] steps per env per round', posInt('--num-steps'), 512)
    .option(
      '--resume',
      '[gail] continue the run in --out from its checkpoint (optimiser state included)',
      false,
    )
    .addOption(
      new Option('--reward <kind>', '[gail] reward from D').choices(REWARD_KIND_NAMES).default('gail'),
    )
    .option('--no-absorbing', '[gail] turn absorbing states off (on by default; Kostrikov et al. 2019)')
    .option(
      '--no-absorbing-fill',
      '[gail] one absorbing pair per terminated episode instead of padding to the horizon',
    )
    .option(
      '--disc-hidden <widths>',
      '[gail] discriminator hidden widths',
      widths('--disc-hidden'),
      [100, 100],
    )
    .option('--disc-steps <n>', '[gail] discriminator steps per round', posInt('--disc-steps'), 16)
    .option('--disc-batch <n>', '[gail] pairs per side per discriminator step', posInt('--disc-batch'), 128)
    .option('--disc-lr <rate>', '[gail] discriminator Adam step size', pos('--disc-lr'), 1e-3)
    .option(
      '--grad-penalty <coef>',
      '[gail] WGAN-GP coefficient (10 in the literature; 0 off)',
      nonNeg('--grad-penalty'),
      0,
    )
    .option('--spectral-norm', '[gail] spectral normalisation of the discriminator', false)
    .option(
      '--label-smoothing <eps>',
      '[gail] one-sided label smoothing (expert target 1 − eps)',
      nonNeg('--label-smoothing'),
      0,
    )
    .option(
      '--weight-decay <coef>',
      '[gail] L2 weight decay of the discriminator',
      nonNeg('--weight-decay'),
      0,
    )
    .option(
      '--subsample <k>',
      'keep one demonstration pair in k, from a random offset per trajectory (the GAIL paper used 20)',
      posInt('--subsample'),
      1,
    )
    .option('--ent-coef <coef>', '[gail] entropy bonus of the policy step', nonNeg('--ent-coef'), 0)
    .option('--policy-lr <rate>', '[gail] PPO Adam step size', pos('--policy-lr'), 3e-4)
    .option('--minibatches <n>', '[gail] PPO minibatches per epoch', posInt('--minibatches'), 32)
    .option(
      '--gamma <g>',
      '[gail] discount',
      num('--gamma', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      0.99,
    )
    .option(
      '--bc-epochs <n>',
      '[gail] behavioural-cloning warm start epochs (0 off)',
      num('--bc-epochs', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
      0,
    )
    .option('--checkpoint-every <n>', '[gail] rounds between checkpoints', posInt('--checkpoint-every'), 5);
}

/** The GailConfig the train command's flags describe (with --resume, the run folder's own config). */
export function gailConfigFromOptions(opts: SharedTrainOptions): GailConfig {
  const f = opts.flags;
  const model = f['model'] as string | undefined;
  const taskConfig = f['taskConfig'] as string | undefined;
  // With --task, resolveGailConfig reports the clash; the file is not read.
  const selection = demoSelectionFlags(f);
  const generic =
    taskConfig === undefined || opts.task !== undefined ? undefined : loadGenericTask(taskConfig, model);
  return resolveGailConfig({
    task: opts.task,
    model: generic?.path ?? model,
    taskConfig,
    genericEnv: generic?.options,
    demos: opts.demos,
    demoTrajectories: opts.trajectories,
    demoEpisodes: selection.episodes,
    excludeFailures: selection.excludeFailures,
    minReturn: selection.minReturn,
    out: opts.out,
    policyOpt: f['policyOpt'] as GailConfig['policyOpt'],
    steps: f['steps'] as number,
    numEnvs: f['numEnvs'] as number,
    numSteps: f['numSteps'] as number,
    seed: opts.seed,
    backend: opts.backend,
    policyHidden: opts.hidden,
    gamma: f['gamma'] as number,
    entCoef: f['entCoef'] as number,
    policyLr: f['policyLr'] as number,
    policyMinibatches: f['minibatches'] as number,
    bcEpochs: f['bcEpochs'] as number,
    reward: f['reward'] as RewardKind,
    absorbing: f['absorbing'] as boolean,
    absorbingFill: f['absorbingFill'] as boolean,
    discHidden: f['discHidden'] as number[],
    discStepsPerRound: f['discSteps'] as number,
    discBatchSize: f['discBatch'] as number,
    discLr: f['discLr'] as number,
    gradPenalty: f['gradPenalty'] as number,
    spectralNorm: f['spectralNorm'] as boolean,
    labelSmoothing: f['labelSmoothing'] as number,
    weightDecay: f['weightDecay'] as number,
    subsample: f['subsample'] as number,
    checkpointEvery: f['checkpointEvery'] as number,
  });
}

/** What `train --algo gail` reports (the shape of cli/train.ts's TrainResult). */
export interface GailTrainResult {
  readonly algo: string;
  readonly task: string;
  readonly out: string;
  readonly policyFile: string;
  readonly demoPairs: number;
  readonly trajectories: number;
  readonly wallSeconds: number;
  readonly evalReturn: { mean: number; std: number };
  readonly details: Readonly<Record<string, unknown>>;
}

/** Runs `train --algo gail`: resolves the config (or reads it back with --resume), trains, evaluates. */
export async function runGailAlgo(opts: SharedTrainOptions): Promise<GailTrainResult> {
  const [
    { info, progressBar },
    { readRunConfig, runGail },
    ev,
    { makeTaskEnv },
    { readPolicyFile },
    { policyFromRecord },
  ] = await Promise.all([
    import('../cli/common.js'),
    import('./run.js'),
    import('../learn/evaluate.js'),
    import('../sim/tasks/index.js'),
    import('../data/policy-file.js'),
    import('../learn/policy-record.js'),
  ]);
  const resume = Boolean(opts.flags['resume']);
  const config = resume
    ? resolveGailConfig({ ...readRunConfig(opts.out), steps: opts.flags['steps'] as number })
    : gailConfigFromOptions(opts);
  const started = performance.now();
  const bar = progressBar(config.steps, 'gail', ['steps/s', 'Dacc', 'return']);
  let lastReturn = Number.NaN;
  const r = await runGail(config, resume, {
    log: info,
    onIteration: (m) => {
      if (Number.isFinite(m.returnMean)) lastReturn = m.returnMean;
      bar.update(Math.min(m.envSteps, config.steps), {
        'steps/s': Math.round(m.stepsPerSecond),
        Dacc: `${m.discAccExpert.toFixed(2)}/${m.discAccPolicy.toFixed(2)}`,
        return: Number.isFinite(lastReturn) ? lastReturn.toFixed(1) : '-',
      });
    },
  });
  bar.stop();
  info(`report: ${r.reportPath}`);
  let evalReturn = { mean: Number.NaN, std: Number.NaN };
  if (config.task !== undefined) {
    const record = await readPolicyFile(r.checkpointPath);
    const policy = policyFromRecord(record, config.seed, true);
    const envs = await Promise.all([0, 1].map((i) => makeTaskEnv(config.task!, { seed: 1_000_000 + i })));
    try {
      const e = ev.evaluate(
        envs,
        (o, n) => policy.act(o, n, 'deterministic').actions,
        opts.evalEpisodes,
        1_000_000,
      );
      evalReturn = ev.meanStd([...e.returns]);
    } finally {
      for (const env of envs) env.dispose();
      policy.dispose();
    }
  }
  return {
    algo: `gail-${config.policyOpt}`,
    task: config.task ?? config.model ?? '',
    out: config.out,
    policyFile: r.checkpointPath,
    demoPairs: r.demoPairs,
    trajectories: r.trajectories,
    wallSeconds: (performance.now() - started) / 1000,
    evalReturn,
    details: {
      envSteps: r.envSteps,
      rounds: r.iterations,
      stopped: r.stopped,
      report: r.reportPath,
      backend: r.backend,
      lastNormalizedScore: r.last?.normalizedScore ?? Number.NaN,
      lastDiscAccExpert: r.last?.discAccExpert ?? Number.NaN,
      lastDiscAccPolicy: r.last?.discAccPolicy ?? Number.NaN,
    },
  };
}

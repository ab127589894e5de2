/**
 * `gail-bridge train --algo <algo>`: learns a policy from demonstrations into runs/<name>/. Each
 * algorithm is one entry of `ALGOS` (a runner taking the shared options); `bc` (behavioural cloning,
 * the GAIL paper's baseline) lives here, GAIL adds its own entry. Every run writes:
 *
 *   runs/<name>/policy.policy   the trained policy (policy file, src/data)
 *   runs/<name>/metrics.jsonl   one JSON object per epoch/round
 */
import { type Command, Option } from 'commander';
import { describeSelection, selectDemonstrations } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { addGailOptions } from '../gail/train-algo.js';
import { info, integer, positiveInt, report, runCommand } from './common.js';
import { addDemoSelectionOptions, demoSelectionFlags } from './demo-selection.js';
import { parseWidths } from './expert.js';

/** Options every algorithm gets (flags of the command). */
export interface TrainOptions {
  readonly algo: string;
  /** Built-in task; bc needs it, gail takes it or a generic robot (--model, --task-config). */
  readonly task: string | undefined;
  readonly demos: string;
  /** Run folder. */
  readonly out: string;
  /** Use only the first n demonstrations (all when undefined). */
  readonly trajectories: number | undefined;
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly backend: string;
  readonly evalEpisodes: number;
  /** Every raw flag, for algorithm-specific options. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** What a run reports. */
export interface TrainResult {
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

type Runner = (opts: TrainOptions) => Promise<TrainResult>;

/** Algorithms by `--algo` name. */
export const ALGOS: Readonly<Record<string, { description: string; run: Runner }>> = {
  bc: { description: 'behavioural cloning (Gaussian log-likelihood or MSE, early stopping)', run: runBc },
  gail: {
    description: 'GAIL (Ho & Ermon 2016) with absorbing states; see src/gail/',
    run: async (opts) => (await import('../gail/train-algo.js')).runGailAlgo(opts),
  },
};

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a policy from demonstrations into runs/<name> (--algo bc; see --help for each)')
    .addOption(
      new Option('--algo <algo>', 'learning algorithm').choices(Object.keys(ALGOS)).makeOptionMandatory(),
    )
    .option(
      '--task <name>',
      'built-in task the demonstrations are for (bc: required; gail: or --model / --task-config)',
    )
    .requiredOption('--demos <file>', 'demo file (MCAP) made by `gail-bridge demos` or `record`')
    .requiredOption('--out <dir>', 'run folder, e.g. runs/hopper-bc')
    .option('--trajectories <n>', 'use only the first n demonstrations', positiveInt('--trajectories'))
    .option('--hidden <widths>', 'hidden layer widths of the policy', '64,64')
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu', 'auto')
    .option(
      '--eval-episodes <n>',
      'deterministic episodes for the final evaluation',
      positiveInt('--eval-episodes'),
      10,
    )
    .addOption(new Option('--loss <loss>', '[bc] loss').choices(['gaussian', 'mse']).default('gaussian'))
    .option('--epochs <n>', '[bc] most epochs', positiveInt('--epochs'), 200)
    .option('--batch-size <n>', '[bc] pairs per step', positiveInt('--batch-size'), 256)
    .option('--lr <rate>', '[bc] Adam step size', Number, 1e-3)
    .option('--validation <fraction>', '[bc] held-out share for early stopping', Number, 0.1)
    .option(
      '--patience <n>',
      '[bc] epochs without improvement before stopping',
      positiveInt('--patience'),
      10,
    )
    .option('--json', 'print the result as one JSON object on stdout', false);
  addDemoSelectionOptions(cmd);
  addGailOptions(cmd);
  cmd.action((o: Record<string, unknown>) =>
    runCommand(async () => {
      const algo = String(o['algo']);
      const entry = ALGOS[algo];
      if (!entry)
        throw new GailBridgeError(
          'config',
          `--algo: unknown "${algo}" (have ${Object.keys(ALGOS).join(', ')})`,
        );
      const r = await entry.run({
        algo,
        task: o['task'] === undefined ? undefined : String(o['task']),
        demos: String(o['demos']),
        out: String(o['out']),
        trajectories: o['trajectories'] as number | undefined,
        hidden: parseWidths(String(o['hidden'])),
        seed: o['seed'] as number,
        backend: String(o['backend']),
        evalEpisodes: o['evalEpisodes'] as number,
        flags: o,
      });
      report(Boolean(o['json']), r, () =>
        [
          `${r.algo} on ${r.trajectories} demonstrations (${r.demoPairs} pairs) → ${r.policyFile}`,
          `  ${r.wallSeconds.toFixed(1)} s; deterministic return ${r.evalReturn.mean.toFixed(1)} ± ${r.evalReturn.std.toFixed(1)}`,
        ].join('\n'),
      );
    }),
  );
}

/** Behavioural cloning run (see bc.ts). */
async function runBc(opts: TrainOptions): Promise<TrainResult> {
  const [
    fs,
    path,
    backendMod,
    { makeTaskEnv },
    learn,
    policyFile,
    ev,
    { readDemoFile },
    { assertSpecsMatch },
  ] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../learn/backend.js'),
    import('../sim/tasks/index.js'),
    import('../learn/index.js'),
    import('../data/policy-file.js'),
    import('../learn/evaluate.js'),
    import('../data/demo-reader.js'),
    import('../core/spec.js'),
  ]);
  const task = opts.task;
  if (task === undefined)
    throw new GailBridgeError(
      'config',
      '--algo bc: --task <name> is required (the built-in task the demonstrations are for, used for evaluation)',
    );
  const started = performance.now();
  const demo = await readDemoFile(opts.demos);
  const selection = selectDemonstrations(
    demo.episodes.map((e) => ({ index: e.index, trajectory: e.trajectory })),
    { ...demoSelectionFlags(opts.flags), first: opts.trajectories },
    opts.demos,
  );
  for (const line of describeSelection(selection)) info(line);
  const chosen = selection.used.map((e) => e.trajectory);
  const envs = await Promise.all(
    Array.from({ length: Math.min(4, opts.evalEpisodes) }, (_, i) => makeTaskEnv(task, { seed: i })),
  );
  try {
    const spec = envs[0]!.spec;
    assertSpecsMatch(`${opts.demos} vs task ${task}`, spec, demo.spec);
    const backend = await backendMod.useBackend(backendMod.parseBackendChoice(opts.backend));
    info(backend.description);
    const data = learn.pairsFromTrajectories(chosen, {
      subsample: (opts.flags['subsample'] as number | undefined) ?? 1,
      seed: opts.seed,
    });
    const policy = new learn.GaussianPolicy(
      { obsDim: data.obs.length / data.n, actDim: data.actions.length / data.n, hiddenSizes: opts.hidden },
      opts.seed,
    );
    fs.mkdirSync(opts.out, { recursive: true });
    const metricsPath = path.join(opts.out, 'metrics.jsonl');
    const metrics = fs.openSync(metricsPath, 'w');
    try {
      const f = opts.flags;
      const result = learn.trainBc(
        policy,
        data,
        {
          loss: f['loss'] as 'gaussian' | 'mse',
          maxEpochs: f['epochs'] as number,
          batchSize: f['batchSize'] as number,
          learningRate: f['lr'] as number,
          validationFraction: f['validation'] as number,
          patience: f['patience'] as number,
          seed: opts.seed,
        },
        (e) => {
          fs.writeSync(metrics, `${JSON.stringify(e)}\n`);
          if (e.epoch % 10 === 0)
            info(
              `bc epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)}, validation ${e.validationLoss.toFixed(4)}`,
            );
        },
      );
      policy.obsNorm.frozen = true;
      const evaluation = ev.evaluate(
        envs,
        (obs, n) => policy.act(obs, n, 'deterministic').actions,
        opts.evalEpisodes,
        1_000_000,
      );
      const evalReturn = ev.meanStd([...evaluation.returns]);
      const policyPath = path.join(opts.out, 'policy.policy');
      await policyFile.writePolicyFile(
        policyPath,
        learn.policyToRecord(policy, spec, {
          algo: 'bc',
          envSteps: 0,
          seed: opts.seed,
          date: new Date().toISOString(),
          evalReturn: evalReturn.mean,
          extra: { task, demos: opts.demos, trajectories: String(chosen.length) },
        }),
      );
      policy.dispose();
      return {
        algo: 'bc',
        task,
        out: opts.out,
        policyFile: policyPath,
        demoPairs: data.n,
        trajectories: chosen.length,
        wallSeconds: (performance.now() - started) / 1000,
        evalReturn,
        details: {
          epochs: result.epochs,
          bestEpoch: result.bestEpoch,
          bestValidationLoss: result.bestValidationLoss,
          stoppedEarly: result.stoppedEarly,
        },
      };
    } finally {
      fs.closeSync(metrics);
    }
  } finally {
    for (const e of envs) e.dispose();
  }
}

/**
 * `gail-bridge expert`: trains an expert on a built-in task's true reward with PPO or TRPO, as the GAIL
 * paper made its experts (Ho & Ermon 2016, §6). One iteration: N envs × T steps through the streams
 * pipeline (env source → rollout collector, no absorbing states) → one learner update. Every few
 * updates a checkpoint evaluates the policy deterministically on fixed seeds: <out> keeps the best one
 * (PPO's last iterate is not always its best), <out>.last the latest state. Both are policy files written
 * atomically; Ctrl-C writes <out>.last; `--resume` continues from <out>.last (or <out>) with weights,
 * normaliser, value net, optimiser state and step count. A finished run removes <out>.last.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import { info, positiveInt, progressBar, report, runCommand } from './common.js';

/** What the command was asked for (one record; defaults in `register`). */
export interface ExpertOptions {
  /** Built-in task name. */
  readonly task: string;
  readonly algo: 'ppo' | 'trpo';
  /** Total env steps (including those of a resumed file). */
  readonly steps: number;
  /** Policy file to write (and to resume from). */
  readonly out: string;
  /** Parallel envs N. */
  readonly envs: number;
  /** Steps per env per update T (N·T samples per update). */
  readonly rolloutSteps: number;
  /** Hidden widths of the policy and value networks. */
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly backend: string;
  readonly resume: boolean;
  /** Updates between checkpoints. */
  readonly checkpointEvery: number;
  /** Deterministic episodes for the final evaluation (stored as the file's evalReturn). */
  readonly evalEpisodes: number;
  /** Learning rate (PPO: Adam step size; TRPO: value net's). */
  readonly lr?: number;
  /** PPO minibatches per epoch. */
  readonly minibatches?: number;
  /** PPO: scale rewards by the running std of the discounted return (Engstrom et al. 2020). */
  readonly normalizeRewards?: boolean;
  readonly json: boolean;
}

/** The result printed at the end (and with --json). */
export interface ExpertResult {
  readonly task: string;
  readonly algo: string;
  readonly out: string;
  readonly backend: string;
  readonly envSteps: number;
  readonly updates: number;
  readonly wallSeconds: number;
  /** Wall-clock spent stepping envs and acting (collection), vs in learner updates. */
  readonly envSeconds: number;
  readonly learnerSeconds: number;
  /** Time in checkpoint evaluations and snapshots. */
  readonly checkpointSeconds: number;
  /** Deterministic evaluation of the policy in the file (the best checkpoint). */
  readonly evalReturn: { mean: number; std: number };
  readonly evalLength: number;
  /** Env steps at which that policy was taken. */
  readonly bestAtSteps: number;
  readonly interrupted: boolean;
}

/** Parses "64,64" into widths. */
export function parseWidths(v: string): number[] {
  const w = v.split(',').map((s) => Number(s.trim()));
  if (w.length === 0 || w.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw new GailBridgeError('usage', `--hidden: expected comma-separated positive integers, got "${v}"`);
  }
  return w;
}

function positiveNumber(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n))
      throw new GailBridgeError('usage', `${name}: expected a positive number, got "${v}"`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('expert')
    .description("train an expert policy on a built-in task's true reward (PPO or TRPO), with checkpoints")
    .requiredOption('--task <name>', 'built-in task (see `gail-bridge tasks`)')
    .addOption(new Option('--algo <algo>', 'policy optimiser').choices(['ppo', 'trpo']).default('ppo'))
    .option('--steps <n>', 'total env steps', positiveInt('--steps'), 1_000_000)
    .option('--out <file>', 'policy file to write (default experts/<task>.policy)')
    .option('--envs <n>', 'parallel envs', positiveInt('--envs'), 4)
    .option(
      '--rollout-steps <n>',
      'steps per env per update (PPO default 512, TRPO 1250)',
      positiveInt('--rollout-steps'),
    )
    .option('--hidden <widths>', 'hidden layer widths of policy and value nets', '64,64')
    .option('--lr <rate>', 'learning rate (PPO Adam; TRPO value net)', positiveNumber('--lr'))
    .option('--minibatches <n>', 'PPO minibatches per epoch (default 32)', positiveInt('--minibatches'))
    .option(
      '--normalize-rewards',
      'PPO: divide rewards by the running std of the discounted return (for returns far from unit scale)',
      false,
    )
    .option('--seed <n>', 'random seed', positiveIntOrZero, 0)
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--resume', 'continue from the policy file at --out', false)
    .option('--checkpoint-every <n>', 'updates between checkpoints', positiveInt('--checkpoint-every'), 10)
    .option(
      '--eval-episodes <n>',
      'deterministic episodes for the final evaluation',
      positiveInt('--eval-episodes'),
      10,
    )
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: Record<string, unknown>) =>
      runCommand(async () => {
        const algo = o['algo'] as 'ppo' | 'trpo';
        const opts: ExpertOptions = {
          task: String(o['task']),
          algo,
          steps: o['steps'] as number,
          out: (o['out'] as string | undefined) ?? `experts/${String(o['task'])}.policy`,
          envs: o['envs'] as number,
          rolloutSteps: (o['rolloutSteps'] as number | undefined) ?? (algo === 'ppo' ? 512 : 1250),
          hidden: parseWidths(String(o['hidden'])),
          seed: o['seed'] as number,
          backend: String(o['backend']),
          resume: Boolean(o['resume']),
          checkpointEvery: o['checkpointEvery'] as number,
          evalEpisodes: o['evalEpisodes'] as number,
          lr: o['lr'] as number | undefined,
          minibatches: o['minibatches'] as number | undefined,
          normalizeRewards: Boolean(o['normalizeRewards']),
          json: Boolean(o['json']),
        };
        const result = await runExpert(opts);
        report(opts.json, result, () =>
          [
            result.interrupted
              ? `interrupted: latest state in ${result.out}.last (continue with --resume)`
              : `expert written to ${result.out} (best checkpoint, at ${result.bestAtSteps} env steps)`,
            `  ${result.envSteps} env steps, ${result.updates} updates, ${result.wallSeconds.toFixed(1)} s ` +
              `(env ${result.envSeconds.toFixed(1)} s, learner ${result.learnerSeconds.toFixed(1)} s) on ${result.backend}`,
            `  deterministic return ${result.evalReturn.mean.toFixed(1)} ± ${result.evalReturn.std.toFixed(1)}, ` +
              `mean length ${result.evalLength.toFixed(0)}`,
          ].join('\n'),
        );
      }),
    );
}

function positiveIntOrZero(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new GailBridgeError('usage', `--seed: expected an integer ≥ 0, got "${v}"`);
  return n;
}

/** Trains (or resumes) an expert as `opts` says; see the file comment. */
export async function runExpert(opts: ExpertOptions): Promise<ExpertResult> {
  // Heavy modules load here, not at CLI start (main.ts registers every command).
  const [{ take }, backendMod, { makeTaskEnv }, streams, collector, learn, policyFile, evalMod] =
    await Promise.all([
      import('rxjs'),
      import('../learn/backend.js'),
      import('../sim/tasks/index.js'),
      import('../streams/env-source.js'),
      import('../streams/collector.js'),
      import('../learn/index.js'),
      import('../data/policy-file.js'),
      import('../learn/evaluate.js'),
    ]);
  const backend = await backendMod.useBackend(backendMod.parseBackendChoice(opts.backend));
  info(backend.description);

  const probe = await makeTaskEnv(opts.task, { seed: opts.seed });
  const spec = probe.spec;
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const perUpdate = opts.envs * opts.rolloutSteps;
  const totalUpdates = Math.max(1, Math.ceil(opts.steps / perUpdate));

  let policy: InstanceType<typeof learn.GaussianPolicy>;
  let envSteps = 0;
  // The latest state lives in <out>.last while training runs; <out> holds the best evaluated policy.
  const lastPath = `${opts.out}.last`;
  const resumeFrom = existsSync(lastPath) ? lastPath : opts.out;
  const resumeRecord =
    opts.resume && existsSync(resumeFrom)
      ? await policyFile.readPolicyFile(resumeFrom, { expectSpec: spec })
      : undefined;
  if (opts.resume && !resumeRecord) info(`--resume: ${opts.out} does not exist yet; starting fresh`);
  if (resumeRecord) {
    if (resumeRecord.training.algo !== opts.algo) {
      probe.dispose();
      throw new GailBridgeError(
        'config',
        `--resume: ${opts.out} was trained with ${resumeRecord.training.algo}, not ${opts.algo}; pass --algo ${resumeRecord.training.algo}`,
      );
    }
    policy = learn.policyFromRecord(resumeRecord, opts.seed + 1);
    envSteps = resumeRecord.training.envSteps;
  } else {
    policy = new learn.GaussianPolicy({ obsDim, actDim, hiddenSizes: opts.hidden }, opts.seed);
  }
  const valueHidden = resumeRecord?.architecture.valueHidden ?? opts.hidden;
  const learner =
    opts.algo === 'ppo'
      ? new learn.PpoLearner(policy, {
          seed: opts.seed,
          totalUpdates,
          valueHiddenSizes: valueHidden,
          ...(opts.lr === undefined ? {} : { learningRate: opts.lr }),
          ...(opts.minibatches === undefined ? {} : { numMinibatches: opts.minibatches }),
          normalizeRewards: opts.normalizeRewards ?? false,
        })
      : new learn.TrpoLearner(policy, {
          seed: opts.seed,
          valueHiddenSizes: valueHidden,
          ...(opts.lr === undefined ? {} : { valueLearningRate: opts.lr }),
        });
  if (resumeRecord) learner.loadArrays(learn.recordArrays(resumeRecord));
  if (resumeRecord) info(`resuming ${resumeFrom} at ${envSteps} env steps`);

  mkdirSync(dirname(opts.out) || '.', { recursive: true });
  const started = performance.now();
  // Snapshots are taken synchronously (between updates); the writes are chained so they never overlap.
  let writes: Promise<void> = Promise.resolve();
  const save = (path: string, evalReturn?: number): void => {
    const record = learn.policyToRecord(
      policy,
      spec,
      {
        algo: opts.algo,
        envSteps,
        seed: opts.seed,
        date: new Date().toISOString(),
        ...(evalReturn === undefined ? {} : { evalReturn }),
        extra: {
          task: opts.task,
          backend: backend.name,
          wallSeconds: ((performance.now() - started) / 1000).toFixed(1),
        },
      },
      { valueHidden, arrays: learner.toArrays() },
    );
    writes = writes.then(() => policyFile.writePolicyFile(path, record));
  };
  const evalEnvs = await Promise.all(
    Array.from({ length: Math.min(opts.evalEpisodes, 4) }, (_, i) =>
      makeTaskEnv(opts.task, { seed: 10_000 + i }),
    ),
  );
  /** Deterministic return on fixed seeds, with the normaliser frozen so evaluation does not train it. */
  const evaluateNow = (): { mean: number; std: number; length: number } => {
    const frozen = policy.obsNorm.frozen;
    policy.obsNorm.frozen = true;
    try {
      const ev = evalMod.evaluate(
        evalEnvs,
        (obs, n) => policy.act(obs, n, 'deterministic').actions,
        opts.evalEpisodes,
        1_000_000,
      );
      return { ...evalMod.meanStd([...ev.returns]), length: evalMod.meanStd([...ev.lengths]).mean };
    } finally {
      policy.obsNorm.frozen = frozen;
    }
  };
  let best = {
    mean: resumeRecord?.training.evalReturn ?? Number.NEGATIVE_INFINITY,
    std: Number.NaN,
    length: Number.NaN,
  };
  let bestAtSteps = resumeRecord ? envSteps : 0;
  /** Evaluates; keeps the policy in <out> when it is the best so far. Always refreshes <out>.last. */
  let savedBest = false;
  let checkpointMs = 0;
  const checkpoint = (): void => {
    const t0 = performance.now();
    const e = evaluateNow();
    if (e.mean >= best.mean) {
      best = e;
      bestAtSteps = envSteps;
      savedBest = true;
      save(opts.out, e.mean);
    }
    checkpointMs += performance.now() - t0;
    save(lastPath, e.mean);
  };

  const remaining = Math.max(0, Math.ceil((opts.steps - envSteps) / perUpdate));
  const bar = progressBar(opts.steps, `${opts.algo} ${opts.task}`, ['steps/s', 'return', 'length']);
  const recentReturns: number[] = [];
  const recentLengths: number[] = [];
  let learnerMs = 0;
  let updates = 0;
  let interrupted = false;
  const envs = [
    probe,
    ...(await Promise.all(
      Array.from({ length: opts.envs - 1 }, (_, i) => makeTaskEnv(opts.task, { seed: opts.seed + i + 1 })),
    )),
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const sub = streams
        .envSource(() => streams.envsAsBatch(envs, opts.seed), policy, { seed: opts.seed + envSteps })
        .pipe(collector.collectRollouts({ numSteps: opts.rolloutSteps, absorbing: false }), take(remaining))
        .subscribe({
          next: (rollout) => {
            const t0 = performance.now();
            learner.update(rollout.batch);
            learnerMs += performance.now() - t0;
            updates++;
            envSteps += rollout.envSteps;
            for (const e of rollout.episodes) {
              recentReturns.push(e.return);
              recentLengths.push(e.length);
            }
            recentReturns.splice(0, Math.max(0, recentReturns.length - 20));
            recentLengths.splice(0, Math.max(0, recentLengths.length - 20));
            const secs = (performance.now() - started) / 1000;
            bar.update(Math.min(envSteps, opts.steps), {
              'steps/s': Math.round(envSteps / Math.max(secs, 1e-9)),
              return: recentReturns.length > 0 ? evalMod.meanStd(recentReturns).mean.toFixed(1) : '-',
              length: recentLengths.length > 0 ? evalMod.meanStd(recentLengths).mean.toFixed(0) : '-',
            });
            if (updates % opts.checkpointEvery === 0) checkpoint();
          },
          error: reject,
          complete: resolve,
        });
      // Ctrl-C: stop after the update in progress (the subscriber runs synchronously), then checkpoint.
      const onSignal = (): void => {
        interrupted = true;
        sub.unsubscribe();
        resolve();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      sub.add(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      });
    });
  } finally {
    bar.stop();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  try {
    if (interrupted) {
      // Ctrl-C: the latest state goes to <out>.last for --resume; <out> keeps the best, or gets the latest.
      save(lastPath);
      if (!savedBest && !existsSync(opts.out)) save(opts.out);
    } else {
      checkpoint();
    }
    await writes;
    if (!interrupted) rmSync(lastPath, { force: true });
  } finally {
    for (const e of evalEnvs) e.dispose();
  }
  learner.dispose();
  policy.dispose();
  return {
    task: opts.task,
    algo: opts.algo,
    out: opts.out,
    backend: backend.name,
    envSteps,
    updates,
    wallSeconds,
    envSeconds: wallSeconds - (learnerMs + checkpointMs) / 1000,
    learnerSeconds: learnerMs / 1000,
    checkpointSeconds: checkpointMs / 1000,
    evalReturn: { mean: best.mean, std: best.std },
    evalLength: best.length,
    bestAtSteps,
    interrupted,
  };
}

/**
 * `runGail`: wires the real pieces around the trainer for `gail-bridge train --algo gail` — backend,
 * demos, env, policy learner, discriminator — and owns the run folder:
 *
 *   runs/NAME/config.json       the resolved config
 *   runs/NAME/metrics.jsonl     one IterationMetrics row per round
 *   runs/NAME/policy.policy     a policy file (data/policy-file.ts: header, SHA-256, atomic write) whose
 *                               optimiser section also holds the learner's state and the discriminator
 *                               ("disc/…"): deployable as is, and enough to --resume
 *   runs/NAME/report.html       learning curves (report.ts)
 *
 * Ctrl-C ends the round in progress, then writes the checkpoint and the report before exiting.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { withTaskConfigContext } from '../config/task.js';
import { describeSelection, selectDemonstrations, selectionRecord } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { assertSpecsMatch } from '../core/spec.js';
import { readDemoFile } from '../data/demo-reader.js';
import { decodePolicyFile, encodePolicyFile } from '../data/policy-file.js';
import { useBackend } from '../learn/backend.js';
import { pairsFromTrajectories, trainBc } from '../learn/bc.js';
import { evaluate, meanStd, uniformRandomAct } from '../learn/evaluate.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import { type NamedArrays, namedArray } from '../learn/named-arrays.js';
import { policyToRecord, recordArrays } from '../learn/policy-record.js';
import { PpoLearner } from '../learn/ppo.js';
import { TrpoLearner } from '../learn/trpo.js';
import { makeGenericEnv } from '../sim/generic.js';
import { makeTaskEnv } from '../sim/tasks/index.js';
import type { Env } from '../sim/types.js';
import { envSource, envsAsBatch } from '../streams/env-source.js';
import { trajectoryPairs } from '../streams/pairs.js';
import { type GailConfig, plannedRounds } from './config.js';
import { Discriminator } from './discriminator.js';
import { renderReport } from './report.js';
import { type GailResult, type IterationMetrics, trainGail } from './trainer.js';

/** What the caller sees of a run as it goes (the CLI draws its progress bar from it). */
export interface GailRunHooks {
  /** One line for the user (backend, demos, score references, where files are). */
  readonly log?: (line: string) => void;
  readonly onIteration?: (m: IterationMetrics) => void;
  /** Stop after the round in progress on SIGINT (Ctrl-C); default true. */
  readonly installSigint?: boolean;
}

/** How the run ended and where its files are. */
export interface GailRunResult extends GailResult {
  readonly outDir: string;
  readonly reportPath: string;
  readonly checkpointPath: string;
  readonly backend: string;
  /** Expert pairs the discriminator was given (absorbing pairs included) and trajectories used. */
  readonly demoPairs: number;
  readonly trajectories: number;
}

/** The checkpoint's file name in a run folder (the bench's --resume looks for it too). */
export const CHECKPOINT = 'policy.policy';

/** Reads the resolved config of a run folder (for --resume), naming the file on error. */
export function readRunConfig(outDir: string): GailConfig {
  const path = join(outDir, 'config.json');
  if (!existsSync(path))
    throw new GailBridgeError(
      'file',
      `--resume ${outDir}: no config.json there; is this a gail-bridge run folder?`,
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GailConfig;
  } catch (err) {
    throw new GailBridgeError('file', `${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * One env of the run: the built-in task, or the generic env of `model` with the task config's options
 * (the root's x/y left out unless the config says otherwise). Errors of a task config name its file.
 */
export function makeGailEnv(
  config: Pick<GailConfig, 'task' | 'model' | 'taskConfig' | 'genericEnv'>,
  seed: number,
): Promise<Env> {
  return config.task !== undefined
    ? makeTaskEnv(config.task, { seed })
    : withTaskConfigContext(config.taskConfig, () =>
        makeGenericEnv({ path: config.model! }, { excludeRootXY: true, ...config.genericEnv, seed }),
      );
}

/** Writes `bytes` to `path` atomically: temp file, fsync, rename (DESIGN "Data"). */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Trains a policy by GAIL as `config` says; `resume` continues from the folder's checkpoint. */
export async function runGail(
  config: GailConfig,
  resume: boolean,
  hooks: GailRunHooks = {},
): Promise<GailRunResult> {
  const log = hooks.log ?? (() => {});
  const backend = await useBackend(config.backend as Parameters<typeof useBackend>[0]);
  log(backend.description);

  // Demonstrations, and the env they must match.
  const demo = await readDemoFile(config.demos);
  const selection = selectDemonstrations(
    demo.episodes.map((e) => ({ index: e.index, trajectory: e.trajectory })),
    {
      episodes: config.demoEpisodes,
      first: config.demoTrajectories,
      excludeFailures: config.excludeFailures,
      minReturn: config.minReturn,
    },
    config.demos,
  );
  for (const line of describeSelection(selection)) log(line);
  const trajectories = selection.used.map((e) => e.trajectory);
  const makeEnv = (seed: number): Promise<Env> => makeGailEnv(config, seed);
  const probe = await makeEnv(config.seed);
  let expertReturn = Number.NaN;
  let random = Number.NaN;
  try {
    assertSpecsMatch(`${config.demos} vs the ${config.task ?? config.model} env`, probe.spec, demo.spec);
    const returns = trajectories.flatMap((t) => (t.rewards ? [t.rewards.reduce((a, b) => a + b, 0)] : []));
    if (returns.length > 0 && config.task !== undefined) {
      expertReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
      const baseline = evaluate(
        [probe],
        uniformRandomAct(probe, config.seed + 99),
        config.randomEpisodes,
        config.seed + 99,
      );
      random = meanStd([...baseline.returns]).mean;
    }
  } finally {
    probe.dispose();
  }
  const horizon = probe.spec.horizon;
  log(
    `demos: ${trajectories.length} trajectories, ${trajectories.reduce((a, t) => a + t.length, 0)} steps` +
      (Number.isFinite(expertReturn)
        ? `; expert return ${expertReturn.toFixed(1)}, random ${random.toFixed(1)}`
        : ''),
  );

  // Policy, learner, discriminator.
  const obsDim = demo.spec.observation.names.length;
  const actDim = demo.spec.action.names.length;
  const root = new Rng(config.seed);
  const policy = new GaussianPolicy({ obsDim, actDim, hiddenSizes: config.policyHidden }, config.seed);
  const rounds = plannedRounds(config);
  const learner =
    config.policyOpt === 'ppo'
      ? new PpoLearner(policy, {
          gamma: config.gamma,
          entCoef: config.entCoef,
          learningRate: config.policyLr,
          numMinibatches: config.policyMinibatches,
          totalUpdates: rounds,
          valueHiddenSizes: config.policyHidden,
          seed: config.seed,
        })
      : new TrpoLearner(policy, {
          gamma: config.gamma,
          entCoef: config.entCoef,
          valueHiddenSizes: config.policyHidden,
          seed: config.seed,
        });
  const disc = new Discriminator(
    obsDim,
    actDim,
    config.absorbing,
    {
      hiddenSizes: config.discHidden,
      learningRate: config.discLr,
      gradientPenalty: config.gradPenalty,
      spectralNorm: config.spectralNorm,
      labelSmoothing: config.labelSmoothing,
      weightDecay: config.weightDecay,
    },
    root.fork(1),
  );
  const absorbingHorizon = config.absorbing && config.absorbingFill ? horizon : undefined;

  mkdirSync(config.out, { recursive: true });
  const metricsPath = join(config.out, 'metrics.jsonl');
  const checkpointPath = join(config.out, CHECKPOINT);
  const reportPath = join(config.out, 'report.html');
  const rows: IterationMetrics[] = [];
  let start = { envSteps: 0, iteration: 0 };
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log('stopping after this round (Ctrl-C again to quit at once)…');
  };

  try {
    if (resume) {
      if (!existsSync(checkpointPath))
        throw new GailBridgeError(
          'file',
          `--resume ${config.out}: no ${CHECKPOINT} there yet; start without --resume`,
        );
      const record = decodePolicyFile(readFileSync(checkpointPath), checkpointPath);
      assertSpecsMatch(`${checkpointPath} vs the demos`, demo.spec, record.spec);
      const arrays = recordArrays(record);
      learner.loadArrays({
        ...arrays,
        'obsNorm/mean': namedArray([obsDim], record.obsNorm.mean),
        'obsNorm/var': namedArray([obsDim], record.obsNorm.var),
        'obsNorm/count': namedArray([1], [record.obsNorm.count]),
      });
      disc.loadArrays(arrays, 'disc');
      start = {
        envSteps: record.training.envSteps,
        iteration: Number(record.training.extra?.['iteration'] ?? 0),
      };
      if (existsSync(metricsPath))
        for (const line of readFileSync(metricsPath, 'utf8').split('\n'))
          if (line.trim()) rows.push(JSON.parse(line) as IterationMetrics);
      log(`resuming ${config.out} at round ${start.iteration}, ${start.envSteps} env steps`);
    } else {
      writeFileSync(metricsPath, '');
      if (config.bcEpochs > 0) {
        const bc = trainBc(policy, pairsFromTrajectories(trajectories), {
          maxEpochs: config.bcEpochs,
          seed: config.seed,
        });
        log(`BC warm start: ${bc.epochs} epochs, validation loss ${bc.bestValidationLoss.toFixed(4)}`);
      }
    }
    writeAtomic(
      join(config.out, 'config.json'),
      `${JSON.stringify({ ...config, demoSelection: selectionRecord(selection) }, null, 2)}\n`,
    );

    const expert = trajectoryPairs(trajectories, {
      absorbing: config.absorbing,
      subsample: config.subsample,
      rng: root.fork(2),
      ...(absorbingHorizon !== undefined ? { absorbingHorizon } : {}),
    });
    if (!resume) disc.observe(expert.pairs);

    const checkpoint = (m: { envSteps: number; iteration: number }): void => {
      const learnerArrays = (learner as { toArrays(): NamedArrays }).toArrays();
      const record = policyToRecord(
        policy,
        demo.spec,
        {
          algo: `gail-${config.policyOpt}`,
          envSteps: m.envSteps,
          seed: config.seed,
          date: new Date().toISOString(),
          extra: { iteration: String(m.iteration) },
        },
        { valueHidden: config.policyHidden, arrays: { ...learnerArrays, ...disc.toArrays('disc') } },
      );
      writeAtomic(checkpointPath, encodePolicyFile(record, checkpointPath));
    };
    const writeReport = (status: string): void => {
      writeAtomic(
        reportPath,
        renderReport(rows, {
          title: `GAIL on ${config.task ?? config.model} — ${config.out}`,
          config,
          status,
        }),
      );
    };

    if (hooks.installSigint !== false) process.on('SIGINT', onSigint);
    const source = envSource(
      async () =>
        envsAsBatch(
          await Promise.all(Array.from({ length: config.numEnvs }, (_, i) => makeEnv(config.seed + 1 + i))),
          config.seed + start.iteration,
        ),
      policy,
    );
    const result = await trainGail(
      { source, learner, discriminator: disc, expert: expert.pairs },
      {
        numSteps: config.numSteps,
        totalEnvSteps: config.steps,
        absorbing: config.absorbing,
        ...(absorbingHorizon !== undefined ? { absorbingHorizon } : {}),
        discStepsPerRound: config.discStepsPerRound,
        discBatchSize: config.discBatchSize,
        reward: config.reward,
        gamma: config.gamma,
        maxNonFiniteRounds: config.maxNonFiniteRounds,
        seed: config.seed + start.iteration,
        ...(Number.isFinite(expertReturn) ? { scoreRefs: { random, expert: expertReturn } } : {}),
      },
      {
        start,
        shouldStop: () => stopRequested,
        onIteration: (m) => {
          rows.push(m);
          appendFileSync(
            metricsPath,
            `${JSON.stringify(m, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`,
          );
          hooks.onIteration?.(m);
          if ((m.iteration + 1) % config.checkpointEvery === 0) {
            checkpoint({ envSteps: m.envSteps, iteration: m.iteration + 1 });
            writeReport(`running: round ${m.iteration + 1} of about ${rounds}`);
          }
        },
      },
    );
    checkpoint({ envSteps: result.envSteps, iteration: result.iterations });
    writeReport(
      result.stopped === 'interrupted'
        ? `stopped by Ctrl-C after ${result.envSteps} env steps; continue with --resume ${config.out}`
        : `finished: ${result.envSteps} env steps`,
    );
    return {
      ...result,
      outDir: config.out,
      reportPath,
      checkpointPath,
      backend: backend.name,
      demoPairs: expert.pairs.n,
      trajectories: trajectories.length,
    };
  } finally {
    process.off('SIGINT', onSigint);
    learner.dispose();
    policy.dispose();
    disc.dispose();
  }
}

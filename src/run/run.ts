/**
 * The run layer: one way to train, whatever the algorithm (expert PPO/TRPO, BC, GAIL; see
 * algorithm.ts). `runTraining` drives an algorithm's loop inside a run folder (folder.ts):
 *
 *   1. resume    with `resume`, restore the learner and reward model from checkpoint.policy and drop the
 *                metrics rows after it (a hard kill can leave some); the wall-clock goes on from there
 *   2. train     the algorithm's own loop; after every round the layer appends the row to
 *                metrics.jsonl and, every `checkpointEvery` rounds, writes checkpoint.policy,
 *                policy.policy and report.html
 *   3. stop      a stop request (the CLI makes one on SIGINT or SIGTERM) ends the loop after the round
 *                in progress
 *   4. finish    checkpoint, policy and report once more; the report says how the run ended ("finished",
 *                "stopped by SIGINT … continue with …", or "failed: …"); the command's evaluation of
 *                the finished policy then goes in with `recordFinalEvaluation`
 *
 * Checkpoints are policy files written by the one atomic writer (data/atomic-file.ts), so a kill at any
 * instant leaves the previous checkpoint or the new one.
 */
import { existsSync, rmSync } from 'node:fs';
import { GailBridgeError } from '../core/errors.js';
import { assertSpecsMatch } from '../core/spec.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { encodePolicyFile, type PolicyRecord, readPolicyFile } from '../data/policy-file.js';
import type { NamedArrays } from '../learn/named-arrays.js';
import { policyToRecord, recordArrays } from '../learn/policy-record.js';
import type { MetricsRow, RunProgress, TrainingAlgorithm } from './algorithm.js';
import { type FinalEvaluation, writeFinalEvaluation } from './evaluation.js';
import {
  appendMetricsRow,
  keepMetricsRows,
  RUN_FILES,
  type RunConfig,
  readMetricsRows,
  runPath,
} from './folder.js';
import { renderReport } from './report.js';
import type { StopRequest } from './stop.js';

/** How to run. */
export interface RunOptions {
  /** The run folder: made by `createRunFolder`, or the folder given to `--resume`. */
  readonly dir: string;
  /** Its config.json (shown in the report; `command` makes the resume hint). */
  readonly config: RunConfig;
  /** Continue from the folder's checkpoint. */
  readonly resume: boolean;
  /** Checked after every round. */
  readonly stop: StopRequest;
  /** One line for the user. */
  readonly log?: (line: string) => void;
  /** After each round's row is written (progress bars). */
  readonly onRound?: (progress: RunProgress, row: MetricsRow) => void;
}

/** How a run (segment) ended. */
export interface RunOutcome {
  readonly dir: string;
  /** "finished": the budget is reached; "stopped": a stop request ended it (`stoppedBy` says which). */
  readonly end: 'finished' | 'stopped';
  readonly stoppedBy: string | undefined;
  readonly progress: RunProgress;
  /** Where this segment started (round 0 unless resumed). */
  readonly startedAt: RunProgress;
  /** Training wall-clock over every segment of the run, in seconds. */
  readonly wallSeconds: number;
  /** This segment's wall-clock, in seconds. */
  readonly segmentSeconds: number;
  /** The last metrics row (undefined when no round ran in any segment). */
  readonly last: MetricsRow | undefined;
  readonly checkpointPath: string;
  readonly policyPath: string;
  readonly reportPath: string;
  /** The status line report.html ends with ("finished: …", "stopped by SIGINT …"). */
  readonly status: string;
}

/** The command that continues a run. */
export function resumeCommand(config: Pick<RunConfig, 'command'>, dir: string): string {
  return `gail-bridge ${config.command} --resume ${dir}`;
}

/** Trains `algorithm` in the run folder `options.dir`; see the file comment. */
export async function runTraining(algorithm: TrainingAlgorithm, options: RunOptions): Promise<RunOutcome> {
  const { dir, config, stop } = options;
  const log = options.log ?? (() => {});
  const checkpointPath = runPath(dir, 'checkpoint');
  const policyPath = runPath(dir, 'policy');
  const reportPath = runPath(dir, 'report');

  // 1. resume
  let start: RunProgress = { round: 0, envSteps: 0 };
  let wallOffset = 0;
  let rows: Record<string, number>[] = [];
  if (options.resume) {
    if (!existsSync(checkpointPath))
      throw new GailBridgeError(
        'file',
        `--resume ${dir}: no ${RUN_FILES.checkpoint} there (the run ended before its first checkpoint); ` +
          'start it again with --force',
      );
    const record = await readPolicyFile(checkpointPath);
    assertSpecsMatch(`${checkpointPath} vs this run`, algorithm.spec, record.spec);
    const arrays = recordArrays(record);
    algorithm.learner.loadArrays(arrays);
    algorithm.rewardModel?.loadArrays(arrays);
    // The normaliser's statistics are float64 in the file; as arrays they would round to float32.
    const n = record.obsNorm;
    algorithm.policy.obsNorm.setStatistics(n.mean, n.var, n.count);
    start = { round: Number(record.training.extra?.['round'] ?? 0), envSteps: record.training.envSteps };
    rows = keepMetricsRows(dir, start.round);
    wallOffset = Number(
      record.training.extra?.['wallSeconds'] ?? rows[rows.length - 1]?.['wallSeconds'] ?? 0,
    );
    log(`resuming ${dir} at round ${start.round}, ${start.envSteps} env steps`);
  }

  let progress = start;
  const segmentStart = performance.now();
  const wallNow = (): number => wallOffset + (performance.now() - segmentStart) / 1000;
  const budget = (p: RunProgress): string => {
    const done = algorithm.budget.unit === 'env steps' ? p.envSteps : p.round;
    return `${done} of ${algorithm.budget.total} ${algorithm.budget.unit}`;
  };
  const writeReport = (status: string): void =>
    writeFileAtomic(reportPath, renderReport(rows, algorithm.report, { status, config }));
  // An evaluation of an earlier end of this run no longer describes it once it trains on.
  rmSync(runPath(dir, 'evaluation'), { force: true });
  const writeCheckpoint = (p: RunProgress): void => {
    const record = checkpointRecord(algorithm, p, wallNow());
    writeFileAtomic(checkpointPath, encodePolicyFile(record, checkpointPath));
    const result = algorithm.result ? algorithm.result() : record;
    if (result !== undefined) {
      // The delivered policy without the training state: what deploy, eval and export need.
      const { optimizer: _state, ...deployable } = result;
      writeFileAtomic(policyPath, encodePolicyFile(deployable, policyPath));
    }
  };
  writeReport(`running: round ${start.round}, ${budget(start)}`);

  // 2. train, 3. stop
  try {
    await algorithm.train(start, {
      shouldStop: () => stop.requested,
      wallSeconds: wallNow,
      onRound: (p, row) => {
        progress = p;
        // The layer's columns first and authoritative (wallSeconds counts every segment of the run).
        const layer = { round: p.round, envSteps: p.envSteps, wallSeconds: wallNow() };
        const full = { ...layer, ...row, ...layer };
        rows.push(full);
        appendMetricsRow(dir, full);
        if (p.round % algorithm.checkpointEvery === 0) {
          writeCheckpoint(p);
          writeReport(`running: round ${p.round}, ${budget(p)}`);
        }
        options.onRound?.(p, full);
      },
    });
  } catch (err) {
    // Asked to stop, the round in progress may be unable to finish: over ROS 2, the simulators the
    // learner steps got the same Ctrl-C and left. That round is left out; nothing of it was learned (a
    // round's updates come after its collection), so the state is the last complete round's.
    if (stop.requested && err instanceof GailBridgeError && err.code === 'ros') {
      log(`the round in progress could not finish after ${stop.reason} (${err.message}); it is left out`);
    } else {
      writeReport(
        `failed in round ${progress.round + 1}: ${(err as Error).message}; ` +
          `the last checkpoint is in ${checkpointPath}`,
      );
      throw err;
    }
  }

  // 4. finish
  writeCheckpoint(progress);
  const wallSeconds = wallNow();
  const stoppedBy = stop.reason;
  const status =
    stoppedBy !== undefined
      ? `stopped by ${stoppedBy} after round ${progress.round} (${budget(progress)}), ${wallSeconds.toFixed(1)} s of training; ` +
        `continue with: ${resumeCommand(config, dir)}`
      : `finished: ${budget(progress)}${algorithm.budget.unit === 'env steps' ? ` in ${progress.round} rounds` : ''}, ` +
        `${wallSeconds.toFixed(1)} s of training`;
  writeReport(status);
  return {
    dir,
    end: stoppedBy !== undefined ? 'stopped' : 'finished',
    stoppedBy,
    progress,
    startedAt: start,
    wallSeconds,
    segmentSeconds: (performance.now() - segmentStart) / 1000,
    last: rows[rows.length - 1],
    checkpointPath,
    policyPath,
    reportPath,
    status,
  };
}

/**
 * After the command's deterministic evaluation of a finished run: writes evaluation.json and report.html
 * again with the evaluation as the return chart's final line (the rows are those of metrics.jsonl).
 */
export function recordFinalEvaluation(
  algorithm: Pick<TrainingAlgorithm, 'report'>,
  outcome: RunOutcome,
  config: RunConfig,
  evaluation: { readonly mean: number; readonly std: number },
): void {
  const e: FinalEvaluation = {
    mean: evaluation.mean,
    std: evaluation.std,
    envSteps: outcome.progress.envSteps,
    round: outcome.progress.round,
    date: new Date().toISOString(),
  };
  writeFinalEvaluation(outcome.dir, e);
  writeFileAtomic(
    outcome.reportPath,
    renderReport(readMetricsRows(outcome.dir), algorithm.report, {
      status: outcome.status,
      config,
      evaluation: e,
    }),
  );
}

/** The checkpoint: the policy, and in its optimiser section the learner's and reward model's state. */
function checkpointRecord(algorithm: TrainingAlgorithm, p: RunProgress, wallSeconds: number): PolicyRecord {
  const arrays: NamedArrays = {
    ...algorithm.learner.toArrays(),
    ...algorithm.rewardModel?.toArrays(),
  };
  return policyToRecord(
    algorithm.policy,
    algorithm.spec,
    {
      algo: algorithm.name,
      envSteps: p.envSteps,
      seed: algorithm.seed,
      date: new Date().toISOString(),
      extra: { round: String(p.round), wallSeconds: wallSeconds.toFixed(3) },
    },
    { ...(algorithm.valueHidden ? { valueHidden: algorithm.valueHidden } : {}), arrays },
  );
}

/**
 * What the training commands (`train`, `expert`) share around the run layer: the run folder made or
 * resumed, SIGINT/SIGTERM turned into a stop request, the progress bar, and the exit code of a stopped
 * run (130/143). The run layer itself (src/run) knows nothing of processes or terminals.
 */
import { GailBridgeError } from '../core/errors.js';
import type { MetricsRow, RunProgress, TrainingAlgorithm } from '../run/algorithm.js';
import {
  checkNewRunFolder,
  createRunFolder,
  type RunConfig,
  readRunConfig,
  settingDifferences,
} from '../run/folder.js';
import { type RunOutcome, recordFinalEvaluation, resumeCommand, runTraining } from '../run/run.js';
import { StopRequest } from '../run/stop.js';
import { info, type Progress, progressBar } from './common.js';
import { type StopOnSignalOptions, stopOnSignal, stoppedExitCode } from './stop-on-signal.js';

/** One training command's run. */
/**
 * What a training command's result must say for the run folder: its deterministic evaluation of
 * policy.policy (null or absent: none, e.g. stopped or no reward), which goes into evaluation.json and
 * report.html.
 */
export interface EvaluatedResult {
  readonly evalReturn?: { readonly mean: number; readonly std: number } | null;
}

export interface FolderRun<S extends object, A extends TrainingAlgorithm, R extends EvaluatedResult> {
  /** The command ("train", "expert"): config.json keeps it for the resume hint. */
  readonly command: string;
  /** The algorithm's key in config.json ("gail", "bc", "expert"). */
  readonly algo: string;
  /** The run folder. */
  readonly dir: string;
  /** When resuming: the folder's config.json, as `resumeConfig` read and checked it. */
  readonly resumed: RunConfig | undefined;
  /** Replace what the folder holds (a new run only). */
  readonly force: boolean;
  /** The resolved settings (a resumed run's are its saved ones). */
  readonly settings: S;
  readonly build: (settings: S, log: (line: string) => void) => Promise<A>;
  /** The progress bar's label, fields, and their values from a metrics row. */
  readonly progress: {
    readonly label: string;
    readonly fields: readonly string[];
    readonly values: (row: MetricsRow) => Readonly<Record<string, string | number>>;
  };
  /** What the command reports, made before the algorithm is disposed (final evaluation, summary). */
  readonly finish: (algorithm: A, outcome: RunOutcome) => Promise<R>;
  /** Where SIGINT/SIGTERM arrive; default `process` (tests pass their own emitter). */
  readonly signals?: StopOnSignalOptions['target'];
}

/**
 * Reads the config.json of the folder given to `--resume` and checks it against what the command line
 * says: the command and algorithm must be this one's, and every setting given explicitly must equal the
 * saved one (`given`: setting name → value, only for flags typed on the command line). Each difference
 * is named with both values.
 */
export function resumeConfig(
  dir: string,
  expected: { readonly command: string; readonly algo?: string },
  given: object,
): RunConfig {
  const config = readRunConfig(dir);
  if (config.command !== expected.command)
    throw new GailBridgeError(
      'config',
      `--resume ${dir}: this is a \`${config.command}\` run; continue it with \`${resumeCommand(config, dir)}\``,
    );
  if (expected.algo !== undefined && expected.algo !== config.algo)
    throw new GailBridgeError(
      'config',
      `--resume ${dir}: the run was made with --algo ${config.algo}, not ${expected.algo}; leave --algo out to continue it`,
    );
  const diffs = settingDifferences(config.settings, given);
  if (diffs.length > 0)
    throw new GailBridgeError(
      'config',
      `--resume ${dir}: a resumed run keeps its saved settings, and the command line differs in ${diffs.join('; ')}; ` +
        `leave those flags out to continue the run, or start a new run in another folder`,
    );
  return config;
}

/** Runs `run`: see the file comment. Sets process.exitCode to 130/143 when a signal stopped it. */
export async function runInFolder<S extends object, A extends TrainingAlgorithm, R extends EvaluatedResult>(
  run: FolderRun<S, A, R>,
): Promise<R> {
  if (run.resumed === undefined) checkNewRunFolder(run.dir, { force: run.force, command: run.command });
  let progress: Progress | undefined;
  const log = (line: string): void => (progress ? progress.log(line) : info(line));
  const algorithm = await run.build(run.settings, log);
  try {
    const config =
      run.resumed ??
      createRunFolder(
        run.dir,
        {
          command: run.command,
          algo: run.algo,
          settings: run.settings,
          commandLine: typedCommandLine(process.argv.slice(2)),
          backend: algorithm.backend,
          ...(algorithm.startedWith ? { startedWith: algorithm.startedWith } : {}),
        },
        { force: run.force },
      );
    const { unit, total } = algorithm.budget;
    const at = (p: RunProgress): number => Math.min(total, unit === 'env steps' ? p.envSteps : p.round);
    progress = progressBar(total, run.progress.label, run.progress.fields);
    const stop = new StopRequest();
    const release = stopOnSignal(stop, {
      log,
      // A second signal exits at once: give the terminal its cursor back first.
      exit: (code) => {
        progress?.stop();
        process.exit(code);
      },
      ...(run.signals ? { target: run.signals } : {}),
    });
    let outcome: RunOutcome;
    try {
      outcome = await runTraining(algorithm, {
        dir: run.dir,
        config,
        resume: run.resumed !== undefined,
        stop,
        log,
        onRound: (p, row) => progress?.update(at(p), run.progress.values(row)),
      });
    } finally {
      release();
      progress.stop();
      progress = undefined;
    }
    info(`report: ${outcome.reportPath}`);
    if (outcome.end === 'stopped') process.exitCode = stoppedExitCode(outcome.stoppedBy);
    const result = await run.finish(algorithm, outcome);
    const ev = result.evalReturn;
    if (outcome.end === 'finished' && ev && Number.isFinite(ev.mean))
      recordFinalEvaluation(algorithm, outcome, config, ev);
    return result;
  } finally {
    algorithm.dispose();
  }
}

/** The command line as typed, for config.json: `gail-bridge` and the arguments, quoted where needed. */
export function typedCommandLine(args: readonly string[]): string {
  const quoted = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
  return ['gail-bridge', ...quoted].join(' ');
}

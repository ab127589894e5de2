/**
 * A run folder: what one training run leaves behind, the same for every algorithm.
 *
 *   config.json        which command and algorithm, and every resolved setting (`--resume` reads them
 *                      back; the folder's own path is not among them, so a moved run resumes in place)
 *   metrics.jsonl      one row per round: round, envSteps, wallSeconds (over every segment of the run),
 *                      then the algorithm's metrics
 *   checkpoint.policy  the latest state: a policy file whose optimiser section also holds the learner's
 *                      and the reward model's state, with the round and wall-clock reached
 *   policy.policy      the policy the run delivers (the latest, or the expert's best evaluation)
 *   report.html        learning curves and status, rewritten at every checkpoint
 *   evaluation.json    the command's deterministic evaluation of policy.policy once the run ended
 *   reward.reward      adversarial runs (train --algo gail|airl): the learned reward as a reward file
 *                      (data/reward-file.ts), written with every checkpoint, for `expert --reward`
 *
 * Every file but metrics.jsonl (appended a row at a time) is written by the one atomic writer.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GailBridgeError } from '../core/errors.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { PRODUCER } from '../version.js';

/** File names inside a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.policy',
  policy: 'policy.policy',
  report: 'report.html',
  evaluation: 'evaluation.json',
  reward: 'reward.reward',
} as const;
export type RunFile = keyof typeof RUN_FILES;

/** The path of `file` in the run folder `dir`. */
export function runPath(dir: string, file: RunFile): string {
  return join(dir, RUN_FILES[file]);
}

const FORMAT = 'gail-bridge run';
const FORMAT_VERSION = 1;

/** config.json. */
export interface RunConfig {
  readonly format: typeof FORMAT;
  readonly version: typeof FORMAT_VERSION;
  /** The gail-bridge command that made the run ("train", "expert"); `--resume` goes through it again. */
  readonly command: string;
  /** The algorithm's key ("gail", "bc", "expert"): which settings record `settings` is. */
  readonly algo: string;
  /** ISO 8601, when the run was started. */
  readonly created: string;
  /** Every resolved setting of the algorithm (defaults filled in). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The program that started the run ("gail-bridge 0.1.0"); absent in runs made before it was kept. */
  readonly producer?: string;
  /** The command line that started the run, as typed ("gail-bridge train --algo gail …"). */
  readonly commandLine?: string;
  /** The TensorFlow.js backend the run started on ("wasm", "tensorflow", "cpu"). */
  readonly backend?: string;
  /** What the algorithm found when it started (the demonstrations used and left out, …); not settings. */
  readonly startedWith?: Readonly<Record<string, unknown>>;
}

/** What a folder already holds, for messages: rounds and env steps of its metrics. */
function describeRun(dir: string): string {
  const rows = readMetricsRows(dir);
  const last = rows[rows.length - 1];
  return last === undefined
    ? 'a run with no finished round'
    : `a run of ${rows.length} rounds, ${last['envSteps'] ?? 0} env steps`;
}

/**
 * Refuses a folder that already holds something, unless `force`: then the run files in it (and temp
 * files left by a killed writer) are removed, and anything else is left alone. Call before any long setup
 * so a typo costs nothing; `createRunFolder` checks again.
 */
export function checkNewRunFolder(dir: string, options: { force: boolean; command: string }): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new GailBridgeError('config', `--out ${dir}: is a file, not a folder; choose another --out`);
  const entries = readdirSync(dir);
  if (entries.length === 0 || options.force) return;
  const what = existsSync(runPath(dir, 'config'))
    ? `already holds ${describeRun(dir)}; continue it with \`gail-bridge ${options.command} --resume ${dir}\`, or`
    : `is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''});`;
  throw new GailBridgeError(
    'config',
    `--out ${dir}: ${what} add --force to replace it (its run files are deleted) or choose another --out`,
  );
}

/** Makes (or, with `force`, clears) the run folder and writes config.json and an empty metrics.jsonl. */
export function createRunFolder(
  dir: string,
  config: {
    readonly command: string;
    readonly algo: string;
    readonly settings: object;
    readonly commandLine?: string | undefined;
    readonly backend?: string | undefined;
    readonly startedWith?: Readonly<Record<string, unknown>> | undefined;
  },
  options: { force: boolean },
): RunConfig {
  checkNewRunFolder(dir, { force: options.force, command: config.command });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir))
    if (Object.values(RUN_FILES).includes(name as never) || /^\..*\.\d+\.\d+\.tmp$/.test(name))
      rmSync(join(dir, name), { force: true });
  const full: RunConfig = {
    format: FORMAT,
    version: FORMAT_VERSION,
    command: config.command,
    algo: config.algo,
    created: new Date().toISOString(),
    // As --resume will read them back (undefined settings, "use the default", are left out).
    settings: JSON.parse(JSON.stringify(config.settings)),
    producer: PRODUCER,
    ...(config.commandLine === undefined ? {} : { commandLine: config.commandLine }),
    ...(config.backend === undefined ? {} : { backend: config.backend }),
    ...(config.startedWith === undefined ? {} : { startedWith: config.startedWith }),
  };
  writeFileAtomic(runPath(dir, 'config'), `${JSON.stringify(full, null, 2)}\n`);
  writeFileAtomic(runPath(dir, 'metrics'), '');
  return full;
}

/** Reads config.json of the run folder `dir` (for `--resume DIR`), naming the file on every error. */
export function readRunConfig(dir: string): RunConfig {
  if (!existsSync(dir)) throw new GailBridgeError('config', `--resume ${dir}: no such folder`);
  const path = runPath(dir, 'config');
  if (!existsSync(path))
    throw new GailBridgeError(
      'file',
      `--resume ${dir}: no ${RUN_FILES.config} there; is this a gail-bridge run folder?`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GailBridgeError('file', `${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const c = parsed as Partial<RunConfig> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    c.format !== FORMAT ||
    typeof c.command !== 'string' ||
    typeof c.algo !== 'string' ||
    typeof c.settings !== 'object' ||
    c.settings === null
  )
    throw new GailBridgeError(
      'file',
      `${path}: not a gail-bridge run config (expected "format": "${FORMAT}" with command, algo and settings); ` +
        'a run made by an older gail-bridge cannot be resumed, start it again',
    );
  if (c.version !== FORMAT_VERSION)
    throw new GailBridgeError(
      'file',
      `${path}: run format version ${String(c.version)}, this gail-bridge reads ${FORMAT_VERSION}`,
    );
  return c as RunConfig;
}

/**
 * The settings in which `given` differs from `saved`, as "name: saved X, given Y" (values as JSON).
 * Only the defined fields of `given` are compared: pass what the command line set explicitly.
 */
export function settingDifferences(saved: Readonly<Record<string, unknown>>, given: object): string[] {
  const diffs: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const a = JSON.stringify(saved[key]);
    const b = JSON.stringify(value);
    if (a !== b) diffs.push(`${key}: saved ${a ?? 'absent'}, given ${b ?? 'absent'}`);
  }
  return diffs;
}

/** JSON has no NaN or Infinity: they are written as strings ("NaN") and read back as numbers. */
function encodeNumber(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** Appends one row to metrics.jsonl. */
export function appendMetricsRow(dir: string, row: Readonly<Record<string, number>>): void {
  appendFileSync(runPath(dir, 'metrics'), `${JSON.stringify(row, encodeNumber)}\n`);
}

/**
 * The rows of metrics.jsonl, numbers restored ("NaN" → NaN). A line cut by a kill mid-write (the last
 * one) is skipped. Missing file: no rows.
 */
export function readMetricsRows(dir: string): Record<string, number>[] {
  const path = runPath(dir, 'metrics');
  if (!existsSync(path)) return [];
  const rows: Record<string, number>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (parsed === null || typeof parsed !== 'object') continue;
    rows.push(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, Number(v)])));
  }
  return rows;
}

/**
 * Keeps the rows of the first `rounds` rounds (those the checkpoint covers) and drops the rest, which a
 * hard kill after the last checkpoint left behind; they are trained again on resume.
 */
export function keepMetricsRows(dir: string, rounds: number): Record<string, number>[] {
  const kept = readMetricsRows(dir).filter((r) => (r['round'] ?? 0) <= rounds);
  writeFileAtomic(runPath(dir, 'metrics'), kept.map((r) => `${JSON.stringify(r, encodeNumber)}\n`).join(''));
  return kept;
}

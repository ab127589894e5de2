/**
 * `npm run bench -- gail`: GAIL against behavioural cloning, the comparison of Ho & Ermon 2016 (§6,
 * Fig. 1), plus the absorbing-state ablation of Kostrikov et al. 2019 (DAC, §4.1). For each task and
 * number of expert trajectories (the first N of demos/<task>.mcap), three methods, each over seeds:
 *
 *   gail        `train --algo gail` with its defaults (PPO, absorbing states on)
 *   gail-noabs  the same with `--no-absorbing`
 *   bc          `train --algo bc` with its defaults
 *
 * Rows `<task>-<N>-<method>`: normalised score (R − R_random)/(R_expert − R_random) of the trained
 * policy's deterministic return, as `gail-bridge eval` computes it (R_expert: the evaluation return
 * stored in experts/<task>.policy; R_random: a uniform random policy on the same reset seeds), mean and
 * std over seeds, with the raw return and each run's env steps and wall-clock. Runs call the CLI's
 * library code in process (GAIL through the run layer, `runTraining` with `gailAlgorithm`, in a run
 * folder as `train` makes one; `trainBc`), one after the other.
 * Rows `throughput-<backend>`: discriminator steps and PPO updates on synthetic Hopper-sized data, on
 * every TensorFlow.js backend this machine can load.
 *
 * Its own flags, after `gail`: --tasks, --seeds, --steps, --trajectories, --subsample, --resume (see
 * `parseGailArgs`). The full run takes hours: progress goes to stderr, one line per run and one every half
 * minute within a GAIL run. Ctrl-C stops after the GAIL round in progress; the finished runs are printed,
 * nothing is saved (bench/results/gail.json keeps its last complete run), and the run folders stay in
 * runs/bench-gail/, so `--resume` picks up there: a finished GAIL run is evaluated again rather than
 * retrained, a cut one continues from its checkpoint (`train --resume`), and one made with a different
 * config is an error naming the fields (the table never mixes settings).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gailAlgorithm } from '../src/algos/gail.js';
import { parseEpisodeList } from '../src/cli/demo-selection.js';
import { selectDemonstrations } from '../src/core/demo-selection.js';
import { GailBridgeError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { assertSpecsMatch, type Spec } from '../src/core/spec.js';
import { type Trajectory, trajectoryReturn, usableDemonstrations } from '../src/core/trajectory.js';
import { readDemoFile } from '../src/data/demo-reader.js';
import { readPolicyFile } from '../src/data/policy-file.js';
import {
  GAIL_DEFAULTS,
  GAIL_TASK_PRESETS,
  type GailConfig,
  resolveGailConfig,
  withGailTaskPreset,
} from '../src/gail/config.js';
import { Discriminator } from '../src/gail/discriminator.js';
import { availableBackends, type BackendInfo, useBackend } from '../src/learn/backend.js';
import { BC_DEFAULTS, pairsFromTrajectories, trainBc } from '../src/learn/bc.js';
import { type ActFn, evaluate, meanStd, normalizedScore, uniformRandomAct } from '../src/learn/evaluate.js';
import { GaussianPolicy } from '../src/learn/gaussian-policy.js';
import { policyFromRecord } from '../src/learn/policy-record.js';
import { PPO_DEFAULTS, PpoLearner } from '../src/learn/ppo.js';
import type { RolloutBatch } from '../src/learn/types.js';
import { createRunFolder, readRunConfig, runPath } from '../src/run/folder.js';
import { runTraining } from '../src/run/run.js';
import { StopRequest } from '../src/run/stop.js';
import { isTaskName, makeTaskEnv, TASK_NAMES, TASKS } from '../src/sim/tasks/index.js';
import type { PairSet } from '../src/streams/pairs.js';
import { GAIL_FLAGS_HELP } from './gail-flags.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples, timeSeconds } from './lib/stats.js';

/** The methods compared, one map (STYLE 8); `absorbing` is GAIL's --absorbing (BC has no such thing). */
export const METHODS = {
  gail: { title: 'GAIL', absorbing: true },
  'gail-noabs': { title: 'GAIL, no absorbing', absorbing: false },
  bc: { title: 'BC', absorbing: false },
} as const;
export type Method = keyof typeof METHODS;
const METHOD_NAMES = Object.keys(METHODS) as Method[];

/** The issue's targets: GAIL on Hopper with 4 trajectories, within this many env steps. */
const TARGET_TASK = 'hopper';
const TARGET_TRAJECTORIES = 4;
const TARGET_SCORE = 0.9;
const TARGET_STEPS = 2_000_000;

/** Reset seed of evaluation episode 0, as `train` and `eval` use (episode e resets with seed + e). */
const EVAL_SEED = 1_000_000;
/** Envs stepped side by side in evaluation. */
const EVAL_ENVS = 4;

/** Hopper-v5 sizes for the throughput rows: observation 11 (+1 absorbing indicator), action 3. */
const OBS_DIM = 11;
const ACT_DIM = 3;
const THROUGHPUT_REPEATS = 5;
const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;

/** The gail bench's own settings (its flags); `parseGailArgs` fills and checks them. */
export interface GailBenchOptions {
  /** Built-in tasks; each needs demos/<task>.mcap (skipped with a note otherwise). Default [hopper]. */
  readonly tasks: readonly string[];
  /** Seeds firstSeed … firstSeed + seeds − 1 per (task, trajectories, method); default 3. */
  readonly seeds: number;
  /** The first seed; default 0 (issue 17's Ant runs start at 7, the seed of its report). */
  readonly firstSeed: number;
  /** GAIL env steps per run, all envs together; default 2 000 000. */
  readonly steps: number;
  /** Expert trajectory counts, the first N of the demo file; default [4, 25]. */
  readonly trajectories: readonly number[];
  /** Keep one demonstration pair in k for GAIL and BC alike (the paper: 20); default 1 (all). */
  readonly subsample: number;
  /** Deterministic evaluation episodes per trained policy and for the random baseline; default 10. */
  readonly evalEpisodes: number;
  /** Most BC epochs (early stopping usually ends sooner); default 200, `train --algo bc`'s. */
  readonly bcEpochs: number;
  /** Folder for the GAIL run folders (curves in report.html); undefined: a temporary one, removed after. */
  readonly runsDir: string | undefined;
  /** Reuse the GAIL run folders already in `runsDir`: evaluate finished runs, continue cut ones. */
  readonly resume: boolean;
  /**
   * Leave out demonstrations that look like failures of the demonstrator, for GAIL and BC alike
   * (`train --exclude-failures`, core/demo-selection.ts); default false.
   */
  readonly excludeFailures: boolean;
  /**
   * Choose from these demo-file episodes only, in this order (`train --episodes`), for GAIL and BC alike;
   * the first N of them are used. Undefined: the whole file.
   */
  readonly episodes: readonly number[] | undefined;
  /**
   * GAIL settings that differ from `train --algo gail`'s defaults (`--grad-penalty`, `--disc-steps`,
   * `--ent-coef`, `--label-smoothing`), applied to every GAIL run; empty: the defaults.
   */
  readonly gail: GailOverrides;
  /**
   * Worker threads stepping each GAIL run's envs (`train --workers`); default 0. Not a setting: a run is
   * the same with any number (so a folder may be resumed with another), only its wall-clock changes.
   */
  readonly workers: number;
}

/** The `train --algo gail` settings the bench can change, by GailConfig field. */
export type GailOverrides = Partial<
  Pick<GailConfig, 'gradPenalty' | 'discStepsPerRound' | 'entCoef' | 'labelSmoothing' | 'spectralNorm'>
>;

/** Bench flag → GailConfig field, for the overrides (one map: parser, help and row titles). */
const GAIL_OVERRIDE_FLAGS = {
  'grad-penalty': { field: 'gradPenalty', title: 'grad penalty' },
  'disc-steps': { field: 'discStepsPerRound', title: 'D steps' },
  'ent-coef': { field: 'entCoef', title: 'ent coef' },
  'label-smoothing': { field: 'labelSmoothing', title: 'label smoothing' },
} as const satisfies Record<string, { field: keyof GailOverrides; title: string }>;
type GailOverrideFlag = keyof typeof GAIL_OVERRIDE_FLAGS;
/** The one on/off override: `--spectral-norm` (train's flag of the same name). */
const SPECTRAL_NORM = { flag: 'spectral-norm', title: 'spectral norm' } as const;

/**
 * The `train` flags that give a GAIL run of the bench its overrides (" --grad-penalty 10 …"; the bench's
 * flags are named as train's).
 */
function trainFlags(o: Pick<GailBenchOptions, 'gail' | 'excludeFailures' | 'episodes'>): string {
  let out = '';
  for (const flag of Object.keys(GAIL_OVERRIDE_FLAGS) as GailOverrideFlag[]) {
    const v = o.gail[GAIL_OVERRIDE_FLAGS[flag].field];
    if (v !== undefined) out += ` --${flag} ${v}`;
  }
  if (o.gail.spectralNorm === true) out += ` --${SPECTRAL_NORM.flag}`;
  if (o.episodes !== undefined) out += ` --episodes ${o.episodes.join(',')}`;
  return o.excludeFailures ? `${out} --exclude-failures` : out;
}

/**
 * "grad penalty 10, D steps 4, failures excluded": what a method's runs changed from the defaults, for
 * row titles (BC takes only the demonstration choice).
 */
export function variantLabel(
  o: Pick<GailBenchOptions, 'gail' | 'excludeFailures' | 'episodes'>,
  method: Method,
): string {
  const flags = method === 'bc' ? [] : (Object.keys(GAIL_OVERRIDE_FLAGS) as GailOverrideFlag[]);
  const parts = flags.flatMap((flag) => {
    const { field, title } = GAIL_OVERRIDE_FLAGS[flag];
    const v = o.gail[field];
    return v === undefined ? [] : [`${title} ${v}`];
  });
  if (method !== 'bc' && o.gail.spectralNorm === true) parts.push(SPECTRAL_NORM.title);
  if (o.episodes !== undefined) parts.push(`episodes ${o.episodes.join(',')}`);
  if (o.excludeFailures) parts.push('failures excluded');
  return parts.join(', ');
}

const FULL_DEFAULTS: GailBenchOptions = Object.freeze({
  tasks: [TARGET_TASK],
  seeds: 3,
  firstSeed: 0,
  steps: TARGET_STEPS,
  trajectories: [4, 25],
  subsample: 1,
  evalEpisodes: 10,
  bcEpochs: BC_DEFAULTS.maxEpochs,
  runsDir: 'runs/bench-gail',
  resume: false,
  excludeFailures: false,
  episodes: undefined,
  gail: {},
  workers: 0,
});

/** --quick: one tiny run of every method on the pendulum, only to check the bench works end to end. */
const QUICK_DEFAULTS: GailBenchOptions = Object.freeze({
  tasks: ['inverted-pendulum'],
  seeds: 1,
  firstSeed: 0,
  steps: 2 * GAIL_DEFAULTS.numEnvs * GAIL_DEFAULTS.numSteps,
  trajectories: [4],
  subsample: 1,
  evalEpisodes: 2,
  bcEpochs: 10,
  runsDir: undefined,
  resume: false,
  excludeFailures: false,
  episodes: undefined,
  gail: {},
  workers: 0,
});

/** `--episodes 0,1,4,5`, as `train --episodes` reads it; the error names the bench's flag. */
function benchEpisodeList(text: string): number[] {
  try {
    return parseEpisodeList(text);
  } catch (err) {
    throw new GailBridgeError('config', `bench gail ${(err as Error).message}`, { cause: err });
  }
}

/** Parses the bench's flags (`args`, as typed after `gail`); --quick changes the defaults, not the flags. */
export function parseGailArgs(args: readonly string[], quick: boolean): GailBenchOptions {
  let values: {
    tasks?: string;
    seeds?: string;
    'first-seed'?: string;
    steps?: string;
    trajectories?: string;
    subsample?: string;
    resume?: boolean;
    'runs-dir'?: string;
    'exclude-failures'?: boolean;
    episodes?: string;
    'spectral-norm'?: boolean;
    workers?: string;
  } & Partial<Record<GailOverrideFlag, string>>;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        tasks: { type: 'string' },
        seeds: { type: 'string' },
        'first-seed': { type: 'string' },
        steps: { type: 'string' },
        trajectories: { type: 'string' },
        subsample: { type: 'string' },
        resume: { type: 'boolean' },
        'runs-dir': { type: 'string' },
        'exclude-failures': { type: 'boolean' },
        episodes: { type: 'string' },
        workers: { type: 'string' },
        'spectral-norm': { type: 'boolean' },
        ...Object.fromEntries(Object.keys(GAIL_OVERRIDE_FLAGS).map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new GailBridgeError(
      'config',
      `bench gail: ${(err as Error).message}; its flags: ${GAIL_FLAGS_HELP}`,
      {
        cause: err,
      },
    );
  }
  const base = quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  const posInt = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0)
      throw new GailBridgeError('config', `bench gail --${flag}: expected a positive integer, got "${text}"`);
    return n;
  };
  const nonNegInt = (flag: string, text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new GailBridgeError('config', `bench gail --${flag}: expected an integer ≥ 0, got "${text}"`);
    return n;
  };
  const list = (text: string): string[] =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const tasks = values['tasks'] === undefined ? base.tasks : list(values['tasks']);
  for (const t of tasks)
    if (!isTaskName(t))
      throw new GailBridgeError(
        'config',
        `bench gail --tasks: unknown task "${t}"; built-in tasks are ${TASK_NAMES.join(', ')}`,
      );
  if (tasks.length === 0) throw new GailBridgeError('config', 'bench gail --tasks: name at least one task');
  const trajectories =
    values['trajectories'] === undefined
      ? base.trajectories
      : [...new Set(list(values['trajectories']).map((s) => posInt('trajectories', s)))];
  if (trajectories.length === 0)
    throw new GailBridgeError('config', 'bench gail --trajectories: give at least one count, e.g. 4,25');
  const runsDir = values['runs-dir'] ?? base.runsDir;
  if (values.resume === true && runsDir === undefined)
    throw new GailBridgeError(
      'config',
      'bench gail --resume: --quick keeps no run folders to resume from unless --runs-dir names one',
    );
  const gail: Record<string, number | boolean> = {};
  for (const flag of Object.keys(GAIL_OVERRIDE_FLAGS) as GailOverrideFlag[]) {
    const text = values[flag];
    if (text === undefined) continue;
    const field = GAIL_OVERRIDE_FLAGS[flag].field;
    const n = field === 'discStepsPerRound' ? posInt(flag, text) : Number(text);
    gail[field] = n;
    if (!(n >= 0) || text.trim() === '')
      throw new GailBridgeError('config', `bench gail --${flag}: expected a number ≥ 0, got "${text}"`);
  }
  if (values['spectral-norm'] === true) gail['spectralNorm'] = true;
  return Object.freeze({
    ...base,
    excludeFailures: values['exclude-failures'] === true,
    episodes: values['episodes'] === undefined ? undefined : benchEpisodeList(values['episodes']),
    gail: Object.freeze(gail as GailOverrides),
    tasks: [...new Set(tasks)],
    trajectories,
    seeds: values['seeds'] === undefined ? base.seeds : posInt('seeds', values['seeds']),
    firstSeed:
      values['first-seed'] === undefined ? base.firstSeed : nonNegInt('first-seed', values['first-seed']),
    steps: values['steps'] === undefined ? base.steps : posInt('steps', values['steps']),
    subsample: values['subsample'] === undefined ? base.subsample : posInt('subsample', values['subsample']),
    resume: values.resume === true,
    runsDir,
    workers: values['workers'] === undefined ? base.workers : nonNegInt('workers', values['workers']),
  });
}

/** Key of a training row. */
export function rowKey(task: string, trajectories: number, method: Method): string {
  return `${task}-${trajectories}-${method}`;
}

/** One training run of the plan. */
export interface PlannedRun {
  readonly row: string;
  readonly task: string;
  readonly trajectories: number;
  readonly method: Method;
  readonly seed: number;
}

/**
 * The runs, in the order they go: task, then trajectory count, then seed, then method (so that after
 * any prefix of the plan, the three methods have the same seeds done). `only` keeps those row keys.
 */
export function planRuns(o: GailBenchOptions, only?: readonly string[]): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const task of o.tasks)
    for (const trajectories of o.trajectories)
      for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++)
        for (const method of METHOD_NAMES) {
          const row = rowKey(task, trajectories, method);
          if (!only || only.includes(row)) runs.push({ row, task, trajectories, method, seed });
        }
  return runs;
}

/** What one finished run measured; `score` is NaN when the task has no expert or random reference. */
export interface RunOutcome {
  readonly run: PlannedRun;
  /** Mean deterministic return over the evaluation episodes. */
  readonly return: number;
  readonly score: number;
  /** Env steps of training (0 for BC, which never steps an env). */
  readonly envSteps: number;
  /** Wall-clock seconds of training (evaluation excluded). */
  readonly wallSeconds: number;
  /** Env steps per second of training wall-clock (NaN for BC). */
  readonly stepsPerSecond: number;
  /** Shares of the training wall-clock in env stepping, discriminator and policy update (`runTimings`). */
  readonly envShare: number;
  readonly discShare: number;
  readonly policyShare: number;
}

export const COLUMNS: readonly Column[] = [
  { key: 'what', title: 'what', format: 'text' },
  { key: 'score', title: 'score', format: 'decimal', unit: 'normalised score, mean over seeds' },
  { key: 'scoreStd', title: '± std', format: 'decimal', unit: 'population std of the score over seeds' },
  { key: 'overBc', title: 'GAIL − BC', format: 'decimal', unit: 'score minus the BC row’s score' },
  { key: 'return', title: 'return', format: 'decimal', unit: 'deterministic return, mean over seeds' },
  { key: 'seeds', title: 'seeds', format: 'count' },
  { key: 'envSteps', title: 'env steps', format: 'count', unit: 'env steps per run, mean over seeds' },
  { key: 'wallSeconds', title: 'wall / run', format: 'seconds', unit: 's of training per run, mean' },
  { key: 'stepsPerSecond', title: 'steps/s', format: 'rate', unit: 'env steps per s of training, mean' },
  {
    key: 'envShare',
    title: 'env',
    format: 'decimal',
    unit: 'share of training wall-clock stepping the envs (or waiting for their workers), mean',
  },
  { key: 'discShare', title: 'D', format: 'decimal', unit: 'share in discriminator steps and rewards, mean' },
  { key: 'policyShare', title: 'policy', format: 'decimal', unit: 'share in the policy update, mean' },
  { key: 'discSamples', title: 'D step', format: 'rate', unit: 'expert + policy pairs/s' },
  { key: 'ppoSamples', title: 'PPO step', format: 'rate', unit: 'rollout samples/s (10-epoch update)' },
  {
    key: 'learnerRound',
    title: 'learner / round',
    format: 'seconds',
    unit: 's: 16 D steps + one PPO update on 2048 samples',
  },
];

/** `x`, or null (shown "n/a") when it is not finite: no score reference, or nothing to compare with. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * One row per (task, trajectories, method) that has outcomes, in `order` (the plan's row order): means
 * over seeds, the score's population std, min/max in `spread`, and for GAIL rows the difference to the
 * BC row of the same task and trajectories.
 */
export function trainingRows(
  outcomes: readonly RunOutcome[],
  order: readonly string[],
  variant: (method: Method) => string = () => '',
): Row[] {
  const byRow = new Map<string, RunOutcome[]>();
  for (const o of outcomes) {
    const list = byRow.get(o.run.row);
    if (list) list.push(o);
    else byRow.set(o.run.row, [o]);
  }
  const scoreOf = (key: string): number => {
    const list = byRow.get(key);
    return list ? meanStd(list.map((o) => o.score)).mean : Number.NaN;
  };
  const rows: Row[] = [];
  for (const key of [...new Set(order)]) {
    const list = byRow.get(key);
    if (!list) continue;
    const { task, trajectories, method } = list[0]!.run;
    const score = meanStd(list.map((o) => o.score));
    const spread: NonNullable<Row['spread']> = {};
    const measures = {
      score: list.map((o) => o.score),
      return: list.map((o) => o.return),
      envSteps: list.map((o) => o.envSteps),
      wallSeconds: list.map((o) => o.wallSeconds),
      stepsPerSecond: list.map((o) => o.stepsPerSecond),
      envShare: list.map((o) => o.envShare),
      discShare: list.map((o) => o.discShare),
      policyShare: list.map((o) => o.policyShare),
    };
    for (const [m, xs] of Object.entries(measures))
      if (xs.every(Number.isFinite)) spread[m] = { min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
    const overBc = method === 'bc' ? Number.NaN : score.mean - scoreOf(rowKey(task, trajectories, 'bc'));
    rows.push({
      key,
      cells: {
        what:
          `${isTaskName(task) ? TASKS[task].title : task}, ${trajectories} traj, ${METHODS[method].title}` +
          (variant(method) === '' ? '' : ` (${variant(method)})`),
        score: finiteOrNull(score.mean),
        scoreStd: finiteOrNull(score.std),
        overBc: finiteOrNull(overBc),
        return: finiteOrNull(meanStd(measures.return).mean),
        seeds: list.length,
        envSteps: meanStd(measures.envSteps).mean,
        wallSeconds: meanStd(measures.wallSeconds).mean,
        stepsPerSecond: finiteOrNull(meanStd(measures.stepsPerSecond).mean),
        envShare: finiteOrNull(meanStd(measures.envShare).mean),
        discShare: finiteOrNull(meanStd(measures.discShare).mean),
        policyShare: finiteOrNull(meanStd(measures.policyShare).mean),
      },
      spread,
    });
  }
  return rows;
}

/**
 * The issue's targets: GAIL ≥ 0.9 on Hopper with 4 trajectories within 2M env steps (left out, with a
 * note, when the runs were given more steps), and GAIL above BC at 4 trajectories on every task run.
 */
export function gailTargets(
  tasks: readonly string[],
  steps: number,
): { targets: TargetSpec[]; notes: string[] } {
  const targets: TargetSpec[] = [];
  const notes: string[] = [];
  if (steps <= TARGET_STEPS)
    targets.push({
      key: 'hopperScore',
      description: `GAIL normalised score ≥ ${TARGET_SCORE} on Hopper with ${TARGET_TRAJECTORIES} trajectories within ${TARGET_STEPS / 1e6}M env steps`,
      column: 'score',
      comparison: 'atLeast',
      threshold: TARGET_SCORE,
      rows: [rowKey(TARGET_TASK, TARGET_TRAJECTORIES, 'gail')],
    });
  else
    notes.push(
      `The Hopper ≥ ${TARGET_SCORE} target is not judged: runs had ${steps} env steps, the target allows ${TARGET_STEPS}.`,
    );
  targets.push({
    key: 'aboveBc',
    description: `GAIL above BC with ${TARGET_TRAJECTORIES} trajectories (mean score over seeds)`,
    column: 'overBc',
    comparison: 'above',
    threshold: 0,
    rows: tasks.map((t) => rowKey(t, TARGET_TRAJECTORIES, 'gail')),
  });
  return { targets, notes };
}

/** A task's demonstrations and score references. */
interface TaskSetup {
  readonly task: string;
  readonly demos: string;
  readonly spec: Spec;
  /** Every episode of the demo file, in file order (GAIL's `--trajectories N` takes the first N). */
  readonly episodes: readonly Trajectory[];
  /** The episodes BC can learn from (not diverged, not empty), in file order (BC takes the first N). */
  readonly usable: readonly Trajectory[];
  /** R_expert and where it came from; NaN when neither the expert file nor the demos give one. */
  readonly expertReturn: number;
  readonly expertSource: string;
  readonly randomReturn: number;
}

/** How to make the demo file a task needs (and its expert first, when that is missing too). */
function demosHint(task: string, episodes?: number): string {
  const expert = `experts/${task}.policy`;
  const demos = `\`gail-bridge demos --task ${task} --policy ${expert}${episodes === undefined ? '' : ` --episodes ${episodes}`}\``;
  return existsSync(expert) ? demos : `\`gail-bridge expert --task ${task}\`, then ${demos}`;
}

/** Reads a task's demos and measures its references; a string says why the task is skipped. */
async function setUpTask(task: string, o: GailBenchOptions): Promise<TaskSetup | string> {
  const demos = `demos/${task}.mcap`;
  if (!existsSync(demos)) return `${task}: skipped, ${demos} not found; make it with ${demosHint(task)}`;
  const demo = await readDemoFile(demos);
  const envs = await Promise.all(
    Array.from({ length: Math.min(EVAL_ENVS, o.evalEpisodes) }, (_, i) => makeTaskEnv(task, { seed: i })),
  );
  try {
    assertSpecsMatch(`${demos} vs task ${task}`, envs[0]!.spec, demo.spec);
    const random = evaluate(envs, uniformRandomAct(envs[0]!, EVAL_SEED), o.evalEpisodes, EVAL_SEED);
    const episodes = demo.episodes.map((e) => e.trajectory);
    let expertReturn = Number.NaN;
    let expertSource = 'none';
    const expertFile = `experts/${task}.policy`;
    const stored = existsSync(expertFile)
      ? (await readPolicyFile(expertFile)).training.evalReturn
      : undefined;
    if (stored !== undefined) {
      expertReturn = stored;
      expertSource = expertFile;
    } else {
      const returns = episodes.flatMap((t) => {
        const r = trajectoryReturn(t);
        return r === undefined || t.end === 'diverged' ? [] : [r];
      });
      if (returns.length > 0) {
        expertReturn = meanStd(returns).mean;
        expertSource = `mean return of the ${returns.length} episodes in ${demos} (${expertFile} gives none)`;
      }
    }
    return {
      task,
      demos,
      spec: demo.spec,
      episodes,
      usable: usableDemonstrations(episodes),
      expertReturn,
      expertSource,
      randomReturn: meanStd([...random.returns]).mean,
    };
  } finally {
    for (const e of envs) e.dispose();
  }
}

/** Mean deterministic return of `act` over the evaluation episodes (reset seeds EVAL_SEED + e). */
async function evaluateReturn(task: string, act: ActFn, episodes: number): Promise<number> {
  const envs = await Promise.all(
    Array.from({ length: Math.min(EVAL_ENVS, episodes) }, (_, i) => makeTaskEnv(task, { seed: i })),
  );
  try {
    return meanStd([...evaluate(envs, act, episodes, EVAL_SEED).returns]).mean;
  } finally {
    for (const e of envs) e.dispose();
  }
}

/** Where a GAIL run reports progress and keeps its folder, and the bench's stop request (Ctrl-C). */
interface RunControl {
  readonly log: (line: string) => void;
  /** Where this run's folder goes. */
  readonly runsDir: string;
  readonly stop: StopRequest;
}

/**
 * A run folder's training wall-clock from its metrics.jsonl. The run layer's `wallSeconds` counts every
 * segment of a resumed run; folders made before it restarted at 0 on resume, so a drop starts a new
 * segment whose last value is added.
 */
export function runWallSeconds(metricsJsonl: string): number {
  let total = 0;
  let last = 0;
  for (const line of metricsJsonl.split('\n')) {
    if (line.trim() === '') continue;
    let w: number;
    try {
      w = Number((JSON.parse(line) as { wallSeconds?: unknown }).wallSeconds);
    } catch {
      continue; // a line cut by a kill mid-write: the clock is a report, not worth failing the bench over
    }
    if (!Number.isFinite(w)) continue;
    if (w < last) total += last;
    last = w;
  }
  return total + last;
}

/** Where a GAIL run's training wall-clock went, from its metrics.jsonl (`runTimings`). */
export interface RunTimings {
  readonly wallSeconds: number;
  /** Env steps (the last row's) per second of wall-clock. */
  readonly stepsPerSecond: number;
  /**
   * Σ envStepSeconds / wall-clock: stepping the envs, or waiting for their worker threads (rows written
   * before that column existed count their whole collectSeconds, the policy's actions included).
   */
  readonly envShare: number;
  /** Σ discSeconds / wall-clock: discriminator steps and the rewards. */
  readonly discShare: number;
  /** Σ policySeconds / wall-clock: the PPO (or TRPO) update. */
  readonly policyShare: number;
}

/**
 * The timings of a run folder's metrics.jsonl, every segment of a resumed run included (the wall-clock as
 * `runWallSeconds` counts it; the per-round seconds summed over all rows).
 */
export function runTimings(metricsJsonl: string): RunTimings {
  let env = 0;
  let disc = 0;
  let policy = 0;
  let envSteps = 0;
  for (const line of metricsJsonl.split('\n')) {
    if (line.trim() === '') continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut by a kill mid-write
    }
    const num = (k: string): number => {
      const v = Number(row[k]);
      return Number.isFinite(v) ? v : 0;
    };
    env += row['envStepSeconds'] === undefined ? num('collectSeconds') : num('envStepSeconds');
    disc += num('discSeconds');
    policy += num('policySeconds');
    envSteps = Math.max(envSteps, num('envSteps'));
  }
  const wallSeconds = runWallSeconds(metricsJsonl);
  const share = (x: number): number => (wallSeconds > 0 ? x / wallSeconds : Number.NaN);
  return {
    wallSeconds,
    stepsPerSecond: share(envSteps),
    envShare: share(env),
    discShare: share(disc),
    policyShare: share(policy),
  };
}

/**
 * The fields in which a run folder's stored config differs from the one this bench run resolved (empty
 * when they agree): `--resume` must not put runs made with other settings into the table.
 */
export function configDifferences(
  stored: Readonly<Record<string, unknown>>,
  wanted: Readonly<Record<string, unknown>>,
): string[] {
  const keys = new Set([...Object.keys(stored), ...Object.keys(wanted)]);
  const diffs: string[] = [];
  for (const k of keys) {
    const a = JSON.stringify(stored[k]);
    const b = JSON.stringify(wanted[k]);
    if (a !== b) diffs.push(`${k}: folder ${a ?? 'absent'}, this run ${b ?? 'absent'}`);
  }
  return diffs;
}

/** " (10 on walker2d: the task's preset)" for the tasks of this bench run that have a GAIL preset. */
function presetNote(tasks: readonly string[]): string {
  const parts = tasks.flatMap((t) => {
    const p = GAIL_TASK_PRESETS[t]?.settings.gradPenalty;
    return p === undefined ? [] : [`${p} on ${t}`];
  });
  return parts.length === 0 ? '' : ` (${parts.join(', ')}: the task preset${parts.length > 1 ? 's' : ''})`;
}

/** The resolved `train --algo gail` config of one planned GAIL run. */
function gailRunConfig(run: PlannedRun, demos: string, o: GailBenchOptions): GailConfig {
  // As `train --algo gail` does: the task's preset where the bench's flags leave a field unset.
  return resolveGailConfig(
    withGailTaskPreset({
      task: run.task,
      demos,
      demoTrajectories: run.trajectories,
      steps: o.steps,
      seed: run.seed,
      absorbing: METHODS[run.method].absorbing,
      subsample: o.subsample,
      excludeFailures: o.excludeFailures,
      demoEpisodes: o.episodes,
      ...o.gail,
    }).settings,
  );
}

/** The run folder of one planned GAIL run in `runsDir`. */
function runDir(run: PlannedRun, runsDir: string): string {
  return join(runsDir, `${run.row}-s${run.seed}`);
}

/**
 * --resume: every planned GAIL run whose folder already holds a checkpoint must have been made with the
 * same settings (its config.json), or the bench stops before it starts anything (hours in, it would be
 * too late).
 */
function checkResumable(
  runs: readonly PlannedRun[],
  demos: (task: string) => string,
  o: GailBenchOptions,
  runsDir: string,
): number {
  let found = 0;
  for (const run of runs) {
    if (run.method === 'bc') continue;
    const dir = runDir(run, runsDir);
    if (!existsSync(runPath(dir, 'checkpoint'))) continue;
    const saved = readRunConfig(dir);
    const wanted: Record<string, unknown> = JSON.parse(
      JSON.stringify(gailRunConfig(run, demos(run.task), o)),
    );
    const diffs = [
      ...(saved.algo === 'gail' ? [] : [`algo: folder ${saved.algo}, this run gail`]),
      ...configDifferences(saved.settings, wanted),
    ];
    if (diffs.length > 0)
      throw new GailBridgeError(
        'config',
        `bench gail --resume: ${dir} was made with other settings (${diffs.join('; ')}); ` +
          'move that folder away, or run without --resume to retrain it',
      );
    found++;
  }
  return found;
}

/** One GAIL run through the run layer, as `train --algo gail` makes it; undefined when Ctrl-C cut it short. */
async function runGailOnce(
  run: PlannedRun,
  setup: TaskSetup,
  o: GailBenchOptions,
  ctl: RunControl,
): Promise<(Omit<RunOutcome, 'score' | 'run'> & { reused: boolean }) | undefined> {
  const config = gailRunConfig(run, setup.demos, o);
  const dir = runDir(run, ctl.runsDir);
  const checkpointPath = runPath(dir, 'checkpoint');
  const metricsPath = runPath(dir, 'metrics');
  // `checkResumable` has compared the folder's config with this one before any run started.
  const resume = o.resume && existsSync(checkpointPath);
  if (resume) {
    const record = await readPolicyFile(checkpointPath);
    if (record.training.envSteps >= o.steps) {
      ctl.log(`    finished run in ${dir} (${record.training.envSteps} env steps): evaluating it again`);
      return {
        ...(await evaluateGailCheckpoint(run, o, runPath(dir, 'policy'))),
        ...folderTimings(metricsPath),
        envSteps: record.training.envSteps,
        reused: true,
      };
    }
  }
  let lastLog = performance.now();
  const log = (line: string) => ctl.log(`    ${line}`);
  const algorithm = await gailAlgorithm(config, { log, workers: o.workers });
  let outcome: Awaited<ReturnType<typeof runTraining>>;
  try {
    // Without --resume a folder left by an earlier bench is retrained from scratch, as documented.
    const folderConfig = resume
      ? readRunConfig(dir)
      : createRunFolder(dir, { command: 'train', algo: 'gail', settings: config }, { force: true });
    outcome = await runTraining(algorithm, {
      dir,
      config: folderConfig,
      resume,
      stop: ctl.stop,
      log,
      onRound: (_p, m) => {
        const now = performance.now();
        if (now - lastLog < 30_000 && (m['envSteps'] ?? 0) < o.steps) return;
        lastLog = now;
        const num = (k: string) => m[k] ?? Number.NaN;
        const score = Number.isFinite(num('normalizedScore'))
          ? `, training score ${num('normalizedScore').toFixed(2)}`
          : '';
        ctl.log(
          `    ${num('envSteps')}/${o.steps} env steps, ${Math.round(num('stepsPerSecond'))} steps/s, ` +
            `D acc ${num('discAccExpert').toFixed(2)}/${num('discAccPolicy').toFixed(2)}, return ${num('returnMean').toFixed(1)}${score}`,
        );
      },
    });
  } finally {
    algorithm.dispose();
  }
  if (outcome.end === 'stopped') return undefined;
  return {
    ...(await evaluateGailCheckpoint(run, o, outcome.policyPath)),
    ...folderTimings(metricsPath),
    envSteps: outcome.progress.envSteps,
    // The run layer's clock counts the folder's earlier segments too.
    wallSeconds: outcome.wallSeconds,
    reused: false,
  };
}

/** `runTimings` of a run folder's metrics.jsonl; NaN everywhere when it has none. */
function folderTimings(metricsPath: string): RunTimings {
  if (existsSync(metricsPath)) return runTimings(readFileSync(metricsPath, 'utf8'));
  const nan = Number.NaN;
  return { wallSeconds: nan, stepsPerSecond: nan, envShare: nan, discShare: nan, policyShare: nan };
}

/** The deterministic return of a GAIL checkpoint on the bench's evaluation episodes. */
async function evaluateGailCheckpoint(
  run: PlannedRun,
  o: GailBenchOptions,
  checkpointPath: string,
): Promise<{ return: number }> {
  const policy = policyFromRecord(await readPolicyFile(checkpointPath), run.seed, true);
  try {
    const ret = await evaluateReturn(
      run.task,
      (obs, n) => policy.act(obs, n, 'deterministic').actions,
      o.evalEpisodes,
    );
    return { return: ret };
  } finally {
    policy.dispose();
  }
}

/**
 * One BC run as `train --algo bc` does it (the first N usable episodes, less the failures with
 * --exclude-failures; defaults but the epoch cap).
 */
async function runBcOnce(
  run: PlannedRun,
  setup: TaskSetup,
  o: GailBenchOptions,
): Promise<Omit<RunOutcome, 'score' | 'run'>> {
  await useBackend('auto');
  const chosen = selectDemonstrations(
    setup.episodes.map((trajectory, index) => ({ index, trajectory })),
    { episodes: o.episodes, first: run.trajectories, excludeFailures: o.excludeFailures },
    setup.demos,
  ).used.map((e) => e.trajectory);
  const data = pairsFromTrajectories(chosen, {
    subsample: o.subsample,
    seed: run.seed,
  });
  const policy = new GaussianPolicy(
    {
      obsDim: setup.spec.observation.names.length,
      actDim: setup.spec.action.names.length,
      hiddenSizes: GAIL_DEFAULTS.policyHidden,
    },
    run.seed,
  );
  try {
    const wallSeconds = timeSeconds(() => {
      trainBc(policy, data, { maxEpochs: o.bcEpochs, seed: run.seed });
    });
    policy.obsNorm.frozen = true;
    const ret = await evaluateReturn(
      run.task,
      (obs, n) => policy.act(obs, n, 'deterministic').actions,
      o.evalEpisodes,
    );
    const nan = Number.NaN;
    return {
      return: ret,
      envSteps: 0,
      wallSeconds,
      stepsPerSecond: nan,
      envShare: nan,
      discShare: nan,
      policyShare: nan,
    };
  } finally {
    policy.dispose();
  }
}

/** `n` random pairs with Hopper's sizes, the absorbing indicator column 0. */
function syntheticPairs(n: number, rng: Rng): PairSet {
  const obsDim = OBS_DIM + 1;
  const obs = new Float32Array(n * obsDim);
  for (let r = 0; r < n; r++) for (let j = 0; j < OBS_DIM; j++) obs[r * obsDim + j] = rng.normal();
  const acts = Float32Array.from({ length: n * ACT_DIM }, () => rng.uniform(-1, 1));
  return { n, obsDim, actDim: ACT_DIM, absorbing: true, obs, acts };
}

/** A GAIL round's rollout (4 envs × 512 steps) with Hopper's sizes, random everything. */
function syntheticRollout(policy: GaussianPolicy, rng: Rng): RolloutBatch {
  const numEnvs = GAIL_DEFAULTS.numEnvs;
  const numSteps = GAIL_DEFAULTS.numSteps;
  const n = numEnvs * numSteps;
  const obs = Float32Array.from({ length: n * OBS_DIM }, () => rng.normal());
  const { actions, logProbs } = policy.act(obs, n, 'stochastic');
  const terminated = new Uint8Array(n);
  for (let k = 0; k < n; k++) if (rng.next() < 0.01) terminated[k] = 1;
  return {
    numSteps,
    numEnvs,
    obsDim: OBS_DIM,
    actDim: ACT_DIM,
    obs,
    actions,
    logProbs,
    rewards: Float32Array.from({ length: n }, () => rng.uniform(0, 2)),
    terminated,
    truncated: new Uint8Array(n),
    finalObs: Float32Array.from({ length: n * OBS_DIM }, () => rng.normal()),
    lastObs: Float32Array.from({ length: numEnvs * OBS_DIM }, () => rng.normal()),
    terminalValue: Float32Array.from(terminated, (t) => (t ? 50 : 0)),
  };
}

/** D-step and PPO-step throughput on one backend, `repeats` interleaved rounds after a warm-up. */
async function measureThroughput(
  backend: BackendInfo,
  repeats: number,
  quick: boolean,
  samples: Samples,
  log: (line: string) => void,
): Promise<void> {
  await useBackend(backend.name as 'tensorflow' | 'wasm' | 'cpu');
  const key = `throughput-${backend.name}`;
  const rng = new Rng(3);
  const b = GAIL_DEFAULTS.discBatchSize;
  const discSteps = quick ? 4 : GAIL_DEFAULTS.discStepsPerRound;
  // --quick: one epoch, scaled to the default ten (the update's fixed costs are scaled too: rough).
  const epochs = quick ? 1 : PPO_DEFAULTS.epochs;
  const disc = new Discriminator(
    OBS_DIM,
    ACT_DIM,
    true,
    { hiddenSizes: GAIL_DEFAULTS.discHidden, learningRate: GAIL_DEFAULTS.discLr },
    rng.fork(1),
  );
  const policy = new GaussianPolicy(
    { obsDim: OBS_DIM, actDim: ACT_DIM, hiddenSizes: GAIL_DEFAULTS.policyHidden },
    1,
  );
  const ppo = new PpoLearner(policy, {
    epochs,
    lrSchedule: 'constant',
    valueHiddenSizes: GAIL_DEFAULTS.policyHidden,
  });
  try {
    const expert = syntheticPairs(4096, rng);
    const onPolicy = syntheticPairs(GAIL_DEFAULTS.numEnvs * GAIL_DEFAULTS.numSteps, rng);
    disc.observe(expert);
    disc.observe(onPolicy);
    const batches = Array.from({ length: discSteps }, () => ({
      expert: syntheticPairs(b, rng),
      policy: syntheticPairs(b, rng),
    }));
    const rollout = syntheticRollout(policy, rng);
    // Warm-up: kernel compilation, first allocations.
    disc.step(batches[0]!.expert, batches[0]!.policy, rng);
    ppo.update(rollout);
    for (let r = 0; r < repeats; r++) {
      const d = timeSeconds(() => {
        for (const x of batches) disc.step(x.expert, x.policy, rng);
      });
      const p = timeSeconds(() => ppo.update(rollout)) * (PPO_DEFAULTS.epochs / epochs);
      const perDStep = d / discSteps;
      samples.add(key, 'discSamples', (2 * b) / perDStep);
      samples.add(key, 'ppoSamples', (rollout.numSteps * rollout.numEnvs) / p);
      samples.add(key, 'learnerRound', GAIL_DEFAULTS.discStepsPerRound * perDStep + p);
      log(
        `  ${key} round ${r + 1}/${repeats}: D step ${(perDStep * 1e3).toFixed(1)} ms, PPO update ${p.toFixed(2)} s`,
      );
    }
  } finally {
    ppo.dispose();
    policy.dispose();
    disc.dispose();
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const quick = ctx.options.quick;
  const o = parseGailArgs(ctx.options.args, quick);
  const only = ctx.options.only;
  const plan = planRuns(o, only);
  const planned = new Set(plan.map((p) => p.row));
  for (const key of only ?? [])
    if (!key.startsWith('throughput-') && !planned.has(key))
      throw new GailBridgeError(
        'config',
        `--only ${key}: not among this run's rows (tasks ${o.tasks.join(',')}, trajectories ${o.trajectories.join(',')}); widen --tasks or --trajectories`,
      );
  const repeats = quick ? 1 : (ctx.options.repeats ?? THROUGHPUT_REPEATS);
  const samples = new Samples();
  const notes: string[] = [];
  if (quick) notes.push('--quick: a tiny run that only checks the bench works; its numbers mean nothing.');

  // Ctrl-C: the first stops after the GAIL round in progress (the run layer's stop request, which also
  // writes that run's checkpoint) and skips the rest; a second quits at once. Nothing is saved either
  // way (main sees `interrupted`).
  let interrupts = 0;
  const stop = new StopRequest();
  let tempDir: string | undefined;
  const cleanUp = (): void => {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  };
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      stop.request('SIGINT');
      ctx.log(
        'gail: Ctrl-C: stopping after the round in progress; nothing will be saved (again to quit now)',
      );
      return;
    }
    cleanUp();
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const rows: Row[] = [];
  const outcomes: RunOutcome[] = [];
  let backendLine = '';
  try {
    // Throughput first: minutes at most, and it shows at once which backends load.
    const backends = await availableBackends();
    if (!backends.some((b) => b.name === 'tensorflow'))
      notes.push('tensorflow backend not measured: @tensorflow/tfjs-node(-gpu) is not installed here.');
    for (const backend of backends) {
      const key = `throughput-${backend.name}`;
      if ((only && !only.includes(key)) || interrupts > 0) continue;
      ctx.log(`gail: ${backend.description}`);
      await measureThroughput(backend, repeats, quick, samples, ctx.log);
      rows.push(
        samples.row(key, `${backend.name}: D and PPO steps, obs ${OBS_DIM} act ${ACT_DIM}`, [
          'discSamples',
          'ppoSamples',
          'learnerRound',
        ]),
      );
    }
    backendLine = (await useBackend('auto')).description.replace(/^backend: /, '');

    const setups = new Map<string, TaskSetup>();
    const tasksRun = [...new Set(plan.map((p) => p.task))];
    for (const task of tasksRun) {
      ctx.log(`gail: ${task}: reading demos, measuring the random baseline…`);
      const setup = await setUpTask(task, o);
      if (typeof setup === 'string') {
        notes.push(setup);
        ctx.log(`gail: ${setup}`);
        continue;
      }
      setups.set(task, setup);
      notes.push(
        `${task}: R_expert ${setup.expertReturn.toFixed(1)} (${setup.expertSource}), R_random ${setup.randomReturn.toFixed(1)} ` +
          `(uniform random actions, the same ${o.evalEpisodes} episodes); ${setup.episodes.length} demo episodes in ${setup.demos}.`,
      );
      for (const n of o.trajectories) {
        if (setup.usable.length < n)
          notes.push(
            `${task}, ${n} trajectories: skipped, ${setup.demos} has only ${setup.usable.length} usable episodes; ` +
              `remake it with ${demosHint(task, n)}.`,
          );
        else if (setup.episodes.slice(0, n).some((t) => t.end === 'diverged' || t.length === 0))
          notes.push(
            `${task}, ${n} trajectories: the first ${n} episodes include diverged or empty ones, which BC skips and GAIL counts; the two saw different demonstrations.`,
          );
      }
    }
    const runnable = plan.filter((p) => (setups.get(p.task)?.usable.length ?? 0) >= p.trajectories);
    if (runnable.length > 0) {
      tempDir = o.runsDir === undefined ? mkdtempSync(join(tmpdir(), 'gail-bench-')) : undefined;
      const runsDir = tempDir ?? o.runsDir!;
      if (o.resume) {
        const found = checkResumable(runnable, (task) => setups.get(task)!.demos, o, runsDir);
        ctx.log(
          `gail: --resume: ${found} GAIL run folder${found === 1 ? '' : 's'} in ${runsDir}/ to reuse or continue`,
        );
      }
      let reused = 0;
      const started = performance.now();
      for (const [i, p] of runnable.entries()) {
        if (interrupts > 0) break;
        const setup = setups.get(p.task)!;
        const elapsed = (performance.now() - started) / 60_000;
        ctx.log(
          `gail: run ${i + 1}/${runnable.length} (${elapsed.toFixed(0)} min so far): ${p.task}, ${p.trajectories} trajectories, ` +
            `${METHODS[p.method].title}, seed ${p.seed}${p.method === 'bc' ? '' : ` (${o.steps} env steps)`}`,
        );
        let r: Omit<RunOutcome, 'score' | 'run'> | undefined;
        try {
          if (p.method === 'bc') r = await runBcOnce(p, setup, o);
          else {
            const g = await runGailOnce(p, setup, o, { log: ctx.log, runsDir, stop });
            if (g?.reused) reused++;
            if (g !== undefined) {
              const { reused: _, ...measured } = g;
              r = measured;
            }
          }
        } catch (err) {
          // A run that aborts (e.g. non-finite losses round after round) is a finding, not a reason to
          // throw away hours of other runs: it is noted and left out of its row's seeds.
          if (!(err instanceof GailBridgeError)) throw err;
          notes.push(`${p.row}, seed ${p.seed}: failed (${err.message}); left out of the row.`);
          ctx.log(`gail:   → failed: ${err.message}`);
          continue;
        }
        if (r === undefined || interrupts > 0) break;
        const score = normalizedScore(r.return, setup.randomReturn, setup.expertReturn);
        outcomes.push({ run: p, ...r, score });
        for (const [m, v] of Object.entries({ ...r, score }))
          if (Number.isFinite(v)) samples.add(p.row, m, v);
        ctx.log(
          `gail:   → return ${r.return.toFixed(1)}, score ${score.toFixed(3)}, ${r.envSteps} env steps, ${r.wallSeconds.toFixed(1)} s` +
            (Number.isFinite(r.stepsPerSecond)
              ? `, ${Math.round(r.stepsPerSecond)} steps/s; time in env ${r.envShare.toFixed(2)}, D ${r.discShare.toFixed(2)}, policy ${r.policyShare.toFixed(2)}`
              : ''),
        );
      }
      if (o.runsDir !== undefined)
        notes.push(`GAIL run folders (learning curves in report.html) are in ${o.runsDir}/.`);
      if (reused > 0)
        notes.push(
          `--resume: ${reused} finished GAIL run${reused === 1 ? ' was' : 's were'} taken from ${runsDir}/ and evaluated again, not retrained; their wall-clock is the folder's.`,
        );
    }
    rows.push(
      ...trainingRows(
        outcomes,
        plan.map((p) => p.row),
        (method) => variantLabel(o, method),
      ),
    );
  } finally {
    process.off('SIGINT', onSigint);
    cleanUp();
  }

  const { targets, notes: targetNotes } = gailTargets(o.tasks, o.steps);
  notes.push(...targetNotes);
  const runsDone = outcomes.length;
  const interrupted = interrupts > 0 ? `Ctrl-C after ${runsDone} of ${plan.length} training runs` : undefined;
  if (interrupted) notes.push(`Interrupted: ${interrupted}; the rows hold only the finished runs.`);
  const g = GAIL_DEFAULTS;
  return {
    bench: 'gail',
    title: 'GAIL vs behavioural cloning: normalised score by expert trajectories, and learner throughput',
    measured: [
      `GAIL: \`gail-bridge train --algo gail\` defaults (PPO, ${g.numEnvs} envs × ${g.numSteps} steps a round, policy ${g.policyHidden.join('×')} tanh, D ${g.discHidden.join('×')} tanh with ${g.discStepsPerRound} steps of ${g.discBatchSize}+${g.discBatchSize} pairs a round, gradient penalty ${g.gradPenalty}${presetNote(o.tasks)}, reward −log(1 − D)), ${o.steps} env steps a run; "no absorbing" adds --no-absorbing.${variantLabel(o, 'gail') === '' ? '' : ` Changed from those defaults for every GAIL run here: ${variantLabel(o, 'gail')}.`}`,
      `BC: \`gail-bridge train --algo bc\` defaults (Gaussian log-likelihood, batch ${BC_DEFAULTS.batchSize}, Adam ${BC_DEFAULTS.learningRate}, ${BC_DEFAULTS.validationFraction * 100}% validation, patience ${BC_DEFAULTS.patience}, at most ${o.bcEpochs} epochs) on the same first N trajectories.`,
      `Each run: one task, the first N trajectories of demos/<task>.mcap${o.subsample > 1 ? `, one state–action pair in ${o.subsample} kept (random offset per trajectory, for GAIL and BC alike, as the paper did)` : ', every pair'}, seed s = ${o.seeds === 1 ? `${o.firstSeed}` : `${o.firstSeed}…${o.firstSeed + o.seeds - 1}`}; so \`gail-bridge train --algo gail --task T --demos demos/T.mcap --trajectories N${o.subsample > 1 ? ` --subsample ${o.subsample}` : ''}${trainFlags(o)} --steps ${o.steps} --seed s\`.`,
      `Score: the trained policy's deterministic return over ${o.evalEpisodes} episodes (reset seeds ${EVAL_SEED}+e, as \`gail-bridge eval\`), (R − R_random)/(R_expert − R_random); R_expert is the evalReturn stored in experts/<task>.policy, R_random a uniform random policy on the same episodes.`,
      `Over seeds: mean and population std of the score, mean return; env steps and wall-clock are per run (training only, evaluation excluded), mean over seeds. Steps/s and the shares of the wall-clock in env stepping (or waiting for the env workers), discriminator and policy update come from each run folder's metrics.jsonl (every segment of a resumed run); GAIL runs stepped their envs in ${o.workers === 0 ? 'the training thread' : `${o.workers} worker thread${o.workers === 1 ? '' : 's'} (--workers ${o.workers})`}.`,
      `Throughput rows: median of ${repeats} round${repeats === 1 ? '' : 's'} after a warm-up, synthetic Hopper-sized data; D step: one discriminator Adam step on ${g.discBatchSize} expert + ${g.discBatchSize} policy pairs, in pairs/s; PPO step: one update on a ${g.numEnvs} × ${g.numSteps} rollout (${PPO_DEFAULTS.epochs} epochs × ${PPO_DEFAULTS.numMinibatches} minibatches${quick ? '; --quick ran 1 epoch, scaled' : ''}), in rollout samples/s; learner per round: ${g.discStepsPerRound} D steps + one PPO update.`,
    ],
    backend: `GAIL and BC runs on ${backendLine || 'the auto backend'}`,
    columns: COLUMNS,
    rows,
    targets,
    notes,
    samples: samples.toJSON(),
    ...(interrupted ? { interrupted } : {}),
  };
}

export const bench: Bench = {
  name: 'gail',
  description:
    'GAIL vs BC normalised score over seeds at 4/25 trajectories, absorbing states on/off, learner throughput',
  rowKeys: [
    ...TASK_NAMES.flatMap((t) => [4, 25].flatMap((n) => METHOD_NAMES.map((m) => rowKey(t, n, m)))),
    ...BACKEND_NAMES.map((b) => `throughput-${b}`),
  ],
  run,
};

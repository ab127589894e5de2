/**
 * `npm run bench -- dagger`: DAgger (Ross, Gordon & Bagnell 2011) against behavioural cloning from the
 * same few demonstrations, the table of issue 15 ("BC from 4 trajectories vs DAgger after K rounds of N
 * labelled steps"). For each seed, one `train --algo dagger` run through the run layer (a run folder as
 * `train` makes one, `daggerAlgorithm` + `runTraining`) with `--expert experts/<task>.policy`:
 *
 *   round 0   BC on the first T demonstrations, one pair in `subsample` kept (`train --algo bc`'s learner
 *             and defaults: the BC row of the table)
 *   round k   BC from fresh weights on the demonstrations plus the k·N states the learner visited in its
 *             own rollouts, each labelled with the expert's deterministic action (β = 0)
 *
 * Rows `<task>-round-<k>`: normalised score (R − R_random)/(R_expert − R_random) of the round's policy,
 * deterministic, on the run's fixed evaluation seeds (R_expert: the mean return of the demonstrations used,
 * R_random: a uniform random policy on the same seeds), mean and std over seeds, with each seed's score,
 * the labelled steps and pairs trained on, and the wall-clock from the run's start to the round's end.
 *
 * Its own flags, after `dagger`: see DAGGER_BENCH_FLAGS_HELP. Ctrl-C stops after the round in progress;
 * nothing is saved. The run folders go to runs/bench-dagger/ (replaced on each run).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { daggerAlgorithm, resolveDaggerSettings } from '../src/algos/dagger.js';
import { GailBridgeError } from '../src/core/errors.js';
import { meanStd } from '../src/learn/evaluate.js';
import type { MetricsRow } from '../src/run/algorithm.js';
import { createRunFolder } from '../src/run/folder.js';
import { runTraining } from '../src/run/run.js';
import { StopRequest } from '../src/run/stop.js';
import { isTaskName } from '../src/sim/tasks/index.js';
import { DAGGER_BENCH_FLAGS_HELP } from './dagger-flags.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';

/** The dagger bench's settings (its flags). */
export interface DaggerBenchOptions {
  readonly task: string;
  /** Seeds 0 … seeds − 1. */
  readonly seeds: number;
  /** K: DAgger rounds after BC. */
  readonly rounds: number;
  /** N: labelled env steps per round. */
  readonly roundSteps: number;
  /** The first T demonstrations of demos/<task>.mcap. */
  readonly trajectories: number;
  /** One demonstration pair in k kept (labelled steps are all kept). */
  readonly subsample: number;
  /** Deterministic evaluation episodes after each round. */
  readonly evalEpisodes: number;
  readonly runsDir: string;
}

/** Parses the bench's own flags; `quick` shrinks everything to InvertedPendulum, one seed, one round. */
export function parseDaggerBenchArgs(args: readonly string[], quick: boolean): DaggerBenchOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        [
          'task',
          'seeds',
          'rounds',
          'round-steps',
          'trajectories',
          'subsample',
          'eval-episodes',
          'runs-dir',
        ].map((k) => [k, { type: 'string' as const }]),
      ),
      strict: true,
    }));
  } catch (err) {
    throw new GailBridgeError(
      'config',
      `bench dagger: ${err instanceof Error ? err.message : String(err)}; its flags: ${DAGGER_BENCH_FLAGS_HELP}`,
    );
  }
  const int = (flag: string, fallback: number, min: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new GailBridgeError('config', `bench dagger: --${flag}: expected an integer ≥ ${min}, got ${v}`);
    return n;
  };
  const task = values['task'] ?? (quick ? 'inverted-pendulum' : 'hopper');
  if (!isTaskName(task))
    throw new GailBridgeError('config', `bench dagger: --task: no built-in task "${task}"`);
  return {
    task,
    seeds: int('seeds', quick ? 1 : 3, 1),
    rounds: int('rounds', quick ? 1 : 4, 1),
    roundSteps: int('round-steps', quick ? 300 : 2000, 1),
    trajectories: int('trajectories', quick ? 1 : 4, 1),
    subsample: int('subsample', quick ? 50 : 20, 1),
    evalEpisodes: int('eval-episodes', quick ? 3 : 10, 1),
    runsDir: values['runs-dir'] ?? 'runs/bench-dagger',
  };
}

const COLUMNS: readonly Column[] = [
  { key: 'method', title: 'method', format: 'text' },
  { key: 'labelledSteps', title: 'labelled steps', format: 'count', unit: 'expert-labelled env steps' },
  { key: 'pairs', title: 'pairs', format: 'count', unit: 'state-action pairs trained on' },
  { key: 'score', title: 'score', format: 'decimal', unit: 'normalised score, mean over seeds' },
  { key: 'scoreStd', title: '± std', format: 'decimal' },
  { key: 'return', title: 'return', format: 'decimal', unit: 'deterministic return, mean over seeds' },
  { key: 'perSeed', title: 'per seed', format: 'text' },
  { key: 'wall', title: 'wall (from start)', format: 'seconds', unit: 's, mean over seeds' },
];

export const bench: Bench = {
  name: 'dagger',
  description: 'DAgger vs BC from the same few demonstrations: normalised score after each round',
  rowKeys: [],
  async run(ctx: BenchContext): Promise<BenchReport> {
    const o = parseDaggerBenchArgs(ctx.options.args, ctx.options.quick);
    const stop = new StopRequest();
    const onSigint = (): void => {
      stop.request('SIGINT');
      ctx.log('dagger: Ctrl-C: stopping after the round in progress; nothing will be saved');
    };
    process.on('SIGINT', onSigint);
    /** Per seed, the metrics rows of rounds 0 … K. */
    const bySeed: MetricsRow[][] = [];
    let backend = '';
    try {
      for (let seed = 0; seed < o.seeds && !stop.requested; seed++) {
        const dir = join(o.runsDir, `${o.task}-${o.trajectories}traj-s${seed}`);
        const settings = resolveDaggerSettings({
          task: o.task,
          demos: `demos/${o.task}.mcap`,
          demoTrajectories: o.trajectories,
          subsample: o.subsample,
          expert: `experts/${o.task}.policy`,
          rounds: o.rounds,
          roundSteps: o.roundSteps,
          roundEvalEpisodes: o.evalEpisodes,
          seed,
        });
        ctx.log(
          `dagger: ${o.task}, seed ${seed}: BC, then ${o.rounds} rounds of ${o.roundSteps} labelled steps`,
        );
        const algorithm = await daggerAlgorithm(settings, { dir, log: (l) => ctx.log(`    ${l}`) });
        backend = algorithm.backend;
        const rows: MetricsRow[] = [];
        try {
          const config = createRunFolder(
            dir,
            { command: 'train', algo: 'dagger', settings },
            { force: true },
          );
          const outcome = await runTraining(algorithm, {
            dir,
            config,
            resume: false,
            stop,
            onRound: (_p, m) => {
              rows.push(m);
              ctx.log(
                `    round ${m['daggerRound']}: ${m['datasetPairs']} pairs, score ${(m['normalizedScore'] ?? Number.NaN).toFixed(2)}`,
              );
            },
          });
          if (outcome.end !== 'finished') break;
        } finally {
          algorithm.dispose();
        }
        bySeed.push(rows);
      }
    } finally {
      process.off('SIGINT', onSigint);
    }

    const rows: Row[] = [];
    const samples: Record<string, Record<string, number[]>> = {};
    for (let k = 0; k <= o.rounds; k++) {
      const at = bySeed.map((r) => r[k]).filter((m): m is MetricsRow => m !== undefined);
      if (at.length === 0) continue;
      const col = (key: string) => at.map((m) => m[key] ?? Number.NaN);
      const score = meanStd(col('normalizedScore'));
      const key = `${o.task}-round-${k}`;
      samples[key] = { score: col('normalizedScore'), return: col('evalReturn'), wall: col('wallSeconds') };
      rows.push({
        key,
        cells: {
          method: k === 0 ? `BC, ${o.trajectories} traj` : `DAgger, ${k} round${k > 1 ? 's' : ''}`,
          labelledSteps: k * o.roundSteps,
          pairs: at[0]!['datasetPairs'] ?? null,
          score: score.mean,
          scoreStd: at.length > 1 ? score.std : null,
          return: meanStd(col('evalReturn')).mean,
          perSeed: col('normalizedScore')
            .map((s) => s.toFixed(2))
            .join(', '),
          wall: meanStd(col('wallSeconds')).mean,
        },
      });
    }
    const last = `${o.task}-round-${o.rounds}`;
    const targets: TargetSpec[] = [
      {
        key: 'dagger-beats-bc',
        description: `DAgger after ${o.rounds} rounds reaches a normalised score of 0.9 (BC from the same demonstrations does not)`,
        column: 'score',
        comparison: 'atLeast',
        threshold: 0.9,
        rows: [last],
      },
    ];
    const interrupted =
      bySeed.length < o.seeds || bySeed.some((r) => r.length < o.rounds + 1)
        ? `Ctrl-C after ${bySeed.length} of ${o.seeds} seeds`
        : undefined;
    return {
      bench: 'dagger',
      title: `DAgger vs BC on ${o.task} from ${o.trajectories} demonstrations (1 pair in ${o.subsample}), ${o.seeds} seeds`,
      measured: [
        `Per seed one train --algo dagger run (seed s = 0 … ${o.seeds - 1}): round 0 is BC on the first ${o.trajectories} demonstrations of demos/${o.task}.mcap with one pair in ${o.subsample}; each of ${o.rounds} rounds then rolls out the current policy for ${o.roundSteps} env steps, labels every visited state with experts/${o.task}.policy's deterministic action (beta = 0) and retrains BC from fresh weights on everything.`,
        `Score: deterministic return over ${o.evalEpisodes} evaluation episodes (fixed reset seeds) after each round, normalised with the demonstrations' mean return and a uniform random policy's.`,
        'Wall: from the start of the run to the end of the round (rollouts, BC retraining, evaluation), mean over seeds.',
      ],
      backend: `TensorFlow.js ${backend || 'n/a'}, MuJoCo WASM`,
      columns: COLUMNS,
      rows,
      targets,
      notes: ctx.options.quick ? ['--quick: a tiny run that only checks the bench works.'] : [],
      samples,
      ...(interrupted ? { interrupted } : {}),
    };
  },
};

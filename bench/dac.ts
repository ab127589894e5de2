/**
 * `npm run bench -- dac`: DAC (Kostrikov et al. 2019) at a fixed env-step budget, the table of issue 15
 * ("Hopper ≥ 0.9 normalised with 4 trajectories subsampled 1 in 20 within 300k env steps, 3 seeds;
 * HalfCheetah and Walker2d at the same budget"). For each task and seed, one `train --algo dac` run as a
 * user types it (src/cli/train.ts), in `<runs-dir>/<task>-<T>traj-s<seed>`:
 *
 *   - a folder with a checkpoint is continued (`train --resume`), one that reached the budget only
 *     evaluated again; otherwise the run starts (replacing what the folder holds)
 *   - score: the command's deterministic evaluation of policy.policy (10 episodes, fixed reset seeds),
 *     normalised with the demonstrations' mean return and a uniform random policy's
 *
 * Rows `<task>-dac`: score mean and std over seeds, each seed's score, env steps, training wall-clock.
 * The runs take hours on wasm (docs/dac.md): Ctrl-C stops the run in progress after its round, and the
 * same command continues it. Its own flags, after `dac`: see DAC_BENCH_FLAGS_HELP.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTrainArgs, type TrainResult, train } from '../src/cli/train.js';
import { GailBridgeError } from '../src/core/errors.js';
import { meanStd } from '../src/learn/evaluate.js';
import { isTaskName } from '../src/sim/tasks/index.js';
import { DAC_BENCH_FLAGS_HELP } from './dac-flags.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';

/** The dac bench's settings (its flags). */
export interface DacBenchOptions {
  readonly tasks: readonly string[];
  readonly seeds: number;
  readonly firstSeed: number;
  readonly steps: number;
  readonly trajectories: number;
  readonly subsample: number;
  readonly runsDir: string;
}

/** Parses the bench's own flags; `quick` shrinks everything to InvertedPendulum, one seed, 2 000 steps. */
export function parseDacBenchArgs(args: readonly string[], quick: boolean): DacBenchOptions {
  const names = ['tasks', 'seeds', 'first-seed', 'steps', 'trajectories', 'subsample', 'runs-dir'];
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: Object.fromEntries(names.map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }));
  } catch (err) {
    throw new GailBridgeError(
      'config',
      `bench dac: ${err instanceof Error ? err.message : String(err)}; its flags: ${DAC_BENCH_FLAGS_HELP}`,
    );
  }
  const int = (flag: string, fallback: number, min: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new GailBridgeError('config', `bench dac: --${flag}: expected an integer ≥ ${min}, got ${v}`);
    return n;
  };
  const tasks = (values['tasks'] ?? (quick ? 'inverted-pendulum' : 'hopper')).split(',').map((t) => t.trim());
  for (const t of tasks)
    if (!isTaskName(t)) throw new GailBridgeError('config', `bench dac: --tasks: no built-in task "${t}"`);
  return {
    tasks,
    seeds: int('seeds', quick ? 1 : 3, 1),
    firstSeed: int('first-seed', 0, 0),
    steps: int('steps', quick ? 2000 : 300_000, 1),
    trajectories: int('trajectories', 4, 1),
    subsample: int('subsample', quick ? 1 : 20, 1),
    runsDir: values['runs-dir'] ?? (quick ? 'runs/bench-dac-quick' : 'runs/bench-dac'),
  };
}

const COLUMNS: readonly Column[] = [
  { key: 'envSteps', title: 'env steps', format: 'count', unit: 'env steps trained, per seed' },
  { key: 'score', title: 'score', format: 'decimal', unit: 'normalised score, mean over seeds' },
  { key: 'scoreStd', title: '± std', format: 'decimal' },
  { key: 'return', title: 'return', format: 'decimal', unit: 'deterministic return, mean over seeds' },
  { key: 'perSeed', title: 'per seed', format: 'text' },
  { key: 'wall', title: 'wall', format: 'seconds', unit: 's of training, mean over seeds' },
];

/** One run: continued or evaluated when its folder has a checkpoint, else started. */
async function runOne(o: DacBenchOptions, task: string, seed: number, dir: string): Promise<TrainResult> {
  const args = existsSync(join(dir, 'checkpoint.policy'))
    ? ['--resume', dir]
    : [
        ...['--algo', 'dac', '--task', task, '--demos', `demos/${task}.mcap`],
        ...['--trajectories', String(o.trajectories), '--subsample', String(o.subsample)],
        ...['--steps', String(o.steps), '--seed', String(seed), '--out', dir, '--force'],
      ];
  const { flags, typed, given } = parseTrainArgs([...args, '--json']);
  return train(flags, typed, given, (message) => {
    throw new GailBridgeError('usage', `bench dac: ${message}`);
  });
}

export const bench: Bench = {
  name: 'dac',
  description: 'DAC at a fixed env-step budget: normalised score over seeds',
  rowKeys: [],
  async run(ctx: BenchContext): Promise<BenchReport> {
    const o = parseDacBenchArgs(ctx.options.args, ctx.options.quick);
    const rows: Row[] = [];
    const samples: Record<string, Record<string, number[]>> = {};
    let stopped: string | undefined;
    for (const task of o.tasks) {
      const results: TrainResult[] = [];
      for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds && !stopped; seed++) {
        const dir = join(o.runsDir, `${task}-${o.trajectories}traj-s${seed}`);
        ctx.log(`dac: ${task}, seed ${seed} in ${dir}`);
        const r = await runOne(o, task, seed, dir);
        if (r.end === 'stopped') {
          stopped = `stopped by ${r.stoppedBy} in ${dir}; the same command continues it`;
          break;
        }
        ctx.log(`    score ${Number(r.details['normalizedScore']).toFixed(3)}, ${r.envSteps} env steps`);
        results.push(r);
      }
      if (results.length === 0) continue;
      const scores = results.map((r) => Number(r.details['normalizedScore'] ?? Number.NaN));
      const returns = results.map((r) => r.evalReturn?.mean ?? Number.NaN);
      const walls = results.map((r) => r.wallSeconds);
      const s = meanStd(scores);
      const key = `${task}-dac`;
      samples[key] = { score: scores, return: returns, wall: walls };
      rows.push({
        key,
        cells: {
          envSteps: results[0]!.envSteps,
          score: s.mean,
          scoreStd: results.length > 1 ? s.std : null,
          return: meanStd(returns).mean,
          perSeed: scores.map((x) => x.toFixed(2)).join(', '),
          wall: meanStd(walls).mean,
        },
      });
    }
    const targets: TargetSpec[] = o.tasks.includes('hopper')
      ? [
          {
            key: 'dac-hopper',
            description: `DAC on Hopper reaches a normalised score of 0.9 within ${o.steps} env steps (mean over seeds)`,
            column: 'score',
            comparison: 'atLeast',
            threshold: 0.9,
            rows: ['hopper-dac'],
          },
        ]
      : [];
    return {
      bench: 'dac',
      title: `DAC on ${o.tasks.join(', ')} from ${o.trajectories} demonstrations (1 pair in ${o.subsample}), ${o.steps} env steps, ${o.seeds} seeds`,
      measured: [
        `Per task and seed one train --algo dac run (defaults of docs/dac.md) on the first ${o.trajectories} demonstrations of demos/<task>.mcap with one pair in ${o.subsample}, for ${o.steps} env steps.`,
        'Score: the command’s deterministic evaluation of policy.policy (10 episodes, fixed reset seeds), normalised with the demonstrations’ mean return and a uniform random policy’s.',
        'Wall: training wall-clock of the run over all its segments (resumes included).',
      ],
      backend: 'TensorFlow.js (train --backend auto), MuJoCo WASM',
      columns: COLUMNS,
      rows,
      targets,
      notes: ctx.options.quick
        ? ['--quick: a tiny InvertedPendulum run that only checks the bench works.']
        : [],
      samples,
      ...(stopped ? { interrupted: stopped } : {}),
    };
  },
};

/**
 * `npm run bench -- <name> [--json]`: runs bench/<name>.ts, prints its table (or, with --json, the result
 * as one JSON object on stdout) and saves the result to bench/results/<name>.json with the machine, the
 * date and the exact command. Benchmarks never run in CI: they take minutes and depend on the machine.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { info, jsonReplacer, positiveInt } from '../src/cli/common.js';
import { GailBridgeError } from '../src/core/errors.js';
import { writeFileAtomic } from '../src/data/atomic-file.js';
import { AIRL_BENCH_FLAGS_HELP } from './airl-flags.js';
import { DAC_BENCH_FLAGS_HELP } from './dac-flags.js';
import { DAGGER_BENCH_FLAGS_HELP } from './dagger-flags.js';
import { GAIL_FLAGS_HELP } from './gail-flags.js';
import type { Bench } from './lib/bench.js';
import { cpuTicks, loadAverage, machineInfo, machineNotes } from './lib/machine.js';
import { type BenchResult, finishReport, readBenchResult } from './lib/report.js';
import { renderResult } from './lib/table.js';

/** One entry of the bench table. */
interface BenchEntry {
  readonly description: string;
  /** The bench's own flags, for --help; a bench without them refuses any option main does not know. */
  readonly flags?: string;
  readonly load: () => Promise<{ bench: Bench }>;
}

/** Every bench, lazily imported so that `--help` loads none of them. Add new benches here. */
export const BENCHES: Readonly<Record<string, BenchEntry>> = {
  sim: {
    description:
      'MuJoCo stepping for Hopper, HalfCheetah, Ant: native 2.2.2, mujoco-js, @mujoco/mujoco raw, Env, VecEnv 1/2 workers',
    load: () => import('./sim.js'),
  },
  learn: {
    description: 'TensorFlow.js learner: PPO update throughput, act latency p50/p99, env vs learner share',
    load: () => import('./learn.js'),
  },
  ros: {
    description:
      'deploy over the in-process bus: observation → command latency p50/p99/max, deadline misses at 100/500/1000 Hz',
    load: () => import('./ros.js'),
  },
  'ros-dds': {
    description:
      'deploy between two processes over real ROS 2 (DDS, needs ROS 2 sourced and rclnodejs): latency, DDS round trip, misses at 100/500/1000 Hz',
    load: () => import('./ros-dds.js'),
  },
  'ros-rollouts': {
    description:
      'GAIL collecting from 1, 2, 4 ROS 2 simulator processes (lock-step over DDS; needs ROS 2) vs in-process envs: env steps/s, learner share',
    load: () => import('./ros-rollouts.js'),
  },
  gail: {
    description:
      'GAIL vs behavioural cloning (Ho & Ermon 2016): normalised score over seeds at 4/25 trajectories, with and without absorbing states; D and PPO step throughput (hours; --quick: under a minute)',
    flags: GAIL_FLAGS_HELP,
    load: () => import('./gail.js'),
  },
  dagger: {
    description:
      'DAgger (Ross et al. 2011) vs BC from the same 4 Hopper demonstrations: normalised score after each round of expert-labelled steps (~10 min)',
    flags: DAGGER_BENCH_FLAGS_HELP,
    load: () => import('./dagger.js'),
  },
  airl: {
    description:
      "AIRL's reward transfer (Fu et al. 2018): rewards learned by AIRL and GAIL on Ant, optimised again by PPO on ant-disabled, vs PPO on its true reward (hours; --quick: a few minutes)",
    flags: AIRL_BENCH_FLAGS_HELP,
    load: () => import('./airl.js'),
  },
  dac: {
    description:
      'DAC (Kostrikov et al. 2019) at a fixed env-step budget: normalised score over seeds on Hopper (300k steps; hours on wasm; runs are continued where they stopped)',
    flags: DAC_BENCH_FLAGS_HELP,
    load: () => import('./dac.js'),
  },
  view: {
    description:
      'the view page (gail-bridge view) drawing Hopper in headless Chromium: frames/s playing a demo and a live policy',
    load: () => import('./view.js'),
  },
};

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** The command line as a user would type it again, for the results file. */
export function commandLine(args: readonly string[], viaNpm: boolean): string {
  const quoted = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
  return viaNpm ? ['npm run bench --', ...quoted].join(' ') : ['tsx bench/main.ts', ...quoted].join(' ');
}

/** Writes `result` to `path` atomically (the project's one writer), so a crash never leaves half a JSON file. */
export function saveResult(result: BenchResult, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(result, jsonReplacer, 2)}\n`);
}

interface MainFlags {
  json: boolean;
  markdown: boolean;
  show: boolean | string;
  quick: boolean;
  save: boolean;
  repeats?: number;
  only?: string;
}

export async function main(args: string[]): Promise<void> {
  const list = Object.entries(BENCHES)
    .map(
      ([name, b]) =>
        `  ${name.padEnd(8)} ${b.description}${b.flags ? `\n  ${''.padEnd(8)} its flags: ${b.flags}` : ''}`,
    )
    .join('\n');
  const program = new Command('npm run bench --')
    .description('Runs one benchmark, prints its table and saves bench/results/<name>.json.')
    .argument('<name>', `the bench to run: ${Object.keys(BENCHES).join(', ')}`)
    .option('--json', 'print the result as one JSON object on stdout instead of the table', false)
    .option('--markdown', 'print the table as Markdown (for the README)', false)
    .option(
      '--show [file]',
      'print the saved bench/results/<name>.json (or the results file given) as a table without running anything',
      false,
    )
    .option('--repeats <n>', 'timed repeats per measure (median reported)', positiveInt('--repeats'))
    .option('--only <rows>', 'comma-separated rows to run (e.g. hopper,ant)')
    .option('--quick', 'a tiny run that only checks the bench works; implies --no-save', false)
    .option('--no-save', `do not write ${relative(process.cwd(), RESULTS_DIR)}/<name>.json`)
    .addHelpText('after', `\nBenches (a bench's own flags go after its name):\n${list}`)
    .showHelpAfterError('(add --help to list the benches and options)')
    // Options main does not know are the bench's own; they reach it as `options.args`.
    .allowUnknownOption()
    .allowExcessArguments()
    .exitOverride()
    .action(async (name: string, flags: MainFlags, cmd: Command) => {
      const entry = BENCHES[name];
      if (entry === undefined) {
        throw new GailBridgeError(
          'config',
          `bench "${name}": no such bench; choose one of ${Object.keys(BENCHES).join(', ')}`,
        );
      }
      if (flags.show) {
        // The README's tables come from here: the saved result, with the machine, date and command it holds.
        const saved = readBenchResult(
          typeof flags.show === 'string' ? flags.show : join(RESULTS_DIR, `${name}.json`),
        );
        if (flags.json) process.stdout.write(`${JSON.stringify(saved, jsonReplacer)}\n`);
        else process.stdout.write(`${renderResult(saved, flags.markdown ? 'markdown' : 'plain')}\n`);
        return;
      }
      const extra = cmd.args.slice(1);
      if (extra.length > 0 && entry.flags === undefined) {
        throw new GailBridgeError(
          'config',
          `bench ${name} takes no option or argument ${extra.join(' ')}; see npm run bench -- --help`,
        );
      }
      const { bench } = await entry.load();
      const only = flags.only?.split(',').map((s) => s.trim().toLowerCase());
      for (const key of only ?? []) {
        if (!bench.rowKeys.includes(key)) {
          throw new GailBridgeError(
            'config',
            `--only: bench ${name} has no row "${key}"; choose from ${bench.rowKeys.join(', ')}`,
          );
        }
      }
      const loadAtStart = loadAverage();
      const ticksAtStart = cpuTicks();
      const date = new Date();
      const t0 = performance.now();
      const report = await bench.run({
        options: { quick: flags.quick, repeats: flags.repeats, only, args: extra },
        log: info,
      });
      const machine = machineInfo(report.backend, loadAtStart, ticksAtStart);
      const result = finishReport(
        { ...report, notes: [...report.notes, ...machineNotes(machine)] },
        {
          date,
          command: commandLine(args, process.env['npm_lifecycle_event'] === 'bench'),
          durationS: (performance.now() - t0) / 1000,
          machine,
        },
      );
      if (report.interrupted !== undefined) {
        info(`interrupted: ${report.interrupted}; nothing saved`);
        process.exitCode = 130;
      } else if (flags.save && !flags.quick) {
        const path = join(RESULTS_DIR, `${name}.json`);
        saveResult(result, path);
        info(`saved ${relative(process.cwd(), path)}`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(result, jsonReplacer)}\n`);
      else process.stdout.write(`${renderResult(result, flags.markdown ? 'markdown' : 'plain')}\n`);
    });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof GailBridgeError) {
      info(`bench: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

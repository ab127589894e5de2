/**
 * `npm run bench -- sim`: how fast the simulation layer steps Hopper, HalfCheetah and Ant (issue 2,
 * "Benchmark"), from the engine up:
 *   native   MuJoCo 2.2.2 (Debian libmujoco-dev) through bench/native/step.c: the reference;
 *   mujoco-js  the older WASM package 0.0.7 (MuJoCo 3.3.8), a reference for the WASM build itself;
 *   raw      `@mujoco/mujoco` 3.14 `mj_step` in a bare loop: what the Env is built on;
 *   Env      the project's Env on one thread; its overhead is counted per physics step against raw;
 *   vec      the vectorised env over 1 and 2 worker threads.
 * Every simulator replays one protocol per task (bench/lib/protocol.ts): the same random controls and
 * the resets of the Env's own episodes, so they all step the same kind of trajectory. Measures are taken
 * in interleaved rounds (one pass of each per round) and reported as medians over rounds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../src/core/errors.js';
import type { Bench, BenchContext } from './lib/bench.js';
import { buildNativeHarness, NATIVE_INSTALL_HINT, runNative } from './lib/native.js';
import { encodeProtocol, episodeCount, type Protocol, randomProtocol } from './lib/protocol.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples, summarize } from './lib/stats.js';
import { RawWasmSim, type WasmBuild, wasmVersion } from './lib/wasm-raw.js';

const TASKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'sim', 'tasks');

/**
 * The benchmarked tasks. `envSteps` per pass is sized so that one raw pass takes about 0.4 s here
 * (Hopper's RK4 steps cost ~3× HalfCheetah's Euler steps), keeping the whole bench to a few minutes.
 */
const TASKS = {
  hopper: { title: 'Hopper', file: 'hopper.xml', frameSkip: 4, envSteps: 5000 },
  halfcheetah: { title: 'HalfCheetah', file: 'half_cheetah.xml', frameSkip: 5, envSteps: 10000 },
  ant: { title: 'Ant', file: 'ant.xml', frameSkip: 5, envSteps: 6000 },
} as const;
type TaskKey = keyof typeof TASKS;
const TASK_KEYS = Object.keys(TASKS) as TaskKey[];

/** Default timed rounds; `--repeats` overrides. */
const DEFAULT_REPEATS = 5;
/** `--quick` divides the work by this and runs one round. */
const QUICK_DIVISOR = 25;
/** Seed of the protocol's random controls (and of the Env's resets). */
const SEED = 20260101;

/** Targets of issue 2: Env costs at most 15% over raw WASM stepping; 2 workers at least 1.7× one. */
const TARGETS: readonly TargetSpec[] = [
  {
    key: 'envOverhead',
    description: 'Env costs at most 15% over raw @mujoco/mujoco stepping (per physics step)',
    column: 'envOverhead',
    comparison: 'atMost',
    threshold: 0.15,
  },
  {
    key: 'vecScaling',
    description: 'the vectorised env on 2 workers steps at least 1.7× as fast as on 1',
    column: 'vecScaling',
    comparison: 'atLeast',
    threshold: 1.7,
  },
];

const COLUMNS: readonly Column[] = [
  { key: 'task', title: 'task', format: 'text' },
  { key: 'native', title: 'native 2.2.2', format: 'rate', unit: 'physics steps/s' },
  { key: 'mujocoJs', title: 'mujoco-js', format: 'rate', unit: 'physics steps/s' },
  { key: 'jsVsNative', title: 'js/native', format: 'ratio' },
  { key: 'raw', title: '@mujoco raw', format: 'rate', unit: 'physics steps/s' },
  { key: 'rawVsJs', title: 'raw/js', format: 'ratio' },
  { key: 'env', title: 'Env', format: 'rate', unit: 'env steps/s' },
  { key: 'envOverhead', title: 'Env overhead', format: 'percent' },
  { key: 'vec1', title: 'vec 1w', format: 'rate', unit: 'env steps/s (all envs)' },
  { key: 'vec2', title: 'vec 2w', format: 'rate', unit: 'env steps/s (all envs)' },
  { key: 'vecScaling', title: '2w/1w', format: 'ratio' },
];

/** Physics steps per second of one timing. */
function rate(t: { seconds: number; physicsSteps: number }): number {
  return t.physicsSteps / t.seconds;
}

/** Runs the bench for the selected tasks. */
async function run(ctx: BenchContext): Promise<BenchReport> {
  const { quick } = ctx.options;
  const repeats = quick ? 1 : (ctx.options.repeats ?? DEFAULT_REPEATS);
  const tasks = (ctx.options.only ?? TASK_KEYS) as TaskKey[];
  const samples = new Samples();
  const notes: string[] = [];
  const rows: Row[] = [];

  const native = buildNativeHarness();
  if (!native.ok) notes.push(`native: not measured: ${native.reason}`);
  let nativeVersion = 'n/a';
  const rawVersion = await wasmVersion('@mujoco/mujoco');
  const jsVersion = await wasmVersion('mujoco-js');

  const scratch = mkdtempSync(join(tmpdir(), 'gail-bridge-bench-'));
  try {
    for (const key of tasks) {
      const task = TASKS[key];
      const file = join(TASKS_DIR, task.file);
      const envSteps = quick ? Math.ceil(task.envSteps / QUICK_DIVISOR) : task.envSteps;
      ctx.log(`sim ${task.title}: ${envSteps} env steps per pass × ${repeats} rounds (+1 warm-up)`);

      const raw = await RawWasmSim.open('@mujoco/mujoco', TASKS_DIR, file, 'tasks');
      const js = await openOrNote('mujoco-js', file, notes);
      try {
        const protocol = randomProtocol({
          ...raw.ctrlRange(),
          frameSkip: task.frameSkip,
          steps: envSteps,
          seed: SEED,
          episodeLength: () => 1000,
        });
        const protocolFile = join(scratch, `${key}.protocol`);
        writeFileSync(protocolFile, encodeProtocol(protocol));

        let nativeOk = native.ok;
        raw.replay(protocol);
        js?.replay(protocol);
        for (let round = 0; round < repeats; round++) {
          if (native.ok && nativeOk) {
            try {
              const r = runNative(native.binary, file, protocolFile, round === 0 ? 1 : 0, 1);
              nativeVersion = r.version;
              samples.add(key, 'native', rate(r.timings[0]!));
            } catch (err) {
              if (!(err instanceof GailBridgeError)) throw err;
              notes.push(`native: ${task.title} not measured: ${err.message}`);
              nativeOk = false;
            }
          }
          if (js !== undefined) samples.add(key, 'mujocoJs', rate(js.replay(protocol)));
          samples.add(key, 'raw', rate(raw.replay(protocol)));
          ctx.log(`  round ${round + 1}/${repeats} done`);
        }
        rows.push(makeRow(key, samples, protocol));
      } finally {
        raw.dispose();
        js?.dispose();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  notes.push('Env and vectorised env: not measured yet (src/sim Env/VecEnv not available in this tree).');

  return {
    bench: 'sim',
    title: `Simulation speed: native MuJoCo ${nativeVersion} vs WASM (mujoco-js ${jsVersion}, @mujoco/mujoco ${rawVersion})`,
    backend: `@mujoco/mujoco ${rawVersion} WASM single-threaded; mujoco-js ${jsVersion}; native libmujoco ${nativeVersion}`,
    measured: [
      'native, mujoco-js, @mujoco raw: physics steps (mj_step calls) per second replaying the protocol: uniform random controls in ctrlrange, ctrl written once per env step, mj_resetData at each episode start.',
      'js/native and raw/js: medians of the per-round ratios (the two numbers of a ratio are taken seconds apart).',
      `${repeats} timed rounds after one warm-up pass of each (JIT); medians reported, min/max in the JSON spread.`,
    ],
    columns: COLUMNS,
    rows,
    targets: TARGETS,
    notes,
    samples: samples.toJSON(),
  };
}

/** Opens a reference build, or records in `notes` why it could not load this model. */
async function openOrNote(build: WasmBuild, file: string, notes: string[]): Promise<RawWasmSim | undefined> {
  try {
    return await RawWasmSim.open(build, TASKS_DIR, file, 'tasks');
  } catch (err) {
    if (!(err instanceof GailBridgeError)) throw err;
    notes.push(`${build}: ${err.message}`);
    return undefined;
  }
}

/** Median of per-round ratios a/b, or null when either side was not measured in every round. */
function pairedRatio(samples: Samples, row: string, a: string, b: string): number | null {
  const xs = samples.get(row, a);
  const ys = samples.get(row, b);
  if (xs.length === 0 || xs.length !== ys.length) return null;
  return summarize(xs.map((x, i) => x / ys[i]!)).median;
}

/** One table row from the samples of a task. */
function makeRow(key: TaskKey, samples: Samples, protocol: Protocol): Row {
  const cells: Record<string, number | string | null> = { task: TASKS[key].title };
  const spread: Record<string, { min: number; max: number; n: number }> = {};
  for (const m of ['native', 'mujocoJs', 'raw', 'env', 'vec1', 'vec2']) {
    const s = samples.summary(key, m);
    cells[m] = s?.median ?? null;
    if (s !== undefined) spread[m] = { min: s.min, max: s.max, n: s.n };
  }
  cells['jsVsNative'] = pairedRatio(samples, key, 'mujocoJs', 'native');
  cells['rawVsJs'] = pairedRatio(samples, key, 'raw', 'mujocoJs');
  const envPhysics = pairedRatio(samples, key, 'raw', 'envPhysics');
  cells['envOverhead'] = envPhysics === null ? null : envPhysics - 1;
  cells['vecScaling'] = pairedRatio(samples, key, 'vec2', 'vec1');
  void episodeCount(protocol);
  return { key, cells, spread };
}

export const bench: Bench = {
  name: 'sim',
  description: 'MuJoCo stepping speed: native, mujoco-js, @mujoco/mujoco raw, Env, VecEnv 1/2 workers',
  rowKeys: TASK_KEYS,
  run,
};

export { NATIVE_INSTALL_HINT };

/**
 * `npm run bench -- sim`: how fast the simulation layer steps Hopper, HalfCheetah, Ant and Humanoid (issue 2,
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
import { GailBridgeError } from '../src/core/errors.js';
import type { MujocoEnv } from '../src/sim/env.js';
import { getTask, makeTaskEnv, taskXmlPath } from '../src/sim/tasks/index.js';
import type { VecEnv } from '../src/sim/types.js';
import { makeVecEnv } from '../src/sim/vec-env.js';
import type { Bench, BenchContext } from './lib/bench.js';
import { type EnvReplay, replayEnv } from './lib/env-replay.js';
import { buildNativeHarness, runNative } from './lib/native.js';
import { encodeProtocol, lockStepBatches, randomProtocol, withEpisodeLengths } from './lib/protocol.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples, summarize, timeSecondsAsync } from './lib/stats.js';
import { RawWasmSim, type WasmBuild, wasmVersion } from './lib/wasm-raw.js';

/**
 * The benchmarked built-in tasks (src/sim/tasks), by CLI name, with the env steps of one pass: sized so
 * that one raw pass takes about 0.4 s here (Hopper's RK4 steps cost ~3× HalfCheetah's Euler steps,
 * Humanoid's RK4 steps with their contacts ~25×), keeping the whole bench to a few minutes.
 */
const TASK_STEPS = { hopper: 5000, 'half-cheetah': 10000, ant: 6000, humanoid: 500 } as const;
type TaskKey = keyof typeof TASK_STEPS;
const TASK_KEYS = Object.keys(TASK_STEPS) as TaskKey[];

/** Default timed rounds; `--repeats` overrides. */
const DEFAULT_REPEATS = 5;
/** `--quick` divides the work by this and runs one round. */
const QUICK_DIVISOR = 25;
/** Seed of the protocol's random controls and of the Env's resets. */
const SEED = 20260101;
/**
 * Envs in the vectorised env, the same count on 1 and 2 workers (so the ratio is the speed-up of the
 * same work; 4 envs per worker at 2 workers amortise the per-step hand-off).
 */
const VEC_ENVS = 8;

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

/** Everything one task's rounds step, owned here and disposed together. */
interface TaskRig {
  readonly env: MujocoEnv;
  readonly raw: RawWasmSim;
  readonly js: RawWasmSim | undefined;
  readonly vec1: VecEnv;
  readonly vec2: VecEnv;
}

/** Runs the bench for the selected tasks. */
async function run(ctx: BenchContext): Promise<BenchReport> {
  const { quick } = ctx.options;
  const repeats = quick ? 1 : (ctx.options.repeats ?? DEFAULT_REPEATS);
  const tasks = (ctx.options.only ?? TASK_KEYS) as TaskKey[];
  const samples = new Samples();
  const notes: string[] = [];
  const episodes: string[] = [];
  const rows: Row[] = [];

  const native = buildNativeHarness();
  if (!native.ok) notes.push(`native: not measured: ${native.reason}`);
  let nativeVersion = '2.2.2';
  const rawVersion = await wasmVersion('@mujoco/mujoco');
  const jsVersion = await wasmVersion('mujoco-js');

  const scratch = mkdtempSync(join(tmpdir(), 'gail-bridge-bench-'));
  try {
    for (const key of tasks) {
      const task = getTask(key);
      const file = taskXmlPath(task);
      const envSteps = quick ? Math.ceil(TASK_STEPS[key] / QUICK_DIVISOR) : TASK_STEPS[key];
      ctx.log(`sim ${task.title}: ${envSteps} env steps per pass, ${repeats} rounds after a warm-up`);
      const rig = await openRig(key, file, notes);
      try {
        const { env, raw, js, vec1, vec2 } = rig;
        // The Env's first pass is the warm-up and records its episodes; the raw loops then reset where
        // the Env's episodes ended, so every simulator steps the same mix of falling and running.
        const draft = randomProtocol({
          low: [...env.spec.action.low],
          high: [...env.spec.action.high],
          frameSkip: env.spec.frameSkip,
          steps: envSteps,
          seed: SEED,
          episodeLength: () => envSteps,
        });
        const recorded = replayEnv(env, draft, SEED);
        const protocol = withEpisodeLengths(draft, recorded.lengths);
        episodes.push(describeEpisodes(task.title, recorded));
        const protocolFile = join(scratch, `${key}.protocol`);
        writeFileSync(protocolFile, encodeProtocol(protocol));
        const batches = lockStepBatches(protocol, VEC_ENVS);
        // Tasks whose reward uses contact forces (Ant, Gymnasium v5 contact cost) make the Env call
        // mj_rnePostConstraint once per env step: timed separately so the Env's own share is visible.
        const rne = getTask(key).build(env.model.info, {}).needsContactForces;
        if (rne) raw.replay(protocol, { rnePostConstraint: true });

        raw.replay(protocol);
        js?.replay(protocol);
        await replayVec(vec1, batches);
        await replayVec(vec2, batches);
        let nativeOk = native.ok;
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
          if (rne) samples.add(key, 'rawRne', rate(raw.replay(protocol, { rnePostConstraint: true })));
          const e = replayEnv(env, protocol, SEED);
          samples.add(key, 'envPhysics', rate(e));
          samples.add(key, 'env', e.envSteps / e.seconds);
          samples.add(key, 'vec1', await replayVec(vec1, batches));
          samples.add(key, 'vec2', await replayVec(vec2, batches));
          ctx.log(
            `  round ${round + 1}/${repeats}: raw ${fmt(samples, key, 'raw')}, Env ${fmt(samples, key, 'env')}`,
          );
        }
        rows.push(makeRow(key, task.title, samples));
        if (rne) notes.push(describeRne(task.title, key, samples));
      } finally {
        await closeRig(rig);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  return {
    bench: 'sim',
    title: `Simulation speed: native MuJoCo ${nativeVersion} vs WASM (mujoco-js ${jsVersion}, @mujoco/mujoco ${rawVersion})`,
    backend: `@mujoco/mujoco ${rawVersion} WASM single-threaded; mujoco-js ${jsVersion}; native libmujoco ${nativeVersion}`,
    measured: [
      "Workload per task: one protocol of uniform random controls in ctrlrange (seeded), with resets where the Env's own episodes ended (terminated or truncated) on that protocol; every simulator replays it.",
      'native, mujoco-js, @mujoco raw: physics steps (mj_step calls) per second; ctrl written once per env step, mj_resetData at each episode start.',
      'Env: env steps per second through Env.reset/step on one thread (action checks and clipping, divergence checks, observation, reward). Env overhead = raw physics steps/s ÷ Env physics steps/s − 1 (an env step is frameSkip physics steps).',
      `vec 1w / 2w: env steps per second summed over ${VEC_ENVS} envs stepped in lock-step by VecEnv on 1 and on 2 worker threads (reset included), with the protocol's controls.`,
      'Ratios (js/native, raw/js, Env overhead, 2w/1w) are medians of per-round ratios, whose two sides are measured seconds apart.',
      `${repeats} timed rounds, each one pass of every simulator in turn, after one untimed warm-up pass of each (JIT); medians reported, min/max in the JSON spread.`,
      ...episodes,
    ],
    columns: COLUMNS,
    rows,
    targets: TARGETS,
    notes,
    samples: samples.toJSON(),
  };
}

/** Opens every simulator of a task; what fails to open is closed again before the error propagates. */
async function openRig(key: TaskKey, file: string, notes: string[]): Promise<TaskRig> {
  const opened: { env?: MujocoEnv; raw?: RawWasmSim; js?: RawWasmSim; vec1?: VecEnv } = {};
  try {
    opened.env = await makeTaskEnv(key, { seed: SEED });
    opened.raw = await RawWasmSim.open('@mujoco/mujoco', dirname(file), file, 'tasks');
    opened.js = await openOrNote('mujoco-js', file, notes);
    opened.vec1 = await makeVecEnv({ kind: 'task', task: key }, { numEnvs: VEC_ENVS, workers: 1 });
    const vec2 = await makeVecEnv({ kind: 'task', task: key }, { numEnvs: VEC_ENVS, workers: 2 });
    return { env: opened.env, raw: opened.raw, js: opened.js, vec1: opened.vec1, vec2 };
  } catch (err) {
    opened.env?.dispose();
    opened.raw?.dispose();
    opened.js?.dispose();
    await opened.vec1?.dispose();
    throw err;
  }
}

/** Frees every handle of a task. */
async function closeRig(rig: TaskRig): Promise<void> {
  rig.env.dispose();
  rig.raw.dispose();
  rig.js?.dispose();
  await rig.vec1.dispose();
  await rig.vec2.dispose();
}

/** Env steps per second (all envs) of one vectorised pass: reset, then every batch in lock-step. */
async function replayVec(vec: VecEnv, batches: readonly Float32Array[]): Promise<number> {
  const seconds = await timeSecondsAsync(async () => {
    await vec.reset(SEED);
    for (const b of batches) await vec.step(b);
  });
  return (batches.length * vec.numEnvs) / seconds;
}

/** "Hopper: 5000 env steps in 180 episodes (179 terminated, 0 truncated, 0 diverged, 1 cut by the end)". */
function describeEpisodes(title: string, r: EnvReplay): string {
  const cutAtEnd = r.lengths.length - r.ends.terminated - r.ends.truncated - r.ends.diverged;
  return `${title} workload: ${r.envSteps} env steps in ${r.lengths.length} episodes (${r.ends.terminated} terminated, ${r.ends.truncated} truncated, ${r.ends.diverged} diverged, ${cutAtEnd} running at the end); median episode ${summarize(r.lengths).median} steps.`;
}

/** How much of the Env's overhead the contact-force pass explains, for tasks that need one. */
function describeRne(title: string, key: string, samples: Samples): string {
  const rneCost = samples.pairedRatio(key, 'raw', 'rawRne');
  const envOverRne = samples.pairedRatio(key, 'rawRne', 'envPhysics');
  const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${((x - 1) * 100).toFixed(1)}%`);
  return `${title}: its reward needs contact forces, so the Env calls mj_rnePostConstraint once per env step (Gymnasium v5 contact cost); that call alone costs ${pct(rneCost)} over raw stepping, and the Env costs ${pct(envOverRne)} over raw stepping plus that call.`;
}

/** The latest sample of a rate, formatted for progress lines. */
function fmt(samples: Samples, row: string, measure: string): string {
  const xs = samples.get(row, measure);
  const x = xs[xs.length - 1];
  return x === undefined ? 'n/a' : `${Math.round(x)}/s`;
}

/** Opens a reference build, or records in `notes` why it could not load this model. */
async function openOrNote(build: WasmBuild, file: string, notes: string[]): Promise<RawWasmSim | undefined> {
  try {
    return await RawWasmSim.open(build, dirname(file), file, 'tasks');
  } catch (err) {
    if (!(err instanceof GailBridgeError)) throw err;
    notes.push(`${build}: ${err.message}`);
    return undefined;
  }
}

/** One table row from the samples of a task. */
function makeRow(key: TaskKey, title: string, samples: Samples): Row {
  const cells: Record<string, number | string | null> = { task: title };
  const spread: Record<string, { min: number; max: number; n: number }> = {};
  for (const m of ['native', 'mujocoJs', 'raw', 'env', 'vec1', 'vec2']) {
    const s = samples.summary(key, m);
    cells[m] = s?.median ?? null;
    if (s !== undefined) spread[m] = { min: s.min, max: s.max, n: s.n };
  }
  cells['jsVsNative'] = samples.pairedRatio(key, 'mujocoJs', 'native') ?? null;
  cells['rawVsJs'] = samples.pairedRatio(key, 'raw', 'mujocoJs') ?? null;
  const rawOverEnv = samples.pairedRatio(key, 'raw', 'envPhysics');
  cells['envOverhead'] = rawOverEnv === undefined ? null : rawOverEnv - 1;
  cells['vecScaling'] = samples.pairedRatio(key, 'vec2', 'vec1') ?? null;
  return { key, cells, spread };
}

export const bench: Bench = {
  name: 'sim',
  description: 'MuJoCo stepping speed: native, mujoco-js, @mujoco/mujoco raw, Env, VecEnv 1/2 workers',
  rowKeys: TASK_KEYS,
  run,
};

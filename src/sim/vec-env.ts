/**
 * `makeVecEnv`: N envs over W worker threads (W = 0 runs them in this thread), stepped in lock-step.
 * Observations, actions and results live in SharedArrayBuffers; a step writes the actions, bumps each
 * worker's command word with Atomics and waits for every worker's completion word: blocking on the futex
 * for up to SYNC_WAIT_MS (the common case, a step being a millisecond or so), then through
 * Atomics.waitAsync so the event loop runs and a worker that dies rejects the step instead of hanging it.
 * Env i is seeded seed + i on reset; ended episodes auto-reset, or with `autoReset: false` wait for
 * `resetEnvs` with seeds the caller chooses (see VecEnv in types.ts).
 */
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, GailBridgeError } from '../core/errors.js';
import { loadMujoco } from './mujoco.js';
import type { EnvSpec, VecEnv, VecStepResult } from './types.js';
import {
  allocateShared,
  buildEnv,
  CTRL,
  commandSlot,
  doneSlot,
  type EnvRecipe,
  EnvSlice,
  OP,
  type SharedViews,
  splitEnvs,
  viewShared,
} from './vec-core.js';
import type { WorkerInit, WorkerMessage } from './vec-worker.js';

export type { EnvRecipe } from './vec-core.js';

export interface VecEnvOptions {
  /** Number of envs N (≥ 1). */
  readonly numEnvs: number;
  /** Worker threads W (0 = step in this thread); more workers than envs are not started. Default 0. */
  readonly workers?: number;
  /**
   * Command-word checks a worker spins through after a step before it sleeps on the futex (see
   * vec-worker.ts); default SPIN_CHECKS. 0 makes idle workers sleep at once, which leaves the cores to
   * other work in the process (a policy on the main thread) at the price of a futex wake-up per step.
   */
  readonly spinChecks?: number;
  /**
   * Reset an env at once when its episode ends (default true). false: its `obs` row keeps the final
   * observation and the caller resets it with `resetEnvs`, choosing the seed (streams/env-source.ts
   * `vecEnvAsBatch` seeds episodes as `envsAsBatch` does, so both give the same episodes).
   */
  readonly autoReset?: boolean;
}

/**
 * Default spin: ~0.3 ms on the development machines (a bare loop of 20k checks took 100–130 µs). Measured
 * with bench/probes/vec-spin.ts as the sim bench's vec rows are (8 envs, 2 workers against 1, random
 * actions, 1000 lock-step batches, 7–9 interleaved rounds; medians over Hopper / HalfCheetah / Ant in two
 * runs): no spin 1.48–1.64×,
 * 1k checks 1.47–1.68×, 5k 1.50–1.78×, 20k 1.58–1.78×, 60k 1.62–1.81×, 120k 1.59–1.62×. Spinning pays
 * even when the workers hold every core: the next command comes within microseconds of the last result,
 * and a worker asleep on the futex needs a wake-up first.
 */
export const SPIN_CHECKS = 60_000;

/** How long a step blocks the calling thread before it waits through the event loop instead. */
const SYNC_WAIT_MS = 20;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Starts the worker script beside this module: `vec-worker.js` from the compiled `dist/`, or
 * `vec-worker.ts` under tsx (tests, `npm start`). Node 20 resolves a worker's entry before the inherited
 * `--import tsx` hooks are active in it, so the `.ts` entry is reached through a small bootstrap that
 * registers tsx's ESM loader (tsx/esm/api) in the worker first.
 */
function spawnWorker(workerData: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./vec-worker.js', import.meta.url), { workerData });
  const entry = new URL('./vec-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Builds a VecEnv of `numEnvs` envs made from `recipe`. */
export async function makeVecEnv(recipe: EnvRecipe, options: VecEnvOptions): Promise<VecEnv> {
  const n = options.numEnvs;
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new GailBridgeError('config', `vec env: workers must be an integer ≥ 0, got ${workers}`);
  }
  const ranges = splitEnvs(n, Math.max(workers, 1));
  const autoReset = options.autoReset ?? true;
  if (workers === 0) {
    const mujoco = await loadMujoco();
    const envs = [];
    try {
      for (let i = 0; i < n; i++) envs.push(buildEnv(mujoco, recipe));
    } catch (err) {
      for (const e of envs) e.dispose();
      throw err;
    }
    const spec = envs[0]!.spec;
    const views = viewShared(
      allocateShared(n, dimOf(spec, 'observation'), dimOf(spec, 'action'), 1),
      n,
      dimOf(spec, 'observation'),
      dimOf(spec, 'action'),
    );
    return new InThreadVecEnv(spec, n, new EnvSlice(envs, 0, views, autoReset), views, autoReset);
  }
  const spinChecks = options.spinChecks ?? SPIN_CHECKS;
  if (!Number.isInteger(spinChecks) || spinChecks < 0)
    throw new GailBridgeError('config', `vec env: spinChecks must be an integer ≥ 0, got ${spinChecks}`);
  return WorkerVecEnv.start(recipe, n, ranges, spinChecks, autoReset);
}

const dimOf = (spec: EnvSpec, part: 'observation' | 'action'): number => spec[part].names.length;

/** Checks `resetEnvs`' seeds: N of them, each NaN (no reset) or an integer in [0, 2^32). */
function checkSeeds(n: number, seeds: Float64Array): void {
  if (seeds.length !== n)
    throw new GailBridgeError(
      'shape',
      `vec env resetEnvs: ${seeds.length} seeds for ${n} envs; give one per env`,
    );
  for (let i = 0; i < n; i++) {
    const s = seeds[i]!;
    if (!Number.isNaN(s) && !(Number.isInteger(s) && s >= 0 && s < 2 ** 32))
      throw new GailBridgeError(
        'config',
        `vec env resetEnvs: env ${i}'s seed is ${s}; expected an integer in [0, 2^32), or NaN to leave the env as it is`,
      );
  }
}

/** Checks a batch of N × actDim actions, naming the env and element of the first bad one. */
function checkActions(spec: EnvSpec, n: number, actions: Float32Array): void {
  const actDim = dimOf(spec, 'action');
  if (actions.length !== n * actDim) {
    throw new GailBridgeError(
      'shape',
      `vec env step: actions has ${actions.length} elements, expected ${n} envs × ${actDim} actuators = ${n * actDim}`,
    );
  }
  for (let j = 0; j < actions.length; j++) {
    if (!Number.isFinite(actions[j]!)) {
      const i = Math.floor(j / actDim);
      const k = j % actDim;
      throw new GailBridgeError(
        'nonFinite',
        `vec env step: env ${i} action[${k}] (${spec.actuatorNames[k]}) is ${actions[j]} (flat index ${j}); all must be finite`,
      );
    }
  }
}

function resultOf(v: SharedViews): VecStepResult {
  return {
    obs: v.obs,
    rewards: v.rewards,
    terminated: v.terminated,
    truncated: v.truncated,
    diverged: v.diverged,
    finalObs: v.finalObs,
    episodeReturns: v.episodeReturns,
    episodeLengths: v.episodeLengths,
  };
}

class InThreadVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly autoReset: boolean;
  private readonly slice: EnvSlice;
  private readonly views: SharedViews;
  private disposed = false;

  constructor(spec: EnvSpec, n: number, slice: EnvSlice, views: SharedViews, autoReset: boolean) {
    this.spec = spec;
    this.numEnvs = n;
    this.slice = slice;
    this.views = views;
    this.autoReset = autoReset;
  }

  async reset(seed: number): Promise<Float32Array> {
    this.live();
    this.slice.reset(seed);
    return this.views.obs;
  }

  async resetEnvs(seeds: Float64Array): Promise<Float32Array> {
    this.live();
    checkSeeds(this.numEnvs, seeds);
    this.views.seeds.set(seeds);
    this.slice.resetSome();
    return this.views.obs;
  }

  async step(actions: Float32Array): Promise<VecStepResult> {
    this.live();
    checkActions(this.spec, this.numEnvs, actions);
    this.views.actions.set(actions);
    this.slice.step();
    return resultOf(this.views);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.slice.dispose();
  }

  private live(): void {
    if (this.disposed) throw new GailBridgeError('state', 'vec env used after dispose(); make a new one');
  }
}

class WorkerVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly autoReset: boolean;
  private readonly workers: Worker[];
  private readonly views: SharedViews;
  private seq = 0;
  private failure: GailBridgeError | undefined;
  private rejectPending: ((err: GailBridgeError) => void) | undefined;
  private disposed = false;
  private busy = false;

  private constructor(spec: EnvSpec, n: number, workers: Worker[], views: SharedViews, autoReset: boolean) {
    this.spec = spec;
    this.numEnvs = n;
    this.autoReset = autoReset;
    this.workers = workers;
    this.views = views;
    workers.forEach((w, index) => {
      w.on('error', (err) => this.fail(index, err instanceof Error ? err.message : String(err)));
      w.on('exit', (code) => {
        if (!this.disposed) this.fail(index, `exited with code ${code}`);
      });
    });
  }

  /** Starts the workers, waits for each to build its envs, then hands them the shared memory. */
  static async start(
    recipe: EnvRecipe,
    n: number,
    ranges: { start: number; count: number }[],
    spinChecks: number,
    autoReset: boolean,
  ): Promise<WorkerVecEnv> {
    const workers = ranges.map((r, index) =>
      spawnWorker({ recipe, index, start: r.start, count: r.count, numEnvs: n, spinChecks, autoReset }),
    );
    let specs: EnvSpec[];
    try {
      specs = await Promise.all(workers.map((w, index) => firstMessage(w, index)));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    const spec = specs[0]!;
    const obsDim = dimOf(spec, 'observation');
    const actDim = dimOf(spec, 'action');
    const buffers = allocateShared(n, obsDim, actDim, workers.length);
    for (const w of workers) w.postMessage(buffers);
    return new WorkerVecEnv(spec, n, workers, viewShared(buffers, n, obsDim, actDim), autoReset);
  }

  async reset(seed: number): Promise<Float32Array> {
    this.live();
    this.views.params[0] = seed;
    await this.command(OP.reset);
    return this.views.obs;
  }

  async resetEnvs(seeds: Float64Array): Promise<Float32Array> {
    this.live();
    checkSeeds(this.numEnvs, seeds);
    this.views.seeds.set(seeds);
    await this.command(OP.resetSome);
    return this.views.obs;
  }

  async step(actions: Float32Array): Promise<VecStepResult> {
    this.live();
    checkActions(this.spec, this.numEnvs, actions);
    this.views.actions.set(actions);
    await this.command(OP.step);
    return resultOf(this.views);
  }

  /** Fault injection for tests: makes worker `index` throw while serving the next command. */
  async crashWorkerForTest(index: number): Promise<void> {
    this.live();
    const c = this.views.control;
    Atomics.store(c, CTRL.op, OP.crash);
    Atomics.add(c, commandSlot(index), 1);
    Atomics.notify(c, commandSlot(index));
    await new Promise<void>((resolve) => this.workers[index]!.once('exit', () => resolve()));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const c = this.views.control;
    Atomics.store(c, CTRL.op, OP.exit);
    this.workers.forEach((_, w) => {
      Atomics.add(c, commandSlot(w), 1);
      Atomics.notify(c, commandSlot(w));
    });
    // terminate() also ends a worker that is mid-step or wedged; exit frees its WASM heap with it.
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.rejectPending?.(new GailBridgeError('state', 'vec env disposed while a step was in flight'));
  }

  private live(): void {
    if (this.disposed) throw new GailBridgeError('state', 'vec env used after dispose(); make a new one');
    if (this.failure !== undefined) throw this.failure;
    if (this.busy) {
      throw new GailBridgeError(
        'state',
        'vec env: reset/step called while another is in flight; await each call',
      );
    }
  }

  /** Signals `op` to every worker and resolves when all have completed it. */
  private async command(op: number): Promise<void> {
    this.live();
    this.busy = true;
    const c = this.views.control;
    const seq = ++this.seq;
    Atomics.store(c, CTRL.op, op);
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(c, commandSlot(w), seq);
      Atomics.notify(c, commandSlot(w));
    }
    const failed = new Promise<never>((_, reject) => {
      this.rejectPending = reject;
    });
    // Handled by the race below; this keeps a failure between awaits from being an unhandled rejection.
    failed.catch(() => {});
    try {
      for (let w = 0; w < this.workers.length; w++) {
        const slot = doneSlot(w);
        // Fast path: block this thread on the futex for up to SYNC_WAIT_MS. A step takes a millisecond or
        // so, and Atomics.waitAsync's wake-up goes through the event loop (hundreds of µs on these
        // machines, measured by `npm run bench -- sim`), which cost more than the work on small batches.
        // Past the bound, fall back to waitAsync so the event loop runs and a dead worker rejects the call.
        let seen = Atomics.load(c, slot);
        if (seen !== seq && Atomics.wait(c, slot, seen, SYNC_WAIT_MS) !== 'timed-out')
          seen = Atomics.load(c, slot);
        for (; seen !== seq; seen = Atomics.load(c, slot)) {
          const r = waitAsync(c, slot, seen);
          if (r.async) await Promise.race([r.value, failed]);
        }
      }
      if (this.failure !== undefined) throw this.failure;
    } finally {
      this.busy = false;
      this.rejectPending = undefined;
    }
  }

  private fail(index: number, detail: string): void {
    if (this.failure !== undefined) return;
    this.failure = new GailBridgeError(
      'state',
      `vec env worker ${index} failed: ${detail}. The vec env is unusable; dispose() it and make a new one`,
    );
    this.rejectPending?.(this.failure);
  }
}

/** Resolves with the worker's env spec, or rejects with its build error or early exit. */
function firstMessage(worker: Worker, index: number): Promise<EnvSpec> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(
        new GailBridgeError(
          'state',
          `vec env worker ${index} exited (code ${code}) before its envs were built`,
        ),
      );
    const onError = (err: unknown): void =>
      reject(
        new GailBridgeError(
          'state',
          `vec env worker ${index} failed to start: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (msg: WorkerMessage) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (msg.type === 'ready') resolve(msg.spec);
      else
        reject(
          new GailBridgeError(
            Object.hasOwn(ERROR_CODES, msg.code) ? (msg.code as ErrorCode) : 'state',
            msg.message,
          ),
        );
    });
  });
}

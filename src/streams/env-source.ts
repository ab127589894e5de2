/**
 * The simulation source: an Observable of step batches from N envs driven by the current policy
 * (DESIGN "Data flow"). The hot loop — policy on the whole batch, then one step of every env — stays
 * synchronous inside this stage; only whole batches leave it.
 *
 * Ownership (STYLE 10): each subscription makes its own `BatchEnv` from the factory and disposes it when
 * the subscriber unsubscribes, errors or completes. Subscribing starts the loop; unsubscribing stops it.
 * A subscriber's `next` runs before the following step is taken, so a synchronous consumer (the GAIL
 * trainer updating the policy) is naturally on-policy: the next batch is acted by the updated policy.
 */
import { Observable, type SchedulerLike } from 'rxjs';
import { GailBridgeError } from '../core/errors.js';
import { episodeSeed } from '../core/rng.js';
import type { ActMode, Policy } from '../learn/types.js';
import type { Env, VecEnv } from '../sim/types.js';
import { END_CODES, endCode, makeStepBatch, type StepBatch } from './step-batch.js';

/**
 * What the source needs from a vectorised env (sync in-process envs, or worker-thread ones that answer
 * with promises). Ended envs reset themselves inside `step`.
 */
export interface BatchEnv {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  /** Starts every env; N × obsDim. */
  reset(seed?: number): Float32Array | Promise<Float32Array>;
  /** Steps every env with its row of `actions` (N × actDim). */
  step(actions: Float32Array): BatchStepResult | Promise<BatchStepResult>;
  /** Frees the envs (MjModel/MjData, workers). Idempotent. */
  dispose(): void | Promise<void>;
}

/**
 * One step of N envs.
 *   nextObs: N × obsDim  observation after the step (the final one where the episode ended)
 *   obs:     N × obsDim  observation to act on next: nextObs, or the reset observation where it ended
 *   rewards: N;  ends: N END_CODES
 */
export interface BatchStepResult {
  readonly nextObs: Float32Array;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly ends: Uint8Array;
}

/** Runs single `Env`s side by side in this thread as a `BatchEnv`; owns them (dispose frees all). */
export function envsAsBatch(envs: readonly Env[], seed = 0): BatchEnv {
  const first = envs[0];
  if (!first) throw new GailBridgeError('config', 'envsAsBatch: at least one env is needed');
  const obsDim = first.spec.observation.names.length;
  const actDim = first.spec.action.names.length;
  const N = envs.length;
  let episode = 0;
  let disposed = false;
  // Each env's episodes get their own seeds, derived from the root seed, so runs are reproducible.
  const nextSeed = (): number => episodeSeed(seed, episode++);
  return {
    numEnvs: N,
    obsDim,
    actDim,
    reset(resetSeed) {
      if (resetSeed !== undefined) {
        seed = resetSeed;
        episode = 0;
      }
      const out = new Float32Array(N * obsDim);
      envs.forEach((e, i) => {
        out.set(e.reset(nextSeed()), i * obsDim);
      });
      return out;
    },
    step(actions) {
      const nextObs = new Float32Array(N * obsDim);
      const obs = new Float32Array(N * obsDim);
      const rewards = new Float32Array(N);
      const ends = new Uint8Array(N);
      envs.forEach((e, i) => {
        const r = e.step(actions.subarray(i * actDim, (i + 1) * actDim));
        nextObs.set(r.obs, i * obsDim);
        rewards[i] = r.reward;
        const code = r.diverged
          ? END_CODES.diverged
          : r.terminated
            ? END_CODES.terminated
            : r.truncated
              ? END_CODES.truncated
              : endCode(undefined);
        ends[i] = code;
        obs.set(code === END_CODES.none ? r.obs : e.reset(nextSeed()), i * obsDim);
      });
      return { nextObs, obs, rewards, ends };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const e of envs) e.dispose();
    },
  };
}

/**
 * A `VecEnv` made with `autoReset: false` (worker threads, sim/vec-env.ts) as a `BatchEnv` that seeds
 * episodes exactly as `envsAsBatch` does: episode k of the batch, counted over all envs in env order
 * within a step, is reset with `episodeSeed(seed, k)`. The envs step in other threads, but the seeds are
 * chosen here, after each step, from the step's ends; so a run over `vecEnvAsBatch` gets the same
 * episodes, observations and rewards as one over `envsAsBatch` (the physics is the same WASM build and
 * the float32 rounding of observations and rewards the same), bit for bit. An ended env costs one more
 * round trip to the workers (`resetEnvs`) in that step. Owns `vec` (dispose frees it).
 */
export function vecEnvAsBatch(vec: VecEnv, seed = 0): BatchEnv {
  if (vec.autoReset)
    throw new GailBridgeError(
      'config',
      'vecEnvAsBatch: the vec env resets ended episodes itself; make it with autoReset: false so episodes are seeded here',
    );
  const N = vec.numEnvs;
  const obsDim = vec.spec.observation.names.length;
  const actDim = vec.spec.action.names.length;
  const seeds = new Float64Array(N);
  let episode = 0;
  return {
    numEnvs: N,
    obsDim,
    actDim,
    async reset(resetSeed) {
      if (resetSeed !== undefined) {
        seed = resetSeed;
        episode = 0;
      }
      for (let i = 0; i < N; i++) seeds[i] = episodeSeed(seed, episode++);
      return Float32Array.from(await vec.resetEnvs(seeds));
    },
    async step(actions) {
      const r = await vec.step(actions);
      // Without auto-reset, obs rows of ended envs hold their final observation.
      const nextObs = Float32Array.from(r.obs);
      const rewards = Float32Array.from(r.rewards);
      const ends = new Uint8Array(N);
      let ended = false;
      for (let i = 0; i < N; i++) {
        const code = r.diverged[i]
          ? END_CODES.diverged
          : r.terminated[i]
            ? END_CODES.terminated
            : r.truncated[i]
              ? END_CODES.truncated
              : END_CODES.none;
        ends[i] = code;
        // In env order, as envsAsBatch draws its seeds.
        seeds[i] = code === END_CODES.none ? Number.NaN : episodeSeed(seed, episode++);
        if (code !== END_CODES.none) ended = true;
      }
      const obs = ended ? Float32Array.from(await vec.resetEnvs(seeds)) : nextObs.slice();
      return { nextObs, obs, rewards, ends };
    },
    dispose: () => vec.dispose(),
  };
}

/**
 * Where a source's time goes, accumulated in seconds: the policy choosing actions (`act`) and the envs
 * stepping (`env`: in this thread, or waiting for the worker threads). The caller reads and zeroes it
 * (`take`) once per round.
 */
export class SourceClock {
  act = 0;
  env = 0;

  /** The seconds so far, and zero again. */
  take(): { readonly actSeconds: number; readonly envSeconds: number } {
    const out = { actSeconds: this.act, envSeconds: this.env };
    this.act = 0;
    this.env = 0;
    return out;
  }
}

export interface EnvSourceOptions {
  /** Seed for the first reset; later episodes continue each env's stream. */
  readonly seed?: number;
  /** How the policy acts; default stochastic (training). */
  readonly mode?: ActMode;
  /**
   * Schedules each step (tests pass a TestScheduler). Default: `setImmediate`, so timers and signal
   * handlers (Ctrl-C) run between batches without slowing a fast env by a 1 ms timer clamp.
   */
  readonly scheduler?: SchedulerLike;
  /** Delay between batches on `scheduler`, in its time unit (frames for a TestScheduler); default 1. */
  readonly delay?: number;
  /** Accumulates the time spent acting and stepping (see SourceClock); default none. */
  readonly clock?: SourceClock;
}

/** Step batches from a fresh `BatchEnv` per subscription, driven by `policy`; see the file comment. */
export function envSource(
  makeEnv: () => BatchEnv | Promise<BatchEnv>,
  policy: Policy,
  options: EnvSourceOptions = {},
): Observable<StepBatch> {
  const mode = options.mode ?? 'stochastic';
  return new Observable<StepBatch>((subscriber) => {
    let env: BatchEnv | undefined;
    let closed = false;
    let obs: Float32Array | undefined;
    let immediate: NodeJS.Immediate | undefined;

    const fail = (err: unknown): void => {
      if (!closed) subscriber.error(err);
    };
    const schedule = (f: () => void): void => {
      if (closed) return;
      if (options.scheduler) subscriber.add(options.scheduler.schedule(f, options.delay ?? 1));
      else immediate = setImmediate(f);
    };
    const clock = options.clock;
    let stepFrom = 0;
    const afterStep = (r: BatchStepResult, acted: Float32Array, logProbs: Float32Array, at: Float32Array) => {
      if (closed) return;
      if (clock) clock.env += (performance.now() - stepFrom) / 1000;
      const e = env!;
      const batch = makeStepBatch({
        numEnvs: e.numEnvs,
        obsDim: e.obsDim,
        actDim: e.actDim,
        obs: at,
        actions: acted,
        logProbs,
        rewards: r.rewards,
        nextObs: r.nextObs,
        ends: r.ends,
      });
      obs = r.obs;
      subscriber.next(batch);
      schedule(tick);
    };
    const tick = (): void => {
      if (closed) return;
      try {
        const e = env!;
        const at = obs!;
        const actFrom = clock ? performance.now() : 0;
        const { actions, logProbs } = policy.act(at, e.numEnvs, mode);
        if (clock) {
          stepFrom = performance.now();
          clock.act += (stepFrom - actFrom) / 1000;
        }
        const r = e.step(actions);
        if (r instanceof Promise) r.then((v) => afterStep(v, actions, logProbs, at), fail);
        else afterStep(r, actions, logProbs, at);
      } catch (err) {
        fail(err);
      }
    };
    const start = (e: BatchEnv): void => {
      if (closed) {
        void e.dispose();
        return;
      }
      env = e;
      if (e.obsDim !== policy.obsDim || e.actDim !== policy.actDim) {
        fail(
          new GailBridgeError(
            'spec',
            `env source: env has obsDim/actDim ${e.obsDim}/${e.actDim}, the policy ${policy.obsDim}/${policy.actDim}`,
          ),
        );
        return;
      }
      const first = e.reset(options.seed);
      const go = (o: Float32Array): void => {
        obs = o;
        schedule(tick);
      };
      if (first instanceof Promise) first.then(go, fail);
      else go(first);
    };

    try {
      const made = makeEnv();
      if (made instanceof Promise) made.then(start, fail);
      else start(made);
    } catch (err) {
      fail(err);
    }

    return () => {
      closed = true;
      if (immediate) clearImmediate(immediate);
      if (env) void env.dispose();
    };
  });
}

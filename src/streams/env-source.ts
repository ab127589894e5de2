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
import type { Env } from '../sim/types.js';
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
    const afterStep = (r: BatchStepResult, acted: Float32Array, logProbs: Float32Array, at: Float32Array) => {
      if (closed) return;
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
        const { actions, logProbs } = policy.act(at, e.numEnvs, mode);
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

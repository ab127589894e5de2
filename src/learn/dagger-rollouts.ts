/**
 * DAgger's data collection (Ross, Gordon & Bagnell 2011, Algorithm 3.1, lines 4–5): run
 * π_i = β_i·π* + (1 − β_i)·π̂_i for N steps, and label every state visited with the expert's action:
 *
 *   executed a_t = π*(s_t) with probability β_i, else π̂_i(s_t)      (one draw per step and env)
 *   stored   (s_t, π*(s_t))                                          (the label, whatever was executed)
 *
 * The states are those the learner's own mistakes lead to, which is what BC on demonstrations alone
 * never sees. The envs step side by side with one batched call of each policy per step, episode k of the
 * round starting from `reset(seed + k)`. An episode still open when the N steps are done ends
 * `interrupted` (the data stops, the episode did not); `terminated`, `truncated` and `diverged` episodes
 * end as the env said.
 */
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type EpisodeEnd, makeTrajectory, type Trajectory } from '../core/trajectory.js';
import type { Env } from '../sim/types.js';
import type { ActFn } from './evaluate.js';

/** One round's labelled steps. */
export interface LabelledRollouts {
  /**
   * Episodes as visited: obs (T+1 rows, the learner's states and the final one), acts = the expert's
   * labels (T rows, clipped to the action bounds as the demos command stores actions), no rewards (the
   * reward of an executed action is not the label's).
   */
  readonly trajectories: readonly Trajectory[];
  /** True return and length of each episode that ended within the round (executed actions). */
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  /** Steps collected, all envs together (= `steps`). */
  readonly steps: number;
  /** Of which the expert's action was executed (the β draws). */
  readonly expertExecuted: number;
}

/** What to collect. */
export interface LabelledRolloutOptions {
  /** N: labelled steps, all envs together. */
  readonly steps: number;
  /** β_i in [0, 1]: probability that a step executes the expert's action instead of the learner's. */
  readonly beta: number;
  /** Episode k resets with `seed + k`; the β draws come from Rng(seed). */
  readonly seed: number;
}

/** Collects `options.steps` labelled steps; see the file comment. */
export function collectLabelled(
  envs: readonly Env[],
  learner: ActFn,
  expert: ActFn,
  options: LabelledRolloutOptions,
): LabelledRollouts {
  const first = envs[0];
  if (!first) throw new GailBridgeError('config', 'DAgger rollouts: at least one env is needed');
  const { steps, beta, seed } = options;
  if (!Number.isInteger(steps) || steps <= 0)
    throw new GailBridgeError('config', `DAgger rollouts: steps must be a positive integer, got ${steps}`);
  if (!(beta >= 0 && beta <= 1))
    throw new GailBridgeError('config', `DAgger rollouts: beta must be in [0, 1], got ${beta}`);
  const obsDim = first.spec.observation.names.length;
  const actDim = first.spec.action.names.length;
  const { low, high } = first.spec.action;
  const rng = new Rng(seed);
  const n = envs.length;
  // Per env: the open episode's observations (flat, T+1 rows so far), labels, return.
  const epObs: number[][] = envs.map(() => []);
  const epActs: number[][] = envs.map(() => []);
  const epReturn = new Float64Array(n);
  const obs = new Float32Array(n * obsDim);
  const trajectories: Trajectory[] = [];
  const returns: number[] = [];
  const lengths: number[] = [];
  let episode = 0;
  const start = (i: number): void => {
    const o = envs[i]!.reset(seed + episode++);
    obs.set(o, i * obsDim);
    epObs[i] = Array.from(o);
    epActs[i] = [];
    epReturn[i] = 0;
  };
  const finish = (i: number, end: EpisodeEnd): void => {
    trajectories.push(
      makeTrajectory({
        obsDim,
        actDim,
        obs: Float32Array.from(epObs[i]!),
        acts: Float32Array.from(epActs[i]!),
        end,
      }),
    );
  };
  for (let i = 0; i < n; i++) start(i);
  let collected = 0;
  let expertExecuted = 0;
  while (collected < steps) {
    // The last batch may use only some envs, so that exactly `steps` are collected.
    const m = Math.min(n, steps - collected);
    const batch = obs.subarray(0, m * obsDim);
    const labels = expert(batch, m);
    const own = beta < 1 ? learner(batch, m) : labels;
    for (let i = 0; i < m; i++) {
      const useExpert = beta > 0 && rng.uniform(0, 1) < beta;
      if (useExpert) expertExecuted++;
      const executed = (useExpert ? labels : own).subarray(i * actDim, (i + 1) * actDim);
      for (let j = 0; j < actDim; j++) {
        const lo = Number.isFinite(low[j]!) ? low[j]! : -Infinity;
        const hi = Number.isFinite(high[j]!) ? high[j]! : Infinity;
        epActs[i]!.push(Math.min(hi, Math.max(lo, labels[i * actDim + j]!)));
      }
      const r = envs[i]!.step(executed);
      epReturn[i] = epReturn[i]! + r.reward;
      collected++;
      const ended = r.terminated || r.truncated || r.diverged;
      // A diverged state may be non-finite: the episode's last observation stands in as its final one.
      const next =
        r.diverged && !r.obs.every(Number.isFinite) ? obs.subarray(i * obsDim, (i + 1) * obsDim) : r.obs;
      for (let j = 0; j < obsDim; j++) epObs[i]!.push(next[j]!);
      if (ended) {
        finish(i, r.diverged ? 'diverged' : r.terminated ? 'terminated' : 'truncated');
        returns.push(epReturn[i]!);
        lengths.push(epActs[i]!.length);
        if (collected < steps) start(i);
        else epActs[i] = [];
      } else {
        obs.set(r.obs, i * obsDim);
      }
    }
  }
  for (let i = 0; i < n; i++) if (epActs[i]!.length > 0) finish(i, 'interrupted');
  return { trajectories, returns, lengths, steps: collected, expertExecuted };
}

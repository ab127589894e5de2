/**
 * Policy evaluation on the task's true reward: whole episodes, each from a seeded reset, so that two
 * policies (or a policy and the uniform random baseline of specs/gymnasium-tasks.md's normalised score)
 * are compared on the same initial states.
 */
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Env, StepEnd } from '../sim/types.js';

/** Acts on n observations (n × obsDim) and returns n × actDim actions. */
export type ActFn = (obs: Float32Array, n: number) => Float32Array;

/** Per-episode results, in episode order. */
export interface Evaluation {
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  readonly ends: readonly StepEnd[];
}

/** Mean and population standard deviation. */
export function meanStd(x: readonly number[]): { mean: number; std: number } {
  if (x.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
  return { mean, std };
}

/**
 * Runs `episodes` episodes, episode e starting from `env.reset(seed + e)`, the envs stepping side by side
 * with one batched `act` per step. Episodes end on terminated, truncated or diverged.
 */
export function evaluate(envs: readonly Env[], act: ActFn, episodes: number, seed: number): Evaluation {
  const first = envs[0];
  if (!first) throw new GailBridgeError('config', 'evaluate: at least one env is needed');
  if (!Number.isInteger(episodes) || episodes <= 0) {
    throw new GailBridgeError('config', `evaluate: episodes must be a positive integer, got ${episodes}`);
  }
  const obsDim = first.spec.observation.names.length;
  const actDim = first.spec.action.names.length;
  const returns = new Array<number>(episodes).fill(0);
  const lengths = new Array<number>(episodes).fill(0);
  const ends = new Array<StepEnd>(episodes).fill('truncated');
  // slot → episode it is running (or -1 when idle)
  const running = new Int32Array(envs.length).fill(-1);
  const obs = new Float32Array(envs.length * obsDim);
  let next = 0;
  let done = 0;
  const start = (slot: number): void => {
    if (next >= episodes) {
      running[slot] = -1;
      return;
    }
    running[slot] = next;
    obs.set(envs[slot]!.reset(seed + next), slot * obsDim);
    next++;
  };
  for (let s = 0; s < envs.length; s++) start(s);
  while (done < episodes) {
    const active: number[] = [];
    for (let s = 0; s < envs.length; s++) if (running[s]! >= 0) active.push(s);
    const batch = new Float32Array(active.length * obsDim);
    active.forEach((s, r) => {
      batch.set(obs.subarray(s * obsDim, (s + 1) * obsDim), r * obsDim);
    });
    const actions = act(batch, active.length);
    active.forEach((s, r) => {
      const e = running[s]!;
      const res = envs[s]!.step(actions.subarray(r * actDim, (r + 1) * actDim));
      returns[e] = returns[e]! + res.reward;
      lengths[e] = lengths[e]! + 1;
      if (res.terminated || res.truncated || res.diverged) {
        ends[e] = res.diverged ? 'diverged' : res.terminated ? 'terminated' : 'truncated';
        done++;
        start(s);
      } else {
        obs.set(res.obs, s * obsDim);
      }
    });
  }
  return { returns, lengths, ends };
}

/**
 * The uniform random policy of the normalised score: each action element ~ U(low, high) of the action
 * space (U(−1, 1) where a bound is infinite).
 */
export function uniformRandomAct(env: Env, seed: number): ActFn {
  const { low, high } = env.spec.action;
  const rng = new Rng(seed);
  const d = low.length;
  return (_obs, n) => {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) {
      const j = i % d;
      const lo = Number.isFinite(low[j]!) ? low[j]! : -1;
      const hi = Number.isFinite(high[j]!) ? high[j]! : 1;
      out[i] = rng.uniform(lo, hi);
    }
    return out;
  };
}

/** (R − R_random) / (R_expert − R_random) (specs/gymnasium-tasks.md); NaN when R_expert = R_random. */
export function normalizedScore(r: number, rRandom: number, rExpert: number): number {
  return rExpert === rRandom ? Number.NaN : (r - rRandom) / (rExpert - rRandom);
}

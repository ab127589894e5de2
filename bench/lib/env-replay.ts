/**
 * Timing the project's `Env` (src/sim/types.ts) on a bench protocol: the same controls as the raw loops,
 * through `reset`/`step` with everything the Env does per step (action checks and clipping, divergence
 * checks after every physics step, observation, reward, termination, horizon).
 */
import { GailBridgeError } from '../../src/core/errors.js';
import type { Env, StepEnd } from '../../src/sim/types.js';
import { type Protocol, validateProtocol } from './protocol.js';

/** One Env pass: its time, and how its episodes ended. */
export interface EnvReplay {
  readonly seconds: number;
  readonly envSteps: number;
  /** envSteps × frameSkip: the physics work, to compare with raw stepping. */
  readonly physicsSteps: number;
  /** Env steps of each episode, the last one possibly cut by the end of the protocol. */
  readonly lengths: readonly number[];
  /** How episodes ended; `cut` counts resets the protocol asked for while the episode was running. */
  readonly ends: Readonly<Record<StepEnd | 'cut', number>>;
}

/**
 * Runs `p` through `env`: reset(seed) before the first step, then reset whenever the previous step ended
 * the episode or the protocol resets; step with the protocol's controls. Returns the timing and the
 * episode lengths (which, recorded once, become the protocol's resets so the raw loops follow the
 * Env's episodes). Same seed and protocol → same episodes (the Env's seeding contract).
 */
export function replayEnv(env: Env, p: Protocol, seed: number): EnvReplay {
  validateProtocol(p);
  const nu = env.spec.action.names.length;
  if (nu !== p.nu) {
    throw new GailBridgeError(
      'shape',
      `env replay: the protocol has ${p.nu} controls, the env ${nu} actions`,
    );
  }
  const rows = Array.from({ length: p.steps }, (_, t) => p.ctrl.subarray(t * nu, (t + 1) * nu));
  const ends = { terminated: 0, truncated: 0, diverged: 0, cut: 0 };
  const lengths: number[] = [];
  let ended = true;
  let length = 0;
  const t0 = process.hrtime.bigint();
  for (let t = 0; t < p.steps; t++) {
    if (ended || p.resets[t] === 1) {
      if (!ended) ends.cut++;
      if (t > 0) lengths.push(length);
      env.reset(t === 0 ? seed : undefined);
      length = 0;
    }
    const r = env.step(rows[t]!);
    length++;
    ended = r.terminated || r.truncated || r.diverged;
    if (r.terminated) ends.terminated++;
    else if (r.truncated) ends.truncated++;
    else if (r.diverged) ends.diverged++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  lengths.push(length);
  return { seconds, envSteps: p.steps, physicsSteps: p.steps * env.spec.frameSkip, lengths, ends };
}

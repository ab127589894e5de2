/**
 * A pure-TS 1-D task for GAIL tests (no WASM): x' = x + 0.1·clip(a, ±1); reward 1 − |x| per step;
 * terminated when |x| > 1.5 (the pole "fell"), truncated after `horizon` steps. The expert drives x to 0
 * with a = −2x, so imitation has something to learn and episode ends of both kinds occur.
 */
import { Rng } from '../../src/core/rng.js';
import { makeSpaceSpec } from '../../src/core/spec.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import type { Env, EnvSpec, StepResult } from '../../src/sim/types.js';

export class LineEnv implements Env {
  readonly spec: EnvSpec;
  private x = 0;
  private t = 0;
  private rng: Rng;
  disposed = 0;

  constructor(
    seed: number,
    readonly horizon = 40,
    /** Every step reports divergence (a simulator that blew up), for the trainer's guard. */
    readonly alwaysDiverges = false,
  ) {
    this.rng = new Rng(seed);
    this.spec = {
      observation: makeSpaceSpec({ names: ['x'] }),
      action: makeSpaceSpec({ names: ['u'], low: [-1], high: [1] }),
      controlRateHz: 10,
      source: { kind: 'task', task: 'line' },
      producer: 'test',
      dt: 0.1,
      frameSkip: 1,
      horizon,
      jointNames: ['x'],
      actuatorNames: ['u'],
    };
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.x = this.rng.uniform(-1, 1);
    this.t = 0;
    return Float64Array.of(this.x);
  }

  step(action: ArrayLike<number>): StepResult {
    const a = Math.max(-1, Math.min(1, action[0]!));
    this.x += 0.1 * a;
    this.t++;
    const terminated = Math.abs(this.x) > 1.5;
    const truncated = !terminated && this.t >= this.horizon;
    return {
      obs: Float64Array.of(this.x),
      reward: terminated ? 0 : 1 - Math.abs(this.x),
      terminated,
      truncated,
      diverged: this.alwaysDiverges,
      info: {},
    };
  }

  dispose(): void {
    this.disposed++;
  }
}

/** The expert's action: drive x to 0. */
export function expertAction(x: number): number {
  return Math.max(-1, Math.min(1, -2 * x));
}

/** `count` expert episodes on LineEnv, with true rewards. */
export function expertTrajectories(count: number, seed: number): Trajectory[] {
  const env = new LineEnv(seed);
  const out: Trajectory[] = [];
  for (let k = 0; k < count; k++) {
    const obs = [env.reset()[0]!];
    const acts: number[] = [];
    const rewards: number[] = [];
    for (;;) {
      const a = expertAction(obs[obs.length - 1]!);
      const r = env.step([a]);
      acts.push(a);
      rewards.push(r.reward);
      obs.push(r.obs[0]!);
      if (r.terminated || r.truncated) {
        out.push(
          makeTrajectory({
            obsDim: 1,
            actDim: 1,
            obs: Float32Array.from(obs),
            acts: Float32Array.from(acts),
            rewards: Float32Array.from(rewards),
            end: r.terminated ? 'terminated' : 'truncated',
          }),
        );
        break;
      }
    }
  }
  return out;
}

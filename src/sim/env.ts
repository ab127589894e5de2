/**
 * `MujocoEnv`: the `Env` contract (types.ts) over one `LoadedModel` and one `TaskRuntime`. It owns the
 * model. Per env step: check and clip the action to ctrlrange, run `frameSkip` physics steps, check the
 * state after every one of them, observe, evaluate, apply the horizon.
 *
 * Divergence: MuJoCo flags a qpos/qvel/qacc element that is NaN or beyond mjMAXVAL = 1e10 (mj_checkPos,
 * mj_checkVel, mj_checkAcc), counts it in `mjData.warning`, and by default silently resets the data.
 * The env disables that auto-reset (mjDSBL_AUTORESET) and applies the same test itself after every
 * physics step, so a blow-up ends the episode with `diverged: true` and the warning's name in
 * `info.divergence`, never a quiet restart from qpos0. Reading views is a few ns per element; the
 * warning counters (an Embind vector, ~µs per read) are read only once divergence is seen.
 */
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { makeSpaceSpec, type SpecSource } from '../core/spec.js';
import { PRODUCER } from '../version.js';
import type { DataViews, LoadedModel } from './model.js';
import { clip, type Evaluation, type TaskRuntime } from './task.js';
import type { Env, EnvSpec, StepResult } from './types.js';

/** MuJoCo's mjMAXVAL: a state element beyond it is "bad" (engine_forward.c, mj_checkPos). */
export const MJ_MAXVAL = 1e10;

/** MuJoCo warning slots for bad state (mjtWarning). */
const BAD_STATE_WARNINGS = [
  [3, 'mjWARN_BADQPOS'],
  [4, 'mjWARN_BADQVEL'],
  [5, 'mjWARN_BADQACC'],
] as const;

export interface MujocoEnvOptions {
  /** Physics steps per env step (≥ 1). */
  readonly frameSkip: number;
  /** Env steps after which the episode is truncated (≥ 1). */
  readonly horizon: number;
  readonly source: SpecSource;
  /** Seed of the generator used by the first reset without a seed; default 0. */
  readonly seed?: number;
}

type Phase = 'new' | 'running' | 'ended';

export class MujocoEnv implements Env {
  readonly spec: EnvSpec;
  private readonly sim: LoadedModel;
  private readonly task: TaskRuntime;
  private readonly obsDim: number;
  private readonly nu: number;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  /** The clipped action of the current step (reused; tasks read it in evaluate). */
  private readonly act: Float64Array;
  /** A copy of the last finite observation, returned when a step diverges. */
  private readonly lastObs: Float64Array;
  private readonly evaluation: Evaluation = { reward: 0, terminated: false, terms: undefined };
  private rng: Rng;
  private phase: Phase = 'new';
  private t = 0;
  private disposedFlag = false;

  /** Takes ownership of `sim`: disposing the env disposes the model. */
  constructor(sim: LoadedModel, task: TaskRuntime, options: MujocoEnvOptions) {
    const { frameSkip, horizon } = options;
    if (!Number.isInteger(frameSkip) || frameSkip < 1) {
      throw new GailBridgeError(
        'config',
        `env ${sim.origin}: frameSkip must be an integer ≥ 1, got ${frameSkip}`,
      );
    }
    if (!Number.isInteger(horizon) || horizon < 1) {
      throw new GailBridgeError(
        'config',
        `env ${sim.origin}: horizon must be an integer ≥ 1, got ${horizon}`,
      );
    }
    this.sim = sim;
    this.task = task;
    const info = sim.info;
    this.nu = info.nu;
    this.obsDim = task.observation.names.length;
    this.low = Float64Array.from(info.ctrlRange, ([lo, hi]) => (lo < hi ? lo : Number.NEGATIVE_INFINITY));
    this.high = Float64Array.from(info.ctrlRange, ([lo, hi]) => (lo < hi ? hi : Number.POSITIVE_INFINITY));
    this.act = new Float64Array(this.nu);
    this.lastObs = new Float64Array(this.obsDim);
    this.rng = new Rng(options.seed ?? 0);
    const opt = sim.model.opt;
    opt.disableflags = opt.disableflags | sim.mujoco.mjtDisableBit.mjDSBL_AUTORESET.value;
    const dt = info.timestep * frameSkip;
    this.spec = Object.freeze({
      observation: makeSpaceSpec(task.observation),
      action: makeSpaceSpec({
        names: info.actuatorNames,
        // ctrl is the actuator's normalised input; force = gear × ctrl.
        units: info.actuatorNames.map(() => '1'),
        low: Array.from(this.low),
        high: Array.from(this.high),
      }),
      controlRateHz: 1 / dt,
      source: options.source,
      producer: PRODUCER,
      dt,
      frameSkip,
      horizon,
      jointNames: info.jointNames,
      actuatorNames: info.actuatorNames,
    });
  }

  /** The loaded model, for tests and tools that set or read state directly. */
  get model(): LoadedModel {
    this.live();
    return this.sim;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.t;
  }

  reset(seed?: number): Float64Array {
    const sim = this.live();
    if (seed !== undefined) this.rng = new Rng(seed);
    const { mujoco, model, data } = sim;
    mujoco.mj_resetData(model, data);
    const v = sim.views();
    this.task.reset(v, this.rng);
    mujoco.mj_forward(model, data);
    this.t = 0;
    this.phase = 'running';
    return this.observeInto(v);
  }

  /**
   * Overwrites qpos and qvel (lengths nq and nv) and recomputes derived quantities (mj_forward), for
   * tests and replays. The episode continues from this state.
   */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float64Array {
    const sim = this.live();
    const { nq, nv } = sim.info;
    if (qpos.length !== nq || qvel.length !== nv) {
      throw new GailBridgeError(
        'shape',
        `env ${sim.origin} setState: expected qpos of ${nq} and qvel of ${nv}, got ${qpos.length} and ${qvel.length}`,
      );
    }
    const v = sim.views();
    v.qpos.set(qpos);
    v.qvel.set(qvel);
    sim.mujoco.mj_forward(sim.model, sim.data);
    if (this.phase === 'new') this.phase = 'running';
    return this.observeInto(v);
  }

  step(action: ArrayLike<number>): StepResult {
    const sim = this.live();
    if (this.phase !== 'running') {
      throw new GailBridgeError(
        'state',
        `env ${this.spec.source.kind === 'task' ? this.spec.source.task : sim.origin}: step() called ` +
          `${this.phase === 'new' ? 'before reset()' : 'after the episode ended'}; call reset() first`,
      );
    }
    const nu = this.nu;
    if (action.length !== nu) {
      throw new GailBridgeError(
        'shape',
        `env step: action has ${action.length} elements, expected ${nu} (actuators: ${this.spec.actuatorNames.join(', ')})`,
      );
    }
    const act = this.act;
    for (let i = 0; i < nu; i++) {
      const a = action[i]!;
      if (!Number.isFinite(a)) {
        throw new GailBridgeError(
          'nonFinite',
          `env step: action[${i}] (${this.spec.actuatorNames[i]}) is ${a}; all ${nu} elements must be finite`,
        );
      }
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      act[i] = clip(a, lo, hi);
    }
    const { mujoco, model, data } = sim;
    const v = sim.views();
    v.ctrl.set(act);
    this.task.beforeStep(v);
    const frameSkip = this.spec.frameSkip;
    let bad = -1;
    for (let k = 0; k < frameSkip && bad < 0; k++) {
      mujoco.mj_step(model, data);
      bad = firstBadElement(v);
    }
    this.t++;
    if (bad >= 0) return this.diverged(v, describeBad(v, bad));
    if (this.task.needsContactForces) mujoco.mj_rnePostConstraint(model, data);
    const obs = new Float64Array(this.obsDim);
    this.task.observe(v, obs);
    for (let i = 0; i < obs.length; i++) {
      if (!Number.isFinite(obs[i]!)) {
        return this.diverged(v, `non-finite observation ${this.spec.observation.names[i]} = ${obs[i]}`);
      }
    }
    const ev = this.evaluation;
    ev.terms = undefined;
    this.task.evaluate(v, act, this.spec.dt, ev);
    const terminated = ev.terminated;
    const truncated = !terminated && this.t >= this.spec.horizon;
    this.lastObs.set(obs);
    if (terminated || truncated) this.phase = 'ended';
    const end = terminated ? 'terminated' : truncated ? 'truncated' : undefined;
    return {
      obs,
      reward: ev.reward,
      terminated,
      truncated,
      diverged: false,
      info: end === undefined ? { rewardTerms: ev.terms } : { end, rewardTerms: ev.terms },
    };
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.sim.dispose();
  }

  private live(): LoadedModel {
    if (this.disposedFlag) {
      throw new GailBridgeError(
        'state',
        `env ${this.sim.origin} was used after dispose(); create a new env (makeTaskEnv / makeGenericEnv)`,
      );
    }
    return this.sim;
  }

  private observeInto(v: DataViews): Float64Array {
    const obs = new Float64Array(this.obsDim);
    this.task.observe(v, obs);
    this.lastObs.set(obs);
    return obs;
  }

  private diverged(_v: DataViews, detail: string): StepResult {
    this.phase = 'ended';
    const warning = this.badStateWarning();
    return {
      obs: Float64Array.from(this.lastObs),
      reward: 0,
      terminated: false,
      truncated: false,
      diverged: true,
      info: { end: 'diverged', divergence: warning === undefined ? detail : `${warning}: ${detail}` },
    };
  }

  /** The first of MuJoCo's bad-state warning counters that fired, if any (slow path only). */
  private badStateWarning(): string | undefined {
    // `data.warning` hands out references into MjData: read them, never delete() them (that double-frees).
    const vec = this.sim.data.warning;
    for (const [slot, name] of BAD_STATE_WARNINGS) {
      const stat = vec.get(slot);
      if (stat !== undefined && stat.number > 0) return name;
    }
    return undefined;
  }
}

/**
 * Index of the first bad element in qpos ++ qvel ++ qacc (NaN or |x| > mjMAXVAL, as mju_isBad), or −1.
 * Hot path: no allocation.
 */
export function firstBadElement(v: DataViews): number {
  const { qpos, qvel, qacc } = v;
  for (let i = 0; i < qpos.length; i++) {
    const x = qpos[i]!;
    if (!(x <= MJ_MAXVAL && x >= -MJ_MAXVAL)) return i;
  }
  const nq = qpos.length;
  for (let i = 0; i < qvel.length; i++) {
    const x = qvel[i]!;
    if (!(x <= MJ_MAXVAL && x >= -MJ_MAXVAL)) return nq + i;
  }
  const nqv = nq + qvel.length;
  for (let i = 0; i < qacc.length; i++) {
    const x = qacc[i]!;
    if (!(x <= MJ_MAXVAL && x >= -MJ_MAXVAL)) return nqv + i;
  }
  return -1;
}

function describeBad(v: DataViews, index: number): string {
  const nq = v.qpos.length;
  const nv = v.qvel.length;
  if (index < nq) return `qpos[${index}] = ${v.qpos[index]}`;
  if (index < nq + nv) return `qvel[${index - nq}] = ${v.qvel[index - nq]}`;
  return `qacc[${index - nq - nv}] = ${v.qacc[index - nq - nv]}`;
}

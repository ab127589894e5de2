/**
 * What a task adds to a MuJoCo model to make an MDP: the observation, the reward, the health check and
 * the reset noise. `MujocoEnv` (env.ts) does everything else (action checks, frame skip, divergence,
 * horizon), so a task is a few pure functions over `DataViews`.
 */
import type { Rng } from '../core/rng.js';
import type { DataViews, ModelInfo } from './model.js';

/** Names, units and bounds of a box space, before `makeSpaceSpec` freezes them. */
export interface SpaceFields {
  readonly names: string[];
  readonly units: string[];
  readonly low: number[];
  readonly high: number[];
}

/** The per-step result a task writes into a buffer the env owns (no per-step allocation). */
export interface Evaluation {
  reward: number;
  terminated: boolean;
  /** Reward terms by name for StepInfo.rewardTerms; undefined when the task has none. */
  terms: Record<string, number> | undefined;
}

/** A task bound to one loaded model. Methods are called with the env's live views. */
export interface TaskRuntime {
  readonly observation: SpaceFields;
  /** Whether `evaluate`/`observe` read cfrc_ext (then mj_rnePostConstraint runs after each env step). */
  readonly needsContactForces: boolean;
  /** After mj_resetData: perturb qpos/qvel (the env then runs mj_forward). */
  reset(v: DataViews, rng: Rng): void;
  /** Before the physics steps of one env step (e.g. remember x_before). */
  beforeStep(v: DataViews): void;
  /** Writes the observation of the current state into `out` (length observation.names.length). */
  observe(v: DataViews, out: Float64Array): void;
  /** Reward and health after the physics steps; `action` is the clipped control that was applied. */
  evaluate(v: DataViews, action: Float64Array, dt: number, out: Evaluation): void;
}

/** Names and units collected in order. */
function fieldList(): { names: string[]; units: string[]; add(name: string, unit: string): void } {
  const names: string[] = [];
  const units: string[] = [];
  return {
    names,
    units,
    add(name, unit) {
      names.push(name);
      units.push(unit);
    },
  };
}

/** Element names and units of qpos, in qpos order: "rootz", "root.qw", ... */
export function qposFields(info: ModelInfo): { names: string[]; units: string[] } {
  const f = fieldList();
  info.jointNames.forEach((j, i) => {
    const type = info.jointTypes[i];
    if (type === 'free') for (const a of ['x', 'y', 'z']) f.add(`${j}.${a}`, 'm');
    if (type === 'free' || type === 'ball') for (const a of ['qw', 'qx', 'qy', 'qz']) f.add(`${j}.${a}`, '1');
    if (type === 'slide') f.add(j, 'm');
    if (type === 'hinge') f.add(j, 'rad');
  });
  return { names: f.names, units: f.units };
}

/** Element names and units of qvel, in qvel order: "rootx.vel", "root.wx", ... */
export function qvelFields(info: ModelInfo): { names: string[]; units: string[] } {
  const f = fieldList();
  info.jointNames.forEach((j, i) => {
    const type = info.jointTypes[i];
    if (type === 'free') for (const a of ['vx', 'vy', 'vz']) f.add(`${j}.${a}`, 'm/s');
    if (type === 'free' || type === 'ball') for (const a of ['wx', 'wy', 'wz']) f.add(`${j}.${a}`, 'rad/s');
    if (type === 'slide') f.add(`${j}.vel`, 'm/s');
    if (type === 'hinge') f.add(`${j}.vel`, 'rad/s');
  });
  return { names: f.names, units: f.units };
}

/** Unbounded fields for the given names/units. */
export function unbounded(names: string[], units: string[]): SpaceFields {
  return {
    names,
    units,
    low: names.map(() => Number.NEGATIVE_INFINITY),
    high: names.map(() => Number.POSITIVE_INFINITY),
  };
}

/** Concatenates space fields in order. */
export function concatFields(...parts: SpaceFields[]): SpaceFields {
  return {
    names: parts.flatMap((p) => p.names),
    units: parts.flatMap((p) => p.units),
    low: parts.flatMap((p) => p.low),
    high: parts.flatMap((p) => p.high),
  };
}

/** Σ a² of the applied control. */
export function sumSquares(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/** Adds U(−scale, scale) to each element of `x` (Gymnasium's uniform reset noise). */
export function addUniform(x: Float64Array, rng: Rng, scale: number, from = 0, to = x.length): void {
  for (let i = from; i < to; i++) x[i] = x[i]! + rng.uniform(-scale, scale);
}

/** Adds scale·N(0, 1) to each element of `x` (Gymnasium's normal reset noise). */
export function addNormal(x: Float64Array, rng: Rng, scale: number, from = 0, to = x.length): void {
  for (let i = from; i < to; i++) x[i] = x[i]! + scale * rng.normal();
}

/** Clips v to [lo, hi]. */
export function clip(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

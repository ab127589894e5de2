/**
 * A task for any MJCF robot, for GAIL (which needs no reward): observation = qpos (optionally without
 * the root's x/y, so a policy does not depend on where the robot stands) ++ qvel (++ sensordata),
 * action = the actuators, reward 0, and optional termination rules (a body's height range, a joint's
 * range). Frame skip, horizon and reset noise come from the options.
 */
import { GailBridgeError } from '../core/errors.js';
import { MujocoEnv } from './env.js';
import { type LoadedModel, loadModelWith, type ModelInfo, type ModelSource } from './model.js';
import { loadMujoco, type Mujoco } from './mujoco.js';
import {
  addUniform,
  concatFields,
  qposFields,
  qvelFields,
  type SpaceFields,
  type TaskRuntime,
  unbounded,
} from './task.js';

/** Ends the episode (terminated) when the body's world z leaves [minZ, maxZ] (metres). */
export interface BodyHeightRule {
  readonly body: string;
  readonly minZ?: number;
  readonly maxZ?: number;
}

/** Ends the episode (terminated) when a hinge/slide joint's qpos leaves [min, max] (rad or m). */
export interface JointRangeRule {
  readonly joint: string;
  readonly min?: number;
  readonly max?: number;
}

export interface GenericEnvOptions {
  /** Physics steps per env step; default 1. */
  readonly frameSkip?: number;
  /** Env steps before truncation; default 1000. */
  readonly horizon?: number;
  /**
   * Leave the root's world x/y out of the observation: the first two qpos of a free root joint, or
   * slide joints of the root body along x or y. Default false.
   */
  readonly excludeRootXY?: boolean;
  /** Append all sensor readings (sensordata) to the observation. Default false. */
  readonly sensors?: boolean;
  /** Half-width of uniform noise added to qpos and qvel at reset; default 0. */
  readonly resetNoise?: number;
  readonly bodyHeight?: readonly BodyHeightRule[];
  readonly jointRange?: readonly JointRangeRule[];
  /** Generator seed for resets without a seed; default 0. */
  readonly seed?: number;
  /**
   * The task config file these options came from, recorded in the spec's source (so a policy trained on
   * this env knows it); it changes nothing in the env itself.
   */
  readonly taskConfig?: string;
}

/** Loads an MJCF robot as a generic `Env` (the caller owns and disposes it). */
export async function makeGenericEnv(
  source: ModelSource,
  options: GenericEnvOptions = {},
): Promise<MujocoEnv> {
  return makeGenericEnvWith(await loadMujoco(), source, options);
}

/** Synchronous `makeGenericEnv` for callers that already hold the MuJoCo module (worker threads). */
export function makeGenericEnvWith(
  mujoco: Mujoco,
  source: ModelSource,
  options: GenericEnvOptions = {},
): MujocoEnv {
  const sim = loadModelWith(mujoco, source);
  try {
    return new MujocoEnv(sim, genericRuntime(sim, options), {
      frameSkip: options.frameSkip ?? 1,
      horizon: options.horizon ?? 1000,
      source: {
        kind: 'mjcf',
        path: sim.origin,
        ...(options.taskConfig === undefined ? {} : { taskConfig: options.taskConfig }),
      },
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (err) {
    sim.dispose();
    throw err;
  }
}

/** qpos indices of the root's world x/y (see GenericEnvOptions.excludeRootXY). */
export function rootXYIndices(info: ModelInfo): number[] {
  if (info.jointTypes.length === 0) return [];
  const adr = info.jointQposAdr;
  if (info.jointTypes[0] === 'free') return [adr[0]!, adr[0]! + 1];
  const rootBody = info.jointBodyIds[0];
  const out: number[] = [];
  info.jointTypes.forEach((type, j) => {
    if (type !== 'slide' || info.jointBodyIds[j] !== rootBody) return;
    const [ax, ay, az] = info.jointAxes[j]!;
    const isX = Math.abs(ax) === 1 && ay === 0 && az === 0;
    const isY = ax === 0 && Math.abs(ay) === 1 && az === 0;
    if (isX || isY) out.push(adr[j]!);
  });
  return out;
}

function genericRuntime(sim: LoadedModel, options: GenericEnvOptions): TaskRuntime {
  const info = sim.info;
  const where = sim.origin;
  const skip = new Set(options.excludeRootXY === true ? rootXYIndices(info) : []);
  const qposIdx = Int32Array.from({ length: info.nq }, (_, i) => i).filter((i) => !skip.has(i));
  const qp = qposFields(info);
  const qv = qvelFields(info);
  const parts: SpaceFields[] = [
    unbounded(
      Array.from(qposIdx, (i) => qp.names[i]!),
      Array.from(qposIdx, (i) => qp.units[i]!),
    ),
    unbounded(qv.names, qv.units),
  ];
  const withSensors = options.sensors === true;
  if (withSensors) {
    const names = info.sensorNames.flatMap((n, s) => {
      const dim = info.sensorDims[s]!;
      return dim === 1 ? [n] : Array.from({ length: dim }, (_, k) => `${n}[${k}]`);
    });
    // Sensor units depend on the sensor type; "1" marks them as not tracked here.
    parts.push(
      unbounded(
        names,
        names.map(() => '1'),
      ),
    );
  }
  const heightRules = (options.bodyHeight ?? []).map((r) => ({
    body: lookup(info.bodyNames, r.body, 'body', where),
    lo: r.minZ ?? Number.NEGATIVE_INFINITY,
    hi: r.maxZ ?? Number.POSITIVE_INFINITY,
  }));
  const jointRules = (options.jointRange ?? []).map((r) => {
    const j = lookup(info.jointNames, r.joint, 'joint', where);
    const type = info.jointTypes[j];
    if (type !== 'hinge' && type !== 'slide') {
      throw new GailBridgeError(
        'config',
        `generic env ${where}: jointRange rule on "${r.joint}", a ${type} joint; only hinge and slide joints have one angle`,
      );
    }
    return {
      adr: info.jointQposAdr[j]!,
      lo: r.min ?? Number.NEGATIVE_INFINITY,
      hi: r.max ?? Number.POSITIVE_INFINITY,
    };
  });
  const noise = options.resetNoise ?? 0;
  if (!(noise >= 0))
    throw new GailBridgeError('config', `generic env ${where}: resetNoise must be ≥ 0, got ${noise}`);
  const nv = info.nv;
  const nIdx = qposIdx.length;
  return {
    observation: concatFields(...parts),
    needsContactForces: false,
    reset(v, rng) {
      if (noise > 0) {
        addUniform(v.qpos, rng, noise);
        addUniform(v.qvel, rng, noise);
      }
    },
    beforeStep() {},
    observe(v, out) {
      for (let k = 0; k < nIdx; k++) out[k] = v.qpos[qposIdx[k]!]!;
      for (let i = 0; i < nv; i++) out[nIdx + i] = v.qvel[i]!;
      if (withSensors) out.set(v.sensordata, nIdx + nv);
    },
    evaluate(v, _action, _dt, out) {
      let terminated = false;
      for (const r of heightRules) {
        const z = v.xpos[3 * r.body + 2]!;
        if (!(z >= r.lo && z <= r.hi)) terminated = true;
      }
      for (const r of jointRules) {
        const q = v.qpos[r.adr]!;
        if (!(q >= r.lo && q <= r.hi)) terminated = true;
      }
      out.reward = 0;
      out.terminated = terminated;
      out.terms = undefined;
    },
  };
}

function lookup(names: readonly string[], name: string, kind: string, where: string): number {
  const i = names.indexOf(name);
  if (i < 0) {
    throw new GailBridgeError(
      'config',
      `generic env ${where}: termination rule names ${kind} "${name}", which the model lacks (${kind === 'body' ? 'bodies' : `${kind}s`}: ${names.join(', ')})`,
    );
  }
  return i;
}

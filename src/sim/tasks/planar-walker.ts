/**
 * Hopper and Walker2d (Gymnasium v5): forward velocity of rootx + healthy bonus − ctrl cost, terminated
 * when unhealthy, observation qpos[1:] ++ clip(qvel, −10, 10), uniform reset noise on qpos and qvel.
 */
import type { ModelInfo } from '../model.js';
import {
  addUniform,
  clip,
  concatFields,
  qposFields,
  qvelFields,
  type SpaceFields,
  sumSquares,
  type TaskRuntime,
  unbounded,
} from '../task.js';

export interface PlanarWalkerConfig {
  /** Torso height qpos[1] must be in (zLow, zHigh). */
  readonly zLow: number;
  readonly zHigh: number;
  /** Torso angle qpos[2] must be in (−angle, angle). */
  readonly angle: number;
  /** When set, every element of state[2:] = qpos[2:] ++ qvel must be in (−r, r) (Hopper: 100). */
  readonly stateRange?: number;
  readonly ctrlCostWeight: number;
  readonly healthyReward: number;
  /** Half-width of the uniform reset noise on qpos and qvel. */
  readonly resetNoise: number;
}

const VEL_CLIP = 10;

/** Builds the Hopper/Walker2d runtime for a planar model whose qpos starts rootx, rootz, rooty. */
export function planarWalker(info: ModelInfo, cfg: PlanarWalkerConfig): TaskRuntime {
  const qp = qposFields(info);
  const qv = qvelFields(info);
  const observation: SpaceFields = concatFields(unbounded(qp.names.slice(1), qp.units.slice(1)), {
    names: qv.names,
    units: qv.units,
    low: qv.names.map(() => -VEL_CLIP),
    high: qv.names.map(() => VEL_CLIP),
  });
  const nq = info.nq;
  const nv = info.nv;
  let xBefore = 0;
  return {
    observation,
    needsContactForces: false,
    reset(v, rng) {
      addUniform(v.qpos, rng, cfg.resetNoise);
      addUniform(v.qvel, rng, cfg.resetNoise);
    },
    beforeStep(v) {
      xBefore = v.qpos[0]!;
    },
    observe(v, out) {
      for (let i = 1; i < nq; i++) out[i - 1] = v.qpos[i]!;
      for (let i = 0; i < nv; i++) {
        const x = v.qvel[i]!;
        out[nq - 1 + i] = clip(x, -VEL_CLIP, VEL_CLIP);
      }
    },
    evaluate(v, action, dt, out) {
      const z = v.qpos[1]!;
      const angle = v.qpos[2]!;
      let healthy = z > cfg.zLow && z < cfg.zHigh && angle > -cfg.angle && angle < cfg.angle;
      if (healthy && cfg.stateRange !== undefined) {
        const r = cfg.stateRange;
        for (let i = 2; i < nq && healthy; i++) healthy = v.qpos[i]! > -r && v.qpos[i]! < r;
        for (let i = 0; i < nv && healthy; i++) healthy = v.qvel[i]! > -r && v.qvel[i]! < r;
      }
      const forward = (v.qpos[0]! - xBefore) / dt;
      const healthyReward = healthy ? cfg.healthyReward : 0;
      const ctrlCost = cfg.ctrlCostWeight * sumSquares(action);
      out.reward = forward + healthyReward - ctrlCost;
      out.terminated = !healthy;
      out.terms = { forward, healthy: healthyReward, ctrl_cost: ctrlCost };
    },
  };
}

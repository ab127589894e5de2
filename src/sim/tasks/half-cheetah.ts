/**
 * HalfCheetah (Gymnasium HalfCheetah-v5; specs/gymnasium-tasks.md): reward x_velocity − 0.1·Σa², never
 * terminates; observation qpos[1:] ++ qvel, unclipped; reset qpos += U(±0.1), qvel += 0.1·N(0, 1).
 */
import {
  addNormal,
  addUniform,
  concatFields,
  qposFields,
  qvelFields,
  sumSquares,
  unbounded,
} from '../task.js';
import type { TaskDefinition } from './definition.js';

const CTRL_COST_WEIGHT = 0.1;
const RESET_NOISE = 0.1;

export const halfCheetah: TaskDefinition = {
  name: 'half-cheetah',
  title: 'HalfCheetah',
  file: 'half_cheetah.xml',
  frameSkip: 5,
  dt: 0.05,
  horizon: 1000,
  obsDim: 17,
  actDim: 6,
  summary: 'planar cheetah; forward velocity − 0.1·Σa², never terminates',
  build(info) {
    const qp = qposFields(info);
    const qv = qvelFields(info);
    const nq = info.nq;
    const nv = info.nv;
    let xBefore = 0;
    return {
      observation: concatFields(
        unbounded(qp.names.slice(1), qp.units.slice(1)),
        unbounded(qv.names, qv.units),
      ),
      needsContactForces: false,
      reset(v, rng) {
        addUniform(v.qpos, rng, RESET_NOISE);
        addNormal(v.qvel, rng, RESET_NOISE);
      },
      beforeStep(v) {
        xBefore = v.qpos[0]!;
      },
      observe(v, out) {
        for (let i = 1; i < nq; i++) out[i - 1] = v.qpos[i]!;
        for (let i = 0; i < nv; i++) out[nq - 1 + i] = v.qvel[i]!;
      },
      evaluate(v, action, dt, out) {
        const forward = (v.qpos[0]! - xBefore) / dt;
        const ctrlCost = CTRL_COST_WEIGHT * sumSquares(action);
        out.reward = forward - ctrlCost;
        out.terminated = false;
        out.terms = { forward, ctrl_cost: ctrlCost };
      },
    };
  },
};

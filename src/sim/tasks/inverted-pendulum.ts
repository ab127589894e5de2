/**
 * InvertedPendulum (Gymnasium InvertedPendulum-v5; specs/gymnasium-tasks.md): observation qpos ++ qvel;
 * reward 1 per step while not terminated (0 on the terminating step); terminated iff an observation is
 * non-finite or |hinge| > 0.2; reset qpos, qvel += U(±0.01).
 */
import { addUniform, concatFields, qposFields, qvelFields, unbounded } from '../task.js';
import type { TaskDefinition } from './definition.js';

const RESET_NOISE = 0.01;
const MAX_ANGLE = 0.2;

export const invertedPendulum: TaskDefinition = {
  name: 'inverted-pendulum',
  title: 'InvertedPendulum',
  file: 'inverted_pendulum.xml',
  frameSkip: 2,
  dt: 0.04,
  horizon: 1000,
  obsDim: 4,
  actDim: 1,
  summary: 'cart-pole; +1 per step while |angle| ≤ 0.2',
  build(info) {
    const qp = qposFields(info);
    const qv = qvelFields(info);
    const nq = info.nq;
    const nv = info.nv;
    return {
      observation: concatFields(unbounded(qp.names, qp.units), unbounded(qv.names, qv.units)),
      needsContactForces: false,
      reset(v, rng) {
        addUniform(v.qpos, rng, RESET_NOISE);
        addUniform(v.qvel, rng, RESET_NOISE);
      },
      beforeStep() {},
      observe(v, out) {
        for (let i = 0; i < nq; i++) out[i] = v.qpos[i]!;
        for (let i = 0; i < nv; i++) out[nq + i] = v.qvel[i]!;
      },
      evaluate(v, _action, _dt, out) {
        let finite = true;
        for (let i = 0; i < nq; i++) finite &&= Number.isFinite(v.qpos[i]!);
        for (let i = 0; i < nv; i++) finite &&= Number.isFinite(v.qvel[i]!);
        const terminated = !finite || Math.abs(v.qpos[1]!) > MAX_ANGLE;
        out.terminated = terminated;
        out.reward = terminated ? 0 : 1;
        out.terms = undefined;
      },
    };
  },
};

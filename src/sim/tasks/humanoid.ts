/**
 * Humanoid (Gymnasium Humanoid-v5, humanoid_v5.py; specs/gymnasium-tasks.md):
 *
 *   reward = 1.25·ẋ_com + 5 (while healthy) − 0.1·Σa² − min(5e-7·Σ cfrc_ext², 10)
 *   ẋ_com  = (x_com after − x_com before) / dt,  x_com = Σ_b m_b·xipos_b / Σ_b m_b  (all bodies)
 *   healthy iff 1.0 < torso z (qpos[2]) < 2.0; terminated iff not healthy
 *
 * Observation (348), Gymnasium's order, every per-body block without the world body (v5 dropped it,
 * and the free joint's six qfrc_actuator elements, as always zero):
 *
 *   qpos[2:]            22   root z, root quaternion, 17 hinges (root x, y left out)
 *   qvel                23
 *   cinert[1:]     13 × 10 = 130
 *   cvel[1:]       13 × 6  =  78
 *   qfrc_actuator[6:]   17
 *   cfrc_ext[1:]   13 × 6  =  78
 *
 * cfrc_ext is filled by mj_rnePostConstraint, which MuJoCo ≥ 2.2 no longer runs inside mj_step; the env
 * runs it after the env step's physics steps (`needsContactForces`), as Gymnasium's MujocoEnv does, so
 * the observation and the contact cost see the forces of the last physics step. After a reset it is not
 * run (Gymnasium's set_state runs mj_forward only), so the first observation's cfrc_ext block is zero.
 *
 * Like Gymnasium, the centre of mass is read from xipos after mj_step, which holds the kinematics of the
 * last physics step's start (mj_step integrates after computing them); `beforeStep` reads it the same way.
 * One difference: this project clips the action to ctrlrange ±0.4 before it is applied and charges the
 * control cost on the clipped action; Gymnasium charges the unclipped one (MuJoCo clamps it only inside).
 */
import type { ModelInfo } from '../model.js';
import {
  addUniform,
  concatFields,
  qposFields,
  qvelFields,
  type SpaceFields,
  sumSquares,
  unbounded,
} from '../task.js';
import type { TaskDefinition } from './definition.js';

const FORWARD_REWARD_WEIGHT = 1.25;
const HEALTHY_REWARD = 5;
const CTRL_COST_WEIGHT = 0.1;
const CONTACT_COST_WEIGHT = 5e-7;
/** Gymnasium's contact_cost_range is (−∞, 10]: the cost is clipped above only. */
const CONTACT_COST_MAX = 10;
const RESET_NOISE = 1e-2;
const Z_LOW = 1.0;
const Z_HIGH = 2.0;
/** The root free joint's dofs, left out of the qfrc_actuator block (no actuator drives them). */
const ROOT_DOFS = 6;

/** cinert's 10 numbers per body (MuJoCo mj_comPos), in order, with units. */
const CINERT = [
  ['ixx', 'kg·m²'],
  ['iyy', 'kg·m²'],
  ['izz', 'kg·m²'],
  ['ixy', 'kg·m²'],
  ['ixz', 'kg·m²'],
  ['iyz', 'kg·m²'],
  ['mcx', 'kg·m'],
  ['mcy', 'kg·m'],
  ['mcz', 'kg·m'],
  ['m', 'kg'],
] as const;
/** cvel's 6 numbers per body: angular then linear velocity. */
const CVEL = [
  ['wx', 'rad/s'],
  ['wy', 'rad/s'],
  ['wz', 'rad/s'],
  ['vx', 'm/s'],
  ['vy', 'm/s'],
  ['vz', 'm/s'],
] as const;
/** cfrc_ext's 6 numbers per body: a spatial force at the centre of mass, torque then force. */
const CFRC = [
  ['tx', 'N·m'],
  ['ty', 'N·m'],
  ['tz', 'N·m'],
  ['fx', 'N'],
  ['fy', 'N'],
  ['fz', 'N'],
] as const;

/** `${body}.${block}.${component}` for every body but the world, with units. */
function perBody(
  info: ModelInfo,
  block: string,
  components: readonly (readonly [string, string])[],
): SpaceFields {
  const bodies = info.bodyNames.slice(1);
  return unbounded(
    bodies.flatMap((b) => components.map(([c]) => `${b}.${block}.${c}`)),
    bodies.flatMap(() => components.map(([, u]) => u)),
  );
}

export const humanoid: TaskDefinition = {
  name: 'humanoid',
  title: 'Humanoid',
  file: 'humanoid.xml',
  frameSkip: 5,
  dt: 0.015,
  horizon: 1000,
  obsDim: 348,
  actDim: 17,
  summary: '3D biped on a free joint; 1.25·CoM x velocity + 5 while healthy − 0.1·Σa² − min(5e-7·Σcfrc², 10)',
  build(info) {
    const qp = qposFields(info);
    const qv = qvelFields(info);
    const nq = info.nq;
    const nv = info.nv;
    const nb = info.nbody;
    const masses = Float64Array.from(info.bodyMasses);
    const totalMass = masses.reduce((s, m) => s + m, 0);
    // Actuated dofs are named after their joints; the model's hinges have one dof each.
    const hinges = info.jointNames.filter((_, j) => info.jointTypes[j] === 'hinge');
    const observation = concatFields(
      unbounded(qp.names.slice(2), qp.units.slice(2)),
      unbounded(qv.names, qv.units),
      perBody(info, 'cinert', CINERT),
      perBody(info, 'cvel', CVEL),
      unbounded(
        hinges.map((j) => `${j}.qfrc_actuator`),
        hinges.map(() => 'N·m'),
      ),
      perBody(info, 'cfrc_ext', CFRC),
    );
    /** x of the centre of mass: Σ m·xipos_x / Σ m (Gymnasium's mass_center). */
    const comX = (xipos: Float64Array): number => {
      let s = 0;
      for (let b = 0; b < nb; b++) s += masses[b]! * xipos[3 * b]!;
      return s / totalMass;
    };
    let xBefore = 0;
    return {
      observation,
      needsContactForces: true,
      reset(v, rng) {
        addUniform(v.qpos, rng, RESET_NOISE);
        addUniform(v.qvel, rng, RESET_NOISE);
      },
      beforeStep(v) {
        xBefore = comX(v.xipos);
      },
      observe(v, out) {
        let k = 0;
        for (let i = 2; i < nq; i++) out[k++] = v.qpos[i]!;
        for (let i = 0; i < nv; i++) out[k++] = v.qvel[i]!;
        for (let i = 10; i < 10 * nb; i++) out[k++] = v.cinert[i]!;
        for (let i = 6; i < 6 * nb; i++) out[k++] = v.cvel[i]!;
        for (let i = ROOT_DOFS; i < nv; i++) out[k++] = v.qfrc_actuator[i]!;
        for (let i = 6; i < 6 * nb; i++) out[k++] = v.cfrc_ext[i]!;
      },
      evaluate(v, action, dt, out) {
        const z = v.qpos[2]!;
        const healthy = z > Z_LOW && z < Z_HIGH;
        const forward = (FORWARD_REWARD_WEIGHT * (comX(v.xipos) - xBefore)) / dt;
        const healthyReward = healthy ? HEALTHY_REWARD : 0;
        const ctrlCost = CTRL_COST_WEIGHT * sumSquares(action);
        // Over every body, the world's (always zero) included, as Gymnasium sums data.cfrc_ext.
        const contactCost = Math.min(CONTACT_COST_WEIGHT * sumSquares(v.cfrc_ext), CONTACT_COST_MAX);
        out.reward = forward + healthyReward - ctrlCost - contactCost;
        out.terminated = !healthy;
        out.terms = { forward, healthy: healthyReward, ctrl_cost: ctrlCost, contact_cost: contactCost };
      },
    };
  },
};

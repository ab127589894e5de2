/**
 * Ant (Gymnasium Ant-v5; specs/gymnasium-tasks.md): reward x_velocity of the torso + 1 while healthy
 * − 0.5·Σa² − 5e-4·Σ clip(cfrc_ext, −1, 1)² over the 13 bodies; healthy iff 0.2 ≤ torso z ≤ 1.0 (and the
 * state is finite, which the env checks before every evaluation). Observation qpos[2:] ++ qvel, with the
 * clipped contact forces appended when `contactForces` is set. cfrc_ext is filled by
 * mj_rnePostConstraint, which the env runs after the step (as Gymnasium does since MuJoCo 2.2).
 */
import {
  addNormal,
  addUniform,
  clip,
  concatFields,
  qposFields,
  qvelFields,
  type SpaceFields,
  sumSquares,
  unbounded,
} from '../task.js';
import { indexOf, type TaskDefinition } from './definition.js';

const CTRL_COST_WEIGHT = 0.5;
const CONTACT_COST_WEIGHT = 5e-4;
const RESET_NOISE = 0.1;
const Z_LOW = 0.2;
const Z_HIGH = 1.0;

export const ant: TaskDefinition = {
  name: 'ant',
  title: 'Ant',
  file: 'ant.xml',
  frameSkip: 5,
  dt: 0.05,
  horizon: 1000,
  obsDim: 27,
  actDim: 8,
  summary: 'quadruped on a free joint; torso x velocity + 1 while healthy − 0.5·Σa² − 5e-4·Σcfrc²',
  build(info, options) {
    const torso = indexOf(info.bodyNames, 'torso', 'body', 'ant');
    const qp = qposFields(info);
    const qv = qvelFields(info);
    const nq = info.nq;
    const nv = info.nv;
    // Bodies 1.. (world, body 0, has no contact force of its own): 13 × 6 numbers.
    const nCfrc = (info.nbody - 1) * 6;
    const withForces = options.contactForces === true;
    const parts: SpaceFields[] = [
      unbounded(qp.names.slice(2), qp.units.slice(2)),
      unbounded(qv.names, qv.units),
    ];
    if (withForces) {
      // cfrc_ext rows are spatial forces at the body's centre of mass: torque (3) then force (3).
      const components = [
        ['tx', 'N·m'],
        ['ty', 'N·m'],
        ['tz', 'N·m'],
        ['fx', 'N'],
        ['fy', 'N'],
        ['fz', 'N'],
      ] as const;
      const bodies = info.bodyNames.slice(1);
      const names = bodies.flatMap((b) => components.map(([c]) => `${b}.cfrc_ext.${c}`));
      parts.push({
        names,
        units: bodies.flatMap(() => components.map(([, u]) => u)),
        low: names.map(() => -1),
        high: names.map(() => 1),
      });
    }
    let xBefore = 0;
    return {
      observation: concatFields(...parts),
      needsContactForces: true,
      reset(v, rng) {
        addUniform(v.qpos, rng, RESET_NOISE);
        addNormal(v.qvel, rng, RESET_NOISE);
      },
      beforeStep(v) {
        xBefore = v.xpos[3 * torso]!;
      },
      observe(v, out) {
        for (let i = 2; i < nq; i++) out[i - 2] = v.qpos[i]!;
        for (let i = 0; i < nv; i++) out[nq - 2 + i] = v.qvel[i]!;
        if (withForces) {
          const base = nq - 2 + nv;
          for (let i = 0; i < nCfrc; i++) {
            const f = v.cfrc_ext[6 + i]!;
            out[base + i] = clip(f, -1, 1);
          }
        }
      },
      evaluate(v, action, dt, out) {
        const z = v.qpos[2]!;
        const healthy = z >= Z_LOW && z <= Z_HIGH;
        const forward = (v.xpos[3 * torso]! - xBefore) / dt;
        const healthyReward = healthy ? 1 : 0;
        const ctrlCost = CTRL_COST_WEIGHT * sumSquares(action);
        let contact = 0;
        for (let i = 0; i < nCfrc; i++) {
          const f = v.cfrc_ext[6 + i]!;
          const c = clip(f, -1, 1);
          contact += c * c;
        }
        const contactCost = CONTACT_COST_WEIGHT * contact;
        out.reward = forward + healthyReward - ctrlCost - contactCost;
        out.terminated = !healthy;
        out.terms = { forward, healthy: healthyReward, ctrl_cost: ctrlCost, contact_cost: contactCost };
      },
    };
  },
};

/**
 * The Ant with its two front legs disabled (Fu et al. 2018, Sec. 7.2, the transfer experiment of AIRL):
 * ant_disabled.xml shortens the lower segments of legs 1 and 2 to a quarter and gives their four motors
 * gear 0, so those joints are passive. Everything else is the Ant's: reward (the control cost still
 * counts all eight actions), termination, observation (27, the same names), actions (8, the same order),
 * so a reward or policy learned on one runs on the other.
 */
export const antDisabled: TaskDefinition = {
  ...ant,
  name: 'ant-disabled',
  title: 'Ant, front legs disabled',
  file: 'ant_disabled.xml',
  summary: 'the Ant with legs 1 and 2 shortened and unactuated (AIRL transfer, Fu et al. 2018); Ant reward',
};

/**
 * Reacher (Gymnasium Reacher-v5; specs/gymnasium-tasks.md): observation cos(q0, q1), sin(q0, q1),
 * target (x, y), arm qvel, (fingertip − target)(x, y); reward −‖fingertip − target‖ − Σa², computed after
 * the step; never terminates. Reset: qpos += U(±0.1) (all four, as Gymnasium), then the target is drawn
 * U(±0.2)² until its norm < 0.2; qvel += U(±0.005) and the target's qvel is zeroed.
 */
import { addUniform, type SpaceFields, sumSquares } from '../task.js';
import { indexOf, type TaskDefinition } from './definition.js';

const GOAL_RADIUS = 0.2;

export const reacher: TaskDefinition = {
  name: 'reacher',
  title: 'Reacher',
  file: 'reacher.xml',
  frameSkip: 2,
  dt: 0.02,
  horizon: 50,
  obsDim: 10,
  actDim: 2,
  summary: 'two-link arm reaching a random target; −distance − Σa², never terminates',
  build(info) {
    const finger = indexOf(info.bodyNames, 'fingertip', 'body', 'reacher');
    const target = indexOf(info.bodyNames, 'target', 'body', 'reacher');
    const [j0, j1, tx, ty] = info.jointNames as [string, string, string, string];
    const inf = Number.POSITIVE_INFINITY;
    const observation: SpaceFields = {
      names: [
        `cos(${j0})`,
        `cos(${j1})`,
        `sin(${j0})`,
        `sin(${j1})`,
        tx,
        ty,
        `${j0}.vel`,
        `${j1}.vel`,
        'fingertip-target.x',
        'fingertip-target.y',
      ],
      units: ['1', '1', '1', '1', 'm', 'm', 'rad/s', 'rad/s', 'm', 'm'],
      low: [-1, -1, -1, -1, -0.27, -0.27, -inf, -inf, -inf, -inf],
      high: [1, 1, 1, 1, 0.27, 0.27, inf, inf, inf, inf],
    };
    return {
      observation,
      needsContactForces: false,
      reset(v, rng) {
        addUniform(v.qpos, rng, 0.1);
        let gx: number;
        let gy: number;
        do {
          gx = rng.uniform(-GOAL_RADIUS, GOAL_RADIUS);
          gy = rng.uniform(-GOAL_RADIUS, GOAL_RADIUS);
        } while (Math.hypot(gx, gy) >= GOAL_RADIUS);
        v.qpos[2] = gx;
        v.qpos[3] = gy;
        addUniform(v.qvel, rng, 0.005);
        v.qvel[2] = 0;
        v.qvel[3] = 0;
      },
      beforeStep() {},
      observe(v, out) {
        const q = v.qpos;
        out[0] = Math.cos(q[0]!);
        out[1] = Math.cos(q[1]!);
        out[2] = Math.sin(q[0]!);
        out[3] = Math.sin(q[1]!);
        out[4] = q[2]!;
        out[5] = q[3]!;
        out[6] = v.qvel[0]!;
        out[7] = v.qvel[1]!;
        out[8] = v.xpos[3 * finger]! - v.xpos[3 * target]!;
        out[9] = v.xpos[3 * finger + 1]! - v.xpos[3 * target + 1]!;
      },
      evaluate(v, action, _dt, out) {
        const dx = v.xpos[3 * finger]! - v.xpos[3 * target]!;
        const dy = v.xpos[3 * finger + 1]! - v.xpos[3 * target + 1]!;
        const dz = v.xpos[3 * finger + 2]! - v.xpos[3 * target + 2]!;
        const distance = Math.sqrt(dx * dx + dy * dy + dz * dz);
        const ctrlCost = sumSquares(action);
        out.terminated = false;
        out.reward = -distance - ctrlCost;
        out.terms = { distance: -distance, ctrl_cost: ctrlCost };
      },
    };
  },
};

/**
 * Reacher with both motors wired backwards (reacher_reversed.xml: gear −200): every action turns its
 * joint the other way. Observation, reward, reset and horizon are the Reacher's, so a reward or policy of
 * one runs on the other. A cheap changed dynamics for AIRL's reward transfer (docs/airl.md): the state
 * the expert drives to is still the goal, the expert's actions now lead away from it.
 */
export const reacherReversed: TaskDefinition = {
  ...reacher,
  name: 'reacher-reversed',
  title: 'Reacher, motors reversed',
  file: 'reacher_reversed.xml',
  summary: 'the Reacher with both motors wired backwards (gear −200; AIRL transfer); Reacher reward',
};

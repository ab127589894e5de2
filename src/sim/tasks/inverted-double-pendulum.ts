/**
 * InvertedDoublePendulum (Gymnasium InvertedDoublePendulum-v5; specs/gymnasium-tasks.md table):
 * observation [cart x, sin(hinge, hinge2), cos(hinge, hinge2), clip(qvel, ±10), clip(qfrc_constraint,
 * ±10)[0]] (9); with (x, _, y) the tip site's position, reward = 10·[not terminated] − (0.01·x² + (y − 2)²)
 * − (1e-3·ω1² + 5e-3·ω2²); terminated iff y ≤ 1; reset qpos += U(±0.1), qvel += 0.1·N(0, 1).
 */
import { addNormal, addUniform, clip, type SpaceFields } from '../task.js';
import { indexOf, type TaskDefinition } from './definition.js';

const CLIP = 10;
const ALIVE_BONUS = 10;
const RESET_NOISE = 0.1;

export const invertedDoublePendulum: TaskDefinition = {
  name: 'inverted-double-pendulum',
  title: 'InvertedDoublePendulum',
  file: 'inverted_double_pendulum.xml',
  frameSkip: 5,
  dt: 0.05,
  horizon: 1000,
  obsDim: 9,
  actDim: 1,
  summary: 'cart with two poles; 10 per step alive − tip distance and velocity penalties',
  build(info) {
    const tip = indexOf(info.siteNames, 'tip', 'site', 'inverted-double-pendulum');
    const [cart, h1, h2] = info.jointNames as [string, string, string];
    const inf = Number.POSITIVE_INFINITY;
    const observation: SpaceFields = {
      names: [
        cart,
        `sin(${h1})`,
        `sin(${h2})`,
        `cos(${h1})`,
        `cos(${h2})`,
        `${cart}.vel`,
        `${h1}.vel`,
        `${h2}.vel`,
        `${cart}.constraint_force`,
      ],
      units: ['m', '1', '1', '1', '1', 'm/s', 'rad/s', 'rad/s', 'N'],
      low: [-inf, -1, -1, -1, -1, -CLIP, -CLIP, -CLIP, -CLIP],
      high: [inf, 1, 1, 1, 1, CLIP, CLIP, CLIP, CLIP],
    };
    const c = (x: number): number => clip(x, -CLIP, CLIP);
    return {
      observation,
      needsContactForces: false,
      reset(v, rng) {
        addUniform(v.qpos, rng, RESET_NOISE);
        addNormal(v.qvel, rng, RESET_NOISE);
      },
      beforeStep() {},
      observe(v, out) {
        const q = v.qpos;
        out[0] = q[0]!;
        out[1] = Math.sin(q[1]!);
        out[2] = Math.sin(q[2]!);
        out[3] = Math.cos(q[1]!);
        out[4] = Math.cos(q[2]!);
        out[5] = c(v.qvel[0]!);
        out[6] = c(v.qvel[1]!);
        out[7] = c(v.qvel[2]!);
        out[8] = c(v.qfrc_constraint[0]!);
      },
      evaluate(v, _action, _dt, out) {
        const x = v.site_xpos[3 * tip]!;
        const y = v.site_xpos[3 * tip + 2]!;
        const w1 = v.qvel[1]!;
        const w2 = v.qvel[2]!;
        const terminated = y <= 1;
        const distPenalty = 0.01 * x * x + (y - 2) * (y - 2);
        const velPenalty = 1e-3 * w1 * w1 + 5e-3 * w2 * w2;
        const alive = terminated ? 0 : ALIVE_BONUS;
        out.terminated = terminated;
        out.reward = alive - distPenalty - velPenalty;
        out.terms = { alive, distance_penalty: distPenalty, velocity_penalty: velPenalty };
      },
    };
  },
};

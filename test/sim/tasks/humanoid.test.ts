/**
 * Humanoid (Gymnasium Humanoid-v5): the model's figures against Gymnasium's humanoid.xml, the 348-number
 * observation block by block, the reward terms by hand on known states, termination on the torso height,
 * seeded determinism.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../src/core/rng.js';
import type { MujocoEnv } from '../../../src/sim/env.js';
import { loadModel } from '../../../src/sim/model.js';
import { getTask, makeTaskEnv, taskXmlPath } from '../../../src/sim/tasks/index.js';

const close = (a: number, b: number, tol = 1e-9, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);

/**
 * Body masses (kg) of Gymnasium's assets/humanoid.xml (Gymnasium 3f0476a) compiled by the same
 * @mujoco/mujoco 3.14 build, in body order; world, torso, lwaist, pelvis, right thigh/shin/foot, left
 * thigh/shin/foot, right upper/lower arm, left upper/lower arm. Total 42.116 kg.
 */
const GYMNASIUM_BODY_MASSES = [
  0, 8.907462370478262, 2.261946710584651, 6.616194128460103, 4.751750928806242, 2.7556961671836424,
  1.7671458676442586, 4.751750928806242, 2.7556961671836424, 1.7671458676442586, 1.6610804848382084,
  1.2295401928310803, 1.6610804848382084, 1.2295401928310803,
];
/** Gymnasium's actuators in order, with their gears. */
const GYMNASIUM_GEARS: [string, number][] = [
  ['abdomen_y', 100],
  ['abdomen_z', 100],
  ['abdomen_x', 100],
  ['right_hip_x', 100],
  ['right_hip_z', 100],
  ['right_hip_y', 300],
  ['right_knee', 200],
  ['left_hip_x', 100],
  ['left_hip_z', 100],
  ['left_hip_y', 300],
  ['left_knee', 200],
  ['right_shoulder1', 25],
  ['right_shoulder2', 25],
  ['right_elbow', 25],
  ['left_shoulder1', 25],
  ['left_shoulder2', 25],
  ['left_elbow', 25],
];

/** Observation blocks in order: name, size, first element's name (Gymnasium's observation_structure). */
const BLOCKS = [
  ['qpos[2:]', 22, 'root.z'],
  ['qvel', 23, 'root.vx'],
  ['cinert[1:]', 130, 'torso.cinert.ixx'],
  ['cvel[1:]', 78, 'torso.cvel.wx'],
  ['qfrc_actuator[6:]', 17, 'abdomen_z.qfrc_actuator'],
  ['cfrc_ext[1:]', 78, 'torso.cfrc_ext.tx'],
] as const;

/** x of the centre of mass from the env's live views: Σ m·xipos_x / Σ m. */
function comX(env: MujocoEnv): number {
  const masses = env.model.info.bodyMasses;
  const xipos = env.model.views().xipos;
  let s = 0;
  let m = 0;
  masses.forEach((mb, b) => {
    s += mb * xipos[3 * b]!;
    m += mb;
  });
  return s / m;
}

/** qpos0 with the torso at height z, and a qvel with the root's vertical velocity vz. */
function dropState(env: MujocoEnv, z: number, vz: number): { qpos: number[]; qvel: number[] } {
  const qpos = Array.from(env.model.model.qpos0 as Float64Array);
  qpos[2] = z;
  const qvel = new Array<number>(23).fill(0);
  qvel[2] = vz;
  return { qpos, qvel };
}

describe('Humanoid: the model', () => {
  it("has Gymnasium's bodies, masses, actuators and gears, ctrlrange ±0.4, RK4 at 0.003 s, PGS", async () => {
    const env = await makeTaskEnv('humanoid');
    const info = env.model.info;
    assert.equal(info.nbody, 14);
    info.bodyMasses.forEach((m, b) => {
      close(m, GYMNASIUM_BODY_MASSES[b]!, 1e-12, info.bodyNames[b]);
    });
    assert.deepEqual(
      info.actuatorNames,
      GYMNASIUM_GEARS.map(([n]) => n),
    );
    const gear = env.model.model.actuator_gear as Float64Array;
    assert.deepEqual(
      info.actuatorNames.map((_, i) => gear[6 * i]),
      GYMNASIUM_GEARS.map(([, g]) => g),
    );
    assert.ok(info.ctrlRange.every(([lo, hi]) => lo === -0.4 && hi === 0.4));
    assert.equal(info.timestep, 0.003);
    const opt = env.model.model.opt;
    // mjtIntegrator: 0 Euler, 1 RK4; mjtSolver: 0 PGS.
    assert.deepEqual([opt.integrator, opt.solver, opt.iterations], [1, 0, 50]);
    assert.equal(env.model.model.qpos0[2], 1.4);
    env.dispose();
  });
});

describe('Humanoid: observation (348)', () => {
  it('is qpos[2:] ++ qvel ++ cinert[1:] ++ cvel[1:] ++ qfrc_actuator[6:] ++ cfrc_ext[1:], named so', async () => {
    const env = await makeTaskEnv('humanoid');
    const names = env.spec.observation.names;
    let at = 0;
    for (const [block, size, first] of BLOCKS) {
      assert.equal(names[at], first, `${block} starts at ${at}`);
      at += size;
    }
    assert.equal(at, 348);
    assert.equal(names.at(-1), 'left_lower_arm.cfrc_ext.fz');
    assert.ok(!names.includes('root.x') && !names.includes('root.y'), 'root x and y are left out');
    assert.ok(!names.some((n) => n.startsWith('world.')), 'no world-body rows');

    env.reset(3);
    const a = Array.from({ length: 17 }, (_, i) => 0.4 * Math.sin(i + 1));
    let r = env.step(a);
    for (let t = 0; t < 4; t++) r = env.step(a);
    const v = env.model.views();
    const expected = [
      ...v.qpos.slice(2),
      ...v.qvel,
      ...v.cinert.slice(10),
      ...v.cvel.slice(6),
      ...v.qfrc_actuator.slice(6),
      ...v.cfrc_ext.slice(6),
    ];
    assert.deepEqual(Array.from(r.obs), expected);
    env.dispose();
  });

  it('qfrc_actuator is gear × ctrl on each actuated joint (actuator order ≠ joint order)', async () => {
    const env = await makeTaskEnv('humanoid');
    env.reset(0);
    const a = Array.from({ length: 17 }, (_, i) => -0.4 + (0.8 * i) / 16);
    const r = env.step(a);
    const names = env.spec.observation.names;
    GYMNASIUM_GEARS.forEach(([joint, gear], i) => {
      const k = names.indexOf(`${joint}.qfrc_actuator`);
      close(r.obs[k]!, gear * a[i]!, 1e-12, joint);
    });
    env.dispose();
  });

  it('cfrc_ext is zero at reset (no mj_rnePostConstraint there, as in Gymnasium) and filled after a step', async () => {
    const env = await makeTaskEnv('humanoid');
    const first = env.reset(1);
    assert.ok(first.slice(270).every((x) => x === 0));
    // cinert is filled at reset (mj_forward): the torso's mass is its last element.
    close(first[45 + 9]!, GYMNASIUM_BODY_MASSES[1]!, 1e-12, 'torso.cinert.m');
    const { qpos, qvel } = dropState(env, 1.3, -3);
    env.setState(qpos, qvel);
    const r = env.step(new Array(17).fill(0));
    const names = env.spec.observation.names;
    const footFz = r.obs[names.indexOf('right_foot.cfrc_ext.fz')]!;
    assert.ok(footFz > 100, `the floor pushes the landing right foot up: fz = ${footFz} N`);
    env.dispose();
  });
});

describe('Humanoid: contact forces need mj_rnePostConstraint', () => {
  it('mj_step leaves cfrc_ext zero in @mujoco/mujoco 3.x, so the task asks the env for the extra call', async () => {
    const task = getTask('humanoid');
    const sim = await loadModel({ path: taskXmlPath(task) });
    try {
      const { mujoco, model, data } = sim;
      mujoco.mj_resetData(model, data);
      sim.views().qpos[2] = 1.3;
      sim.views().qvel[2] = -3;
      for (let k = 0; k < 5; k++) mujoco.mj_step(model, data);
      const sumSq = (): number => sim.views().cfrc_ext.reduce((s, x) => s + x * x, 0);
      assert.equal(sumSq(), 0, 'no contact force without mj_rnePostConstraint, though the feet touch');
      mujoco.mj_rnePostConstraint(model, data);
      assert.ok(sumSq() > 1e6, `filled by mj_rnePostConstraint: Σ cfrc_ext² = ${sumSq()}`);
      assert.equal(task.build(sim.info, {}).needsContactForces, true);
    } finally {
      sim.dispose();
    }
  });
});

describe('Humanoid: reward', () => {
  for (const [label, z, vz, clipped] of [
    ['on a soft landing', 1.3, -3, false],
    ['on a hard landing (contact cost clipped at 10)', 1.25, -6, true],
  ] as const) {
    it(`= 1.25·Δx_com/dt + 5 − 0.1·Σa² − min(5e-7·Σcfrc_ext², 10), by hand ${label}`, async () => {
      const env = await makeTaskEnv('humanoid');
      env.reset(0);
      const { qpos, qvel } = dropState(env, z, vz);
      qvel[0] = 0.7;
      env.setState(qpos, qvel);
      const before = comX(env);
      const a = Array.from({ length: 17 }, (_, i) => (i % 3 === 0 ? 0.3 : -0.2));
      const r = env.step(a);
      const v = env.model.views();
      const forward = (1.25 * (comX(env) - before)) / 0.015;
      const ctrl = 0.1 * a.reduce((s, x) => s + x * x, 0);
      const contactRaw = 5e-7 * v.cfrc_ext.reduce((s, x) => s + x * x, 0);
      assert.equal(contactRaw > 10, clipped, `raw contact cost ${contactRaw}`);
      const contact = Math.min(contactRaw, 10);
      assert.ok(forward > 0.5, `the body moves forward at 0.7 m/s: ${forward}`);
      const terms = r.info.rewardTerms!;
      close(terms.forward!, forward, 1e-12, 'forward');
      close(terms.ctrl_cost!, ctrl, 1e-12, 'ctrl');
      close(terms.contact_cost!, contact, 1e-12, 'contact');
      assert.equal(terms.healthy, 5);
      close(r.reward, forward + 5 - ctrl - contact, 1e-12, 'reward');
      assert.equal(r.terminated, false);
      env.dispose();
    });
  }

  it('charges the control cost on the action clipped to ±0.4', async () => {
    const env = await makeTaskEnv('humanoid');
    env.reset(0);
    const r = env.step(new Array(17).fill(2));
    close(r.info.rewardTerms!.ctrl_cost!, 0.1 * 17 * 0.16, 1e-12);
    env.dispose();
  });
});

describe('Humanoid: termination', () => {
  it('terminates unless 1.0 < torso z < 2.0, with no healthy reward on that step', async () => {
    const env = await makeTaskEnv('humanoid');
    // z after one 0.015 s step from rest: within a few mm of the start.
    for (const [z, ends] of [
      [0.9, true],
      [1.05, false],
      [1.4, false],
      [1.95, false],
      [2.1, true],
    ] as const) {
      env.reset(0);
      const { qpos, qvel } = dropState(env, z, 0);
      env.setState(qpos, qvel);
      const r = env.step(new Array(17).fill(0));
      assert.equal(r.terminated, ends, `z = ${z}`);
      assert.equal(r.truncated, false);
      assert.equal(r.info.rewardTerms!.healthy, ends ? 0 : 5, `z = ${z}`);
      if (ends) assert.equal(r.info.end, 'terminated');
    }
    env.dispose();
  });

  it('a passive humanoid falls and terminates within 100 steps (Gymnasium: ~20-40 with random actions)', async () => {
    const env = await makeTaskEnv('humanoid');
    env.reset(0);
    let steps = 0;
    for (;;) {
      const r = env.step(new Array(17).fill(0));
      steps++;
      assert.equal(r.diverged, false);
      if (r.terminated || r.truncated) {
        assert.equal(r.terminated, true);
        break;
      }
    }
    assert.ok(steps > 5 && steps < 100, `${steps} steps`);
    env.dispose();
  });
});

describe('Humanoid: seeds', () => {
  it('reset noise is U(±0.01) on qpos and qvel around qpos0 and rest', async () => {
    const env = await makeTaskEnv('humanoid');
    const qpos0 = Array.from(env.model.model.qpos0 as Float64Array);
    let maxDev = 0;
    for (let seed = 0; seed < 10; seed++) {
      env.reset(seed);
      const v = env.model.views();
      v.qpos.forEach((q, i) => {
        maxDev = Math.max(maxDev, Math.abs(q - qpos0[i]!));
      });
      for (const x of v.qvel) maxDev = Math.max(maxDev, Math.abs(x));
    }
    assert.ok(maxDev <= 0.01 && maxDev > 0.009, `max deviation ${maxDev}`);
    env.dispose();
  });

  it('the same seed and actions give the same episode, bit for bit, in two envs; another seed does not', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const env = await makeTaskEnv('humanoid');
      const rng = new Rng(42);
      const out = [...env.reset(seed)];
      for (let t = 0; t < 30; t++) {
        const r = env.step(Array.from({ length: 17 }, () => rng.uniform(-0.4, 0.4)));
        out.push(...r.obs, r.reward);
        if (r.terminated) break;
      }
      env.dispose();
      return out;
    };
    const a = await run(7);
    assert.deepEqual(await run(7), a);
    assert.notDeepEqual(await run(8), a);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { getTask, makeTaskEnv, TASK_NAMES, TASKS } from '../../src/sim/tasks/index.js';

const close = (a: number, b: number, tol = 1e-9): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

/** Copies of the state that hand computations need, taken before a step. */
function snapshot(env: MujocoEnv): { qpos: number[]; xpos: number[] } {
  const v = env.model.views();
  return { qpos: Array.from(v.qpos), xpos: Array.from(v.xpos) };
}

const SPEC_TABLE: Record<
  string,
  [
    timestep: number,
    frameSkip: number,
    dt: number,
    nq: number,
    nv: number,
    nu: number,
    horizon: number,
    obs: number,
  ]
> = {
  'inverted-pendulum': [0.02, 2, 0.04, 2, 2, 1, 1000, 4],
  'inverted-double-pendulum': [0.01, 5, 0.05, 3, 3, 1, 1000, 9],
  reacher: [0.01, 2, 0.02, 4, 4, 2, 50, 10],
  hopper: [0.002, 4, 0.008, 6, 6, 3, 1000, 11],
  walker2d: [0.002, 4, 0.008, 9, 9, 6, 1000, 17],
  'half-cheetah': [0.01, 5, 0.05, 9, 9, 6, 1000, 17],
  ant: [0.01, 5, 0.05, 15, 14, 8, 1000, 27],
  humanoid: [0.003, 5, 0.015, 24, 23, 17, 1000, 348],
  'ant-disabled': [0.01, 5, 0.05, 15, 14, 8, 1000, 27],
  'reacher-reversed': [0.01, 2, 0.02, 4, 4, 2, 50, 10],
};

/** ctrlrange half-width where it is not 1. */
const CTRL_RANGE: Record<string, number> = { 'inverted-pendulum': 3, humanoid: 0.4 };

describe('built-in tasks: the spec table (specs/gymnasium-tasks.md)', () => {
  for (const name of TASK_NAMES) {
    it(`${name}: timestep, frame skip, dt, sizes, horizon, obs dim, ctrlrange`, async () => {
      const [timestep, frameSkip, dt, nq, nv, nu, horizon, obsDim] = SPEC_TABLE[name]!;
      const env = await makeTaskEnv(name);
      const info = env.model.info;
      assert.equal(info.timestep, timestep);
      assert.deepEqual([info.nq, info.nv, info.nu], [nq, nv, nu]);
      assert.equal(env.spec.frameSkip, frameSkip);
      close(env.spec.dt, dt);
      close(TASKS[name].dt, dt);
      assert.equal(env.spec.horizon, horizon);
      assert.equal(env.reset(0).length, obsDim);
      assert.equal(env.spec.observation.names.length, obsDim);
      assert.equal(TASKS[name].obsDim, obsDim);
      assert.equal(TASKS[name].actDim, nu);
      const range = CTRL_RANGE[name] ?? 1;
      assert.deepEqual(env.spec.action.high, new Array(nu).fill(range));
      assert.equal(new Set(env.spec.observation.names).size, obsDim, 'observation names are unique');
      env.dispose();
    });
  }

  it('rejects an unknown task with the list of names', () => {
    assert.throws(
      () => getTask('hoper'),
      /unknown task "hoper"; built-in tasks are: inverted-pendulum, .*ant, humanoid/,
    );
  });
});

describe('Hopper', () => {
  it('terminates when the torso drops below 0.7, and not above it', async () => {
    const env = await makeTaskEnv('hopper');
    env.reset(0);
    const qpos = Array.from(env.model.views().qpos);
    qpos[1] = 0.6;
    env.setState(qpos, new Array(6).fill(0));
    const low = env.step([0, 0, 0]);
    assert.equal(low.terminated, true);
    assert.equal(low.truncated, false);
    assert.equal(low.info.end, 'terminated');
    assert.equal(low.info.rewardTerms!.healthy, 0, 'no healthy bonus on an unhealthy step');
    env.reset(0);
    const ok = env.step([0, 0, 0]);
    assert.equal(ok.terminated, false);
    assert.equal(ok.info.rewardTerms!.healthy, 1);
    env.dispose();
  });

  it('terminates when |torso angle| ≥ 0.2', async () => {
    const env = await makeTaskEnv('hopper');
    env.reset(0);
    const qpos = Array.from(env.model.views().qpos);
    qpos[2] = 0.25;
    env.setState(qpos, new Array(6).fill(0));
    assert.equal(env.step([0, 0, 0]).terminated, true);
    env.dispose();
  });

  it('reward = Δx/dt + 1 − 1e-3·Σa² and obs = qpos[1:] ++ clip(qvel, ±10), by hand for one step', async () => {
    const env = await makeTaskEnv('hopper');
    env.reset(5);
    const qpos = Array.from(env.model.views().qpos);
    const qvel = [30, 0.1, -0.2, 0, 0, 0];
    env.setState(qpos, qvel);
    const before = snapshot(env);
    const a = [0.5, -0.25, 2];
    const r = env.step(a);
    const v = env.model.views();
    const forward = (v.qpos[0]! - before.qpos[0]!) / 0.008;
    close(r.reward, forward + 1 - 1e-3 * (0.25 + 0.0625 + 1));
    close(r.info.rewardTerms!.forward!, forward);
    const expected = [
      ...Array.from(v.qpos).slice(1),
      ...Array.from(v.qvel, (x) => Math.max(-10, Math.min(10, x))),
    ];
    assert.deepEqual(Array.from(r.obs), expected);
    assert.ok(r.obs.slice(5).every((x) => Math.abs(x) <= 10));
    env.dispose();
  });

  it('reset noise is U(±5e-3) on qpos and qvel around the initial state', async () => {
    const env = await makeTaskEnv('hopper');
    const qpos0 = [0, 1.25, 0, 0, 0, 0];
    let maxDev = 0;
    for (let seed = 0; seed < 20; seed++) {
      env.reset(seed);
      const v = env.model.views();
      for (let i = 0; i < 6; i++) {
        maxDev = Math.max(maxDev, Math.abs(v.qpos[i]! - qpos0[i]!), Math.abs(v.qvel[i]!));
      }
    }
    assert.ok(maxDev <= 5e-3 && maxDev > 4e-3, `max deviation ${maxDev}`);
    env.dispose();
  });
});

describe('Walker2d', () => {
  it('terminates outside 0.8 < z < 2.0 and |angle| < 1', async () => {
    const env = await makeTaskEnv('walker2d');
    for (const [i, value, ends] of [
      [1, 0.7, true],
      [1, 2.1, true],
      [2, 1.1, true],
      [2, 0.5, false],
    ] as const) {
      env.reset(0);
      const qpos = Array.from(env.model.views().qpos);
      qpos[i] = value;
      env.setState(qpos, new Array(9).fill(0));
      assert.equal(env.step(new Array(6).fill(0)).terminated, ends, `qpos[${i}] = ${value}`);
    }
    env.dispose();
  });
});

describe('HalfCheetah', () => {
  it('never terminates: a random episode runs to the horizon and is truncated there', async () => {
    const env = await makeTaskEnv('half-cheetah');
    const rng = new Rng(1);
    env.reset(1);
    let steps = 0;
    for (;;) {
      const r = env.step(Array.from({ length: 6 }, () => rng.uniform(-1, 1)));
      steps++;
      assert.equal(r.terminated, false);
      if (r.truncated) {
        assert.equal(r.info.end, 'truncated');
        break;
      }
    }
    assert.equal(steps, 1000);
    env.dispose();
  });

  it('reward = Δx/dt − 0.1·Σa², by hand', async () => {
    const env = await makeTaskEnv('half-cheetah');
    env.reset(2);
    const x0 = env.model.views().qpos[0]!;
    const r = env.step([1, -1, 0.5, 0, 0, 0]);
    close(r.reward, (env.model.views().qpos[0]! - x0) / 0.05 - 0.1 * 2.25);
    env.dispose();
  });
});

describe('the horizon', () => {
  it('truncates and does not terminate', async () => {
    const env = await makeTaskEnv('hopper', { horizon: 3 });
    env.reset(0);
    const r1 = env.step([0, 0, 0]);
    const r2 = env.step([0, 0, 0]);
    const r3 = env.step([0, 0, 0]);
    assert.deepEqual([r1.truncated, r2.truncated, r3.truncated], [false, false, true]);
    assert.equal(r3.terminated, false);
    assert.equal(r3.info.end, 'truncated');
    env.dispose();
  });
});

describe('Ant', () => {
  it('reward = torso Δx/dt + 1 − 0.5·Σa² − 5e-4·Σclip(cfrc_ext)², health 0.2 ≤ z ≤ 1', async () => {
    const env = await makeTaskEnv('ant');
    env.reset(0);
    const x0 = env.model.views().xpos[3]!;
    const a = [0.5, 0.5, 0, 0, 0, 0, 0, -1];
    const r = env.step(a);
    const v = env.model.views();
    let contact = 0;
    for (let i = 6; i < v.cfrc_ext.length; i++) contact += Math.max(-1, Math.min(1, v.cfrc_ext[i]!)) ** 2;
    close(r.reward, (v.xpos[3]! - x0) / 0.05 + 1 - 0.5 * 1.5 - 5e-4 * contact);
    assert.deepEqual(Array.from(r.obs), [...Array.from(v.qpos).slice(2), ...Array.from(v.qvel)]);
    const qpos = Array.from(v.qpos);
    qpos[2] = 1.2;
    env.setState(qpos, new Array(14).fill(0));
    assert.equal(env.step(new Array(8).fill(0)).terminated, true);
    env.dispose();
  });

  it('appends 13×6 clipped contact forces with contactForces (obs 105)', async () => {
    const env = await makeTaskEnv('ant', { contactForces: true });
    env.reset(0);
    let r = env.step(new Array(8).fill(0));
    for (let t = 0; t < 10; t++) r = env.step(new Array(8).fill(0));
    assert.equal(r.obs.length, 105);
    assert.equal(env.spec.observation.names[27], 'torso.cfrc_ext.tx');
    assert.ok(r.obs.slice(27).every((x) => x >= -1 && x <= 1));
    assert.ok(
      r.obs.slice(27).some((x) => x !== 0),
      'the feet touch the floor after a few steps',
    );
    env.dispose();
  });
});

describe('ant-disabled (AIRL transfer, Fu et al. 2018)', () => {
  /** Joint positions (qpos[7:]: hip_1, ankle_1, …, ankle_4) after 20 steps of `action` from reset(0). */
  async function jointsAfter(task: string, action: number[]): Promise<number[]> {
    const env = await makeTaskEnv(task);
    env.reset(0);
    for (let t = 0; t < 20; t++) env.step(action);
    const q = Array.from(env.model.views().qpos).slice(7);
    env.dispose();
    return q;
  }

  it("has the Ant's spec: observation names, action names and bounds, reward terms", async () => {
    const [ant, disabled] = await Promise.all([makeTaskEnv('ant'), makeTaskEnv('ant-disabled')]);
    assert.deepEqual(disabled.spec.observation.names, ant.spec.observation.names);
    assert.deepEqual(disabled.spec.action, ant.spec.action);
    assert.deepEqual(disabled.spec.source, { kind: 'task', task: 'ant-disabled' });
    disabled.reset(0);
    const x0 = disabled.model.views().xpos[3]!;
    const r = disabled.step(new Array(8).fill(0.5));
    const v = disabled.model.views();
    let contact = 0;
    for (let i = 6; i < v.cfrc_ext.length; i++) contact += Math.max(-1, Math.min(1, v.cfrc_ext[i]!)) ** 2;
    // The Ant's reward; the disabled legs' actions still cost (0.5 · 8 · 0.25).
    close(r.reward, (v.xpos[3]! - x0) / 0.05 + 1 - 0.5 * 8 * 0.25 - 5e-4 * contact);
    ant.dispose();
    disabled.dispose();
  });

  it('front legs (actuators 2–5: hip_1, ankle_1, hip_2, ankle_2) do nothing; legs 3 and 4 move as on the Ant', async () => {
    // Actions are in Gymnasium's order: hip_4, ankle_4, hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3.
    const zero = await jointsAfter('ant-disabled', new Array(8).fill(0));
    const front = await jointsAfter('ant-disabled', [0, 0, 1, 1, 1, 1, 0, 0]);
    const back = await jointsAfter('ant-disabled', [1, 1, 0, 0, 0, 0, 1, 1]);
    // Driving only the disabled motors leaves the state exactly as with no action at all.
    assert.deepEqual(front, zero);
    // Driving legs 3 and 4 moves their hips (qpos order hip_1, ankle_1, hip_2, ankle_2, hip_3, …, ankle_4).
    assert.ok(
      Math.abs(back[4]! - zero[4]!) > 0.05 && Math.abs(back[6]! - zero[6]!) > 0.05,
      `${back} vs ${zero}`,
    );
    // On the Ant the same front-leg command moves hip_1.
    const antZero = await jointsAfter('ant', new Array(8).fill(0));
    const antFront = await jointsAfter('ant', [0, 0, 1, 1, 1, 1, 0, 0]);
    assert.ok(Math.abs(antFront[0]! - antZero[0]!) > 0.05);
  });
});

describe('reacher-reversed', () => {
  it('is the Reacher with every action turning its joint the other way; same spec and reward', async () => {
    const [a, b] = await Promise.all([makeTaskEnv('reacher'), makeTaskEnv('reacher-reversed')]);
    assert.deepEqual(b.spec.observation, a.spec.observation);
    assert.deepEqual(b.spec.action, a.spec.action);
    assert.deepEqual(a.reset(3), b.reset(3), 'the same reset (target included)');
    let ra = a.step([0.5, -0.3]);
    let rb = b.step([-0.5, 0.3]);
    for (let t = 0; t < 9; t++) {
      ra = a.step([0.5, -0.3]);
      rb = b.step([-0.5, 0.3]);
    }
    // The negated action on reversed motors is the same motion, the same observation and reward.
    for (let i = 0; i < 10; i++) close(rb.obs[i]!, ra.obs[i]!, 1e-9);
    close(rb.reward, ra.reward, 1e-9);
    a.dispose();
    b.dispose();
  });
});

describe('InvertedPendulum', () => {
  it('pays 1 per step while |hinge| ≤ 0.2, 0 on the terminating step; reset noise U(±0.01)', async () => {
    const env = await makeTaskEnv('inverted-pendulum');
    const obs = env.reset(9);
    assert.ok(obs.every((x) => Math.abs(x) <= 0.01));
    assert.equal(env.step([0]).reward, 1);
    env.setState([0, 0.3], [0, 0]);
    const r = env.step([0]);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 0);
    env.dispose();
  });
});

describe('InvertedDoublePendulum', () => {
  it('reward = 10 − (0.01x² + (y − 2)²) − (1e-3ω1² + 5e-3ω2²) from the tip; terminated iff y ≤ 1', async () => {
    const env = await makeTaskEnv('inverted-double-pendulum');
    env.reset(0);
    const r = env.step([0.3]);
    const v = env.model.views();
    const x = v.site_xpos[0]!;
    const y = v.site_xpos[2]!;
    close(r.reward, 10 - (0.01 * x * x + (y - 2) ** 2) - (1e-3 * v.qvel[1]! ** 2 + 5e-3 * v.qvel[2]! ** 2));
    close(r.obs[1]!, Math.sin(v.qpos[1]!));
    close(r.obs[4]!, Math.cos(v.qpos[2]!));
    env.setState([0, 1.6, 0], [0, 0, 0]);
    assert.equal(env.step([0]).terminated, true);
    env.dispose();
  });
});

describe('Reacher', () => {
  it('draws the target inside radius 0.2 with zero velocity, never terminates, truncates at 50', async () => {
    const env = await makeTaskEnv('reacher');
    for (let seed = 0; seed < 10; seed++) {
      const obs = env.reset(seed);
      assert.ok(Math.hypot(obs[4]!, obs[5]!) < 0.2);
      const v = env.model.views();
      assert.deepEqual([v.qvel[2], v.qvel[3]], [0, 0]);
      assert.ok(Math.abs(v.qpos[0]!) <= 0.1 && Math.abs(v.qpos[1]!) <= 0.1);
    }
    let steps = 0;
    let r = env.step([0, 0]);
    for (steps = 1; !r.truncated; steps++) {
      assert.equal(r.terminated, false);
      r = env.step([0.2, -0.2]);
    }
    assert.equal(steps, 50);
    env.dispose();
  });

  it('reward = −‖fingertip − target‖ − Σa², after the step', async () => {
    const env = await makeTaskEnv('reacher');
    env.reset(4);
    const r = env.step([0.5, -1]);
    const v = env.model.views();
    const f = env.model.info.bodyNames.indexOf('fingertip');
    const t = env.model.info.bodyNames.indexOf('target');
    const d = Math.hypot(v.xpos[3 * f]! - v.xpos[3 * t]!, v.xpos[3 * f + 1]! - v.xpos[3 * t + 1]!);
    close(r.reward, -d - 1.25);
    close(r.obs[8]!, v.xpos[3 * f]! - v.xpos[3 * t]!);
    env.dispose();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GailBridgeError } from '../../src/core/errors.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { StepResult } from '../../src/sim/types.js';

const isError = (code: string, pattern: RegExp) => (e: unknown) =>
  e instanceof GailBridgeError && e.code === code && pattern.test(e.message);

/** Runs `steps` steps with a deterministic action sequence, returning every observation and reward. */
function rollout(env: MujocoEnv, seed: number, steps: number): { obs: number[][]; rewards: number[] } {
  const obs = [Array.from(env.reset(seed))];
  const rewards: number[] = [];
  const nu = env.spec.action.names.length;
  for (let t = 0; t < steps; t++) {
    const a = Array.from({ length: nu }, (_, i) => Math.sin(0.3 * t + i));
    const r = env.step(a);
    obs.push(Array.from(r.obs));
    rewards.push(r.reward);
    if (r.terminated || r.truncated || r.diverged) obs.push(Array.from(env.reset()));
  }
  return { obs, rewards };
}

describe('MujocoEnv (on Hopper)', () => {
  let env: MujocoEnv;
  before(async () => {
    env = await makeTaskEnv('hopper');
  });
  after(() => env.dispose());

  it('describes its spaces: names, units, bounds, rate, source', () => {
    const s = env.spec;
    assert.deepEqual(s.observation.names.slice(0, 3), ['rootz', 'rooty', 'thigh_joint']);
    assert.equal(s.observation.names[5], 'rootx.vel');
    assert.equal(s.observation.units[0], 'm');
    assert.equal(s.observation.units[5], 'm/s');
    assert.equal(s.observation.high[5], 10);
    assert.deepEqual(s.action.names, ['thigh_joint', 'leg_joint', 'foot_joint']);
    assert.deepEqual(s.action.low, [-1, -1, -1]);
    assert.ok(Math.abs(s.controlRateHz - 125) < 1e-9);
    assert.deepEqual(s.source, { kind: 'task', task: 'hopper' });
    assert.equal(s.frameSkip, 4);
    assert.deepEqual(s.jointNames, ['rootx', 'rootz', 'rooty', 'thigh_joint', 'leg_joint', 'foot_joint']);
  });

  it('throws on step before reset', async () => {
    const fresh = await makeTaskEnv('hopper');
    assert.throws(() => fresh.step([0, 0, 0]), isError('state', /before reset\(\); call reset\(\) first/));
    fresh.dispose();
  });

  it('names sizes on a wrong action length and the index of a non-finite element', () => {
    env.reset(0);
    assert.throws(
      () => env.step([0, 0]),
      isError('shape', /action has 2 elements, expected 3 \(actuators: thigh_joint, leg_joint, foot_joint\)/),
    );
    assert.throws(
      () => env.step([0, Number.NaN, 0]),
      isError('nonFinite', /action\[1\] \(leg_joint\) is NaN; all 3 elements must be finite/),
    );
    assert.throws(() => env.step([0, 0, Number.POSITIVE_INFINITY]), isError('nonFinite', /action\[2\]/));
  });

  it('clips actions to ctrlrange before applying them', () => {
    env.reset(0);
    env.step([5, -7, 0.25]);
    assert.deepEqual(Array.from(env.model.views().ctrl), [1, -1, 0.25]);
    const r = env.step([5, -7, 0.25]);
    // ctrl cost is computed on the clipped action: 1e-3 · (1 + 1 + 0.0625).
    assert.ok(Math.abs(r.info.rewardTerms!.ctrl_cost! - 1e-3 * 2.0625) < 1e-12);
  });

  it('is bit-exact for the same seed and differs for another seed', () => {
    const a = rollout(env, 42, 60);
    const b = rollout(env, 42, 60);
    const c = rollout(env, 43, 60);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.obs[0], c.obs[0]);
  });

  it('continues the generator stream on reset() without a seed', () => {
    const first = Array.from(env.reset(7));
    const second = Array.from(env.reset());
    assert.notDeepEqual(first, second);
    assert.deepEqual(Array.from(env.reset(7)), first);
  });

  it('ends a blown-up episode as diverged with the MuJoCo warning, never a silent reset', () => {
    env.reset(0);
    const { nq, nv } = env.model.info;
    const qpos = Array.from(env.model.views().qpos);
    const qvel = new Array(nv).fill(0);
    qvel[0] = 1e11;
    const before = env.setState(qpos, qvel);
    const r: StepResult = env.step([0, 0, 0]);
    assert.equal(r.diverged, true);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, false);
    assert.equal(r.info.end, 'diverged');
    assert.match(r.info.divergence!, /^mjWARN_BADQVEL: qvel\[0\] = /);
    assert.deepEqual(
      Array.from(r.obs),
      Array.from(before),
      'diverged step returns the last finite observation',
    );
    assert.equal(nq, 6);
    assert.throws(() => env.step([0, 0, 0]), isError('state', /after the episode ended/));
    assert.ok(env.reset(0).every(Number.isFinite));
  });

  it('catches NaN in the state as divergence', () => {
    env.reset(0);
    const qpos = Array.from(env.model.views().qpos);
    qpos[3] = Number.NaN;
    env.setState(qpos, new Array(6).fill(0));
    const r = env.step([0, 0, 0]);
    assert.equal(r.diverged, true);
    assert.match(r.info.divergence!, /mjWARN_BADQPOS: qpos\[\d\] = NaN/);
  });

  it('dispose() is idempotent and later use throws a state error', async () => {
    const e = await makeTaskEnv('hopper');
    e.reset(0);
    e.dispose();
    e.dispose();
    assert.throws(() => e.reset(0), isError('state', /used after dispose\(\)/));
    assert.throws(() => e.step([0, 0, 0]), isError('state', /used after dispose\(\)/));
  });

  it('keeps working after WASM memory grows (views are re-acquired)', async () => {
    env.reset(3);
    const before = env.step([0.1, 0.2, 0.3]).obs;
    const others = await Promise.all(Array.from({ length: 12 }, () => makeTaskEnv('ant')));
    env.reset(3);
    const afterGrowth = env.step([0.1, 0.2, 0.3]).obs;
    for (const o of others) o.dispose();
    assert.deepEqual(Array.from(afterGrowth), Array.from(before));
  });
});

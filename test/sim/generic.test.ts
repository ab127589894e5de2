import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeGenericEnv, rootXYIndices } from '../../src/sim/generic.js';
import { loadModel } from '../../src/sim/model.js';

const ARM = fileURLToPath(new URL('../fixtures/mjcf/arm.xml', import.meta.url));

describe('makeGenericEnv (fixture arm: slide_x, slide_y, shoulder, elbow; a framepos sensor)', () => {
  it('observes qpos ++ qvel, acts on the actuators, pays no reward', async () => {
    const env = await makeGenericEnv({ path: ARM }, { frameSkip: 2 });
    assert.deepEqual(env.spec.observation.names, [
      'slide_x',
      'slide_y',
      'shoulder',
      'elbow',
      'slide_x.vel',
      'slide_y.vel',
      'shoulder.vel',
      'elbow.vel',
    ]);
    assert.deepEqual(env.spec.action.names, ['shoulder_motor', 'elbow_motor']);
    assert.deepEqual(env.spec.action.high, [1, 2]);
    assert.deepEqual(env.spec.source, { kind: 'mjcf', path: ARM });
    assert.ok(Math.abs(env.spec.dt - 0.01) < 1e-12);
    env.reset(0);
    const r = env.step([1, -2]);
    assert.equal(r.reward, 0);
    assert.equal(r.info.rewardTerms, undefined);
    const v = env.model.views();
    assert.deepEqual(Array.from(r.obs), [...Array.from(v.qpos), ...Array.from(v.qvel)]);
    assert.ok(r.obs[6]! > 0, 'the shoulder motor moved the shoulder');
    env.dispose();
  });

  it('leaves the root x/y out and appends sensors on request', async () => {
    const env = await makeGenericEnv({ path: ARM }, { excludeRootXY: true, sensors: true });
    assert.deepEqual(env.spec.observation.names.slice(0, 2), ['shoulder', 'elbow']);
    assert.deepEqual(env.spec.observation.names.slice(-3), ['tip_pos[0]', 'tip_pos[1]', 'tip_pos[2]']);
    const obs = env.reset(0);
    assert.equal(obs.length, 2 + 4 + 3);
    assert.ok(Math.abs(obs[8]! - 1.2) < 1e-9, `tip z is 0.5 + 0.1 + 0.3 + 0.3, got ${obs[8]}`);
    env.dispose();
  });

  it('finds the root x/y of a free joint', async () => {
    const m = await loadModel({
      xml: '<mujoco><worldbody><body><freejoint/><geom size="1"/></body></worldbody></mujoco>',
    });
    assert.deepEqual(rootXYIndices(m.info), [0, 1]);
    m.dispose();
  });

  it('terminates on a joint range rule and on a body height rule', async () => {
    const byJoint = await makeGenericEnv(
      { path: ARM },
      { jointRange: [{ joint: 'shoulder', min: -0.05, max: 0.05 }] },
    );
    byJoint.reset(0);
    let r = byJoint.step([1, 0]);
    let steps = 1;
    while (!r.terminated && steps < 200) {
      r = byJoint.step([1, 0]);
      steps++;
    }
    assert.equal(r.terminated, true);
    assert.ok(Math.abs(byJoint.model.views().qpos[2]!) > 0.05);
    byJoint.dispose();

    const byHeight = await makeGenericEnv({ path: ARM }, { bodyHeight: [{ body: 'base', minZ: 0.6 }] });
    byHeight.reset(0);
    assert.equal(byHeight.step([0, 0]).terminated, true, 'base sits at z 0.5 < 0.6');
    byHeight.dispose();
  });

  it('rejects rules on unknown names, listing the ones that exist', async () => {
    await assert.rejects(
      () => makeGenericEnv({ path: ARM }, { bodyHeight: [{ body: 'torso', minZ: 0.2 }] }),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        e.code === 'config' &&
        /names body "torso", which the model lacks \(bodies: world, base, upper, lower\)/.test(e.message),
    );
  });

  it('is bit-exact per seed with reset noise', async () => {
    const env = await makeGenericEnv({ path: ARM }, { resetNoise: 0.05 });
    const run = (seed: number): number[] => {
      const out = Array.from(env.reset(seed));
      for (let t = 0; t < 20; t++) out.push(...env.step([Math.sin(t), Math.cos(t)]).obs);
      return out;
    };
    const a = run(11);
    assert.deepEqual(run(11), a);
    assert.notDeepEqual(run(12), a);
    env.dispose();
  });
});

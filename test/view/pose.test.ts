import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { describePlan, episodePoses, posePlan } from '../../src/view/pose.js';

/** Rolls `steps` random actions, recording float32 observations (as a demo file does) and true qpos. */
async function record(task: string, steps: number) {
  const env = await makeTaskEnv(task, { seed: 3 });
  try {
    const rng = new Rng(7);
    const info = env.model.info;
    const qpos0 = Float64Array.from(env.model.model.qpos0 as Float64Array);
    const obs: number[] = [...Float32Array.from(env.reset(11))];
    const qpos: number[] = [...env.model.views().qpos];
    for (let t = 0; t < steps; t++) {
      const a = Array.from({ length: info.nu }, () => rng.uniform(-0.3, 0.3));
      const r = env.step(a);
      obs.push(...Float32Array.from(r.obs));
      qpos.push(...env.model.views().qpos);
      if (r.terminated || r.truncated || r.diverged) break;
    }
    return { info, qpos0, obs, qpos, obsNames: env.spec.observation.names, dt: env.spec.dt };
  } finally {
    env.dispose();
  }
}

describe('pose from recorded observations', () => {
  for (const [task, integrated] of [
    ['hopper', ['rootx']],
    ['ant', ['root.x', 'root.y']],
    ['humanoid', ['root.x', 'root.y']],
    ['reacher', []],
    ['inverted-double-pendulum', []],
  ] as const) {
    it(`${task}: every frame's qpos as recorded (float32), the left-out root coordinates integrated`, async () => {
      const r = await record(task, 60);
      const plan = posePlan(r.info, r.obsNames);
      assert.deepEqual(plan.integrated, integrated);
      assert.deepEqual(plan.initial, []);
      const nq = r.info.nq;
      const frames = r.qpos.length / nq;
      const poses = episodePoses(plan, r.obs, frames, r.obsNames.length, r.dt, r.qpos0);
      for (let t = 0; t < frames; t++)
        for (let i = 0; i < nq; i++) {
          const name = `${task} frame ${t} qpos[${i}]`;
          const want = r.qpos[t * nq + i]!;
          const got = poses[t * nq + i]!;
          // Integrated coordinates start at qpos0 (the reset noise, ≤ 0.1 m for Ant, is not recorded) and drift.
          const tol = plan.sources[i]!.kind === 'integrated' ? 0.1 + 0.01 * t * r.dt : 1e-5;
          assert.ok(Math.abs(got - want) <= tol, `${name}: ${got} vs ${want}`);
        }
      assert.match(describePlan(plan), /pose read from the recorded observations/);
    });
  }

  it('holds at qpos0 what an observation does not name, and says so', () => {
    const model = {
      nq: 2,
      jointNames: ['a', 'b'],
      jointTypes: ['hinge', 'hinge'] as const,
      jointQposAdr: [0, 1],
    };
    const plan = posePlan(model, ['a', 'a.vel']);
    assert.deepEqual(plan.initial, ['b']);
    const poses = episodePoses(plan, [0.5, 0, 0.7, 0], 2, 2, 0.1, [0, 0.25]);
    assert.deepEqual([...poses], [0.5, 0.25, 0.7, 0.25]);
    assert.match(describePlan(plan), /b not recorded: held at the model's initial value/);
  });
});

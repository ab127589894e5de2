import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GailBridgeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { VecEnv } from '../../src/sim/types.js';
import { makeVecEnv, SPIN_CHECKS } from '../../src/sim/vec-env.js';

const N = 3;
const STEPS = 40;
// A short horizon so that auto-reset happens inside the test (truncations), plus Hopper's falls.
const RECIPE = { kind: 'task', task: 'hopper', options: { horizon: 15 } } as const;

/** Actions for step t, N × 3, the same for every run. */
function actionsAt(t: number): Float32Array {
  const rng = new Rng(1000 + t);
  return Float32Array.from({ length: N * 3 }, () => rng.uniform(-1, 1));
}

interface Trace {
  obs: number[][];
  rewards: number[][];
  ends: string[][];
  finalObs: number[][];
  returns: number[][];
}

/** Steps N single envs one by one (env i seeded seed + i), auto-resetting like the VecEnv contract. */
async function referenceTrace(seed: number): Promise<Trace> {
  const envs = await Promise.all(Array.from({ length: N }, () => makeTaskEnv('hopper', { horizon: 15 })));
  const trace: Trace = { obs: [], rewards: [], ends: [], finalObs: [], returns: [] };
  trace.obs.push(envs.flatMap((e, i) => Array.from(Float32Array.from(e.reset(seed + i)))));
  const ret = new Array(N).fill(0);
  for (let t = 0; t < STEPS; t++) {
    const a = actionsAt(t);
    const obs: number[] = [];
    const rewards: number[] = [];
    const ends: string[] = [];
    const finals: number[] = [];
    const returns: number[] = [];
    envs.forEach((env, i) => {
      const r = env.step(a.subarray(3 * i, 3 * i + 3));
      rewards.push(r.reward);
      ret[i] += r.reward;
      ends.push(r.info.end ?? '');
      if (r.info.end !== undefined) {
        finals.push(...Float32Array.from(r.obs));
        returns.push(ret[i]);
        ret[i] = 0;
        obs.push(...Float32Array.from(env.reset()));
      } else {
        obs.push(...Float32Array.from(r.obs));
      }
    });
    trace.obs.push(obs);
    trace.rewards.push(rewards);
    trace.ends.push(ends);
    trace.finalObs.push(finals);
    trace.returns.push(returns);
  }
  for (const e of envs) e.dispose();
  return trace;
}

async function vecTrace(vec: VecEnv, seed: number): Promise<Trace> {
  const trace: Trace = { obs: [], rewards: [], ends: [], finalObs: [], returns: [] };
  trace.obs.push(Array.from(await vec.reset(seed)));
  for (let t = 0; t < STEPS; t++) {
    const r = await vec.step(actionsAt(t));
    trace.obs.push(Array.from(r.obs));
    trace.rewards.push(Array.from(r.rewards));
    const ends: string[] = [];
    const finals: number[] = [];
    const returns: number[] = [];
    for (let i = 0; i < N; i++) {
      const end = r.terminated[i]
        ? 'terminated'
        : r.truncated[i]
          ? 'truncated'
          : r.diverged[i]
            ? 'diverged'
            : '';
      ends.push(end);
      if (end !== '') {
        finals.push(...r.finalObs.subarray(i * 11, i * 11 + 11));
        returns.push(r.episodeReturns![i]!);
      }
    }
    trace.ends.push(ends);
    trace.finalObs.push(finals);
    trace.returns.push(returns);
  }
  return trace;
}

describe('makeVecEnv', () => {
  // Both worker loops: sleeping on the futex at once (spin 0) and spinning before it.
  for (const [workers, spinChecks] of [
    [0, undefined],
    [2, 0],
    [1, SPIN_CHECKS],
  ] as const) {
    it(`with ${workers} workers (spin ${spinChecks ?? 'n/a'}) equals stepping the envs one by one (seed + i, auto-reset, finalObs)`, async () => {
      const expected = await referenceTrace(100);
      assert.ok(
        expected.ends.flat().some((e) => e !== ''),
        'episodes end within the test',
      );
      const vec = await makeVecEnv(RECIPE, {
        numEnvs: N,
        workers,
        ...(spinChecks === undefined ? {} : { spinChecks }),
      });
      assert.equal(vec.numEnvs, N);
      assert.equal(vec.spec.observation.names.length, 11);
      const got = await vecTrace(vec, 100);
      await vec.dispose();
      await vec.dispose();
      assert.deepEqual(got.obs, expected.obs);
      assert.deepEqual(got.rewards, expected.rewards);
      assert.deepEqual(got.ends, expected.ends);
      assert.deepEqual(got.finalObs, expected.finalObs);
      for (let t = 0; t < STEPS; t++) {
        got.returns[t]!.forEach((r, k) => {
          assert.ok(Math.abs(r - expected.returns[t]![k]!) < 1e-9);
        });
      }
    });
  }

  it('checks the spinChecks option', async () => {
    await assert.rejects(
      makeVecEnv(RECIPE, { numEnvs: 2, workers: 1, spinChecks: -1 }),
      (e: unknown) =>
        e instanceof GailBridgeError && /spinChecks must be an integer ≥ 0, got -1/.test(e.message),
    );
  });

  it('names the env and element of a bad action, and the sizes of a wrong batch', async () => {
    const vec = await makeVecEnv(RECIPE, { numEnvs: 2, workers: 0 });
    await vec.reset(0);
    await assert.rejects(
      () => vec.step(new Float32Array(5)),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        /actions has 5 elements, expected 2 envs × 3 actuators = 6/.test(e.message),
    );
    const a = new Float32Array(6);
    a[4] = Number.NaN;
    await assert.rejects(
      () => vec.step(a),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        e.code === 'nonFinite' &&
        /env 1 action\[1\] \(leg_joint\) is NaN/.test(e.message),
    );
    await vec.dispose();
    await assert.rejects(() => vec.step(new Float32Array(6)), /used after dispose/);
  });

  it('surfaces a worker crash as a rejected step, not a hang', async () => {
    const vec = await makeVecEnv(RECIPE, { numEnvs: 2, workers: 2 });
    await vec.reset(0);
    await (vec as unknown as { crashWorkerForTest(i: number): Promise<void> }).crashWorkerForTest(1);
    await assert.rejects(
      () => vec.step(new Float32Array(6)),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        e.code === 'state' &&
        /worker 1 failed: .*crash injected.*dispose\(\) it/.test(e.message),
    );
    await vec.dispose();
  });

  it('reports a build error from the workers', async () => {
    await assert.rejects(
      () => makeVecEnv({ kind: 'mjcf', path: 'no/such/robot.xml' }, { numEnvs: 2, workers: 1 }),
      (e: unknown) =>
        e instanceof GailBridgeError && e.code === 'mjcf' && /robot\.xml: file not found/.test(e.message),
    );
  });
});

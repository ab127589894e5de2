import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, map, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ActMode, ActResult, Policy } from '../../src/learn/types.js';
import type { Env, EnvSpec, StepResult } from '../../src/sim/types.js';
import { type BatchEnv, type BatchStepResult, envSource, envsAsBatch } from '../../src/streams/env-source.js';

/** A 1-D env: obs = step count; terminates when the action is negative, truncates after `horizon`. */
class CountingEnv implements Env {
  readonly spec = {
    observation: { names: ['x'] },
    action: { names: ['u'] },
    horizon: 3,
  } as unknown as EnvSpec;
  t = 0;
  resets = 0;
  disposed = 0;
  reset(): Float64Array {
    this.t = 0;
    this.resets++;
    return Float64Array.of(100 * this.resets);
  }
  step(action: ArrayLike<number>): StepResult {
    this.t++;
    const terminated = action[0]! < 0;
    const truncated = !terminated && this.t >= 3;
    return {
      obs: Float64Array.of(this.t),
      reward: 1,
      terminated,
      truncated,
      diverged: false,
      info: {},
    };
  }
  dispose(): void {
    this.disposed++;
  }
}

/** Acts obs + 1 per row, or −1 when told to terminate. */
function fakePolicy(actions: (obs: Float32Array) => number[] = (o) => Array.from(o, (x) => x + 1)): Policy {
  return {
    obsDim: 1,
    actDim: 1,
    act(obs: Float32Array, _n: number, _mode: ActMode): ActResult {
      return { actions: Float32Array.from(actions(obs)), logProbs: new Float32Array(obs.length) };
    },
    dispose() {},
  };
}

/** A BatchEnv that counts steps and disposals, optionally answering with promises. */
function countingBatch(async: boolean) {
  const stats = { steps: 0, disposed: 0 };
  const env: BatchEnv = {
    numEnvs: 2,
    obsDim: 1,
    actDim: 1,
    reset: () => Float32Array.of(0, 0),
    step(actions) {
      stats.steps++;
      const r = {
        nextObs: Float32Array.from(actions),
        obs: Float32Array.from(actions),
        rewards: Float32Array.of(1, 1),
        ends: new Uint8Array(2),
      };
      return async ? Promise.resolve(r) : r;
    },
    dispose() {
      stats.disposed++;
    },
  };
  return { env, stats };
}

describe('envSource', () => {
  it('emits one batch per scheduled step, acted on by the policy on the whole batch', () => {
    const ts = new TestScheduler((a, e) => assert.deepStrictEqual(a, e));
    const { env, stats } = countingBatch(false);
    ts.run(({ expectObservable }) => {
      const src = envSource(() => env, fakePolicy(), { scheduler: ts }).pipe(
        take(3),
        map((b) => `${Array.from(b.obs)}>${Array.from(b.nextObs)}`),
      );
      expectObservable(src).toBe('-ab(c|)', { a: '0,0>1,1', b: '1,1>2,2', c: '2,2>3,3' });
    });
    assert.equal(stats.steps, 3);
    assert.equal(stats.disposed, 1);
  });

  it('stops stepping and frees the env when unsubscribed (async env)', async () => {
    const { env, stats } = countingBatch(true);
    const batches = await firstValueFrom(envSource(() => env, fakePolicy()).pipe(take(5), toArray()));
    assert.equal(batches.length, 5);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stats.steps, 5);
    assert.equal(stats.disposed, 1);
  });

  it('makes a fresh env per subscription', async () => {
    let made = 0;
    const src = envSource(() => {
      made++;
      return countingBatch(false).env;
    }, fakePolicy()).pipe(take(1));
    await firstValueFrom(src);
    await firstValueFrom(src);
    assert.equal(made, 2);
  });

  it('refuses a policy whose dims differ from the env’s', async () => {
    const { env, stats } = countingBatch(false);
    const wide: Policy = { ...fakePolicy(), obsDim: 3 };
    await assert.rejects(
      firstValueFrom(envSource(() => env, wide)),
      /env source: env has obsDim\/actDim 1\/1, the policy 3\/1/,
    );
    assert.equal(stats.disposed, 1);
  });

  it('errors (and frees the env) when the env throws', async () => {
    const { env, stats } = countingBatch(false);
    const failing: BatchEnv = {
      ...env,
      step() {
        throw new Error('boom at step');
      },
    };
    await assert.rejects(firstValueFrom(envSource(() => failing, fakePolicy())), /boom at step/);
    assert.equal(stats.disposed, 1);
  });
});

describe('envsAsBatch', () => {
  it('resets an ended env itself and reports the final observation and the end', () => {
    const envs = [new CountingEnv(), new CountingEnv()];
    const batch = envsAsBatch(envs, 1);
    assert.deepEqual(Array.from(batch.reset() as Float32Array), [100, 100]);
    const r1 = batch.step(Float32Array.of(1, -1)) as BatchStepResult;
    assert.deepEqual(Array.from(r1.ends), [0, 1]);
    assert.deepEqual(Array.from(r1.nextObs), [1, 1]);
    assert.deepEqual(Array.from(r1.obs), [1, 200]);
    batch.step(Float32Array.of(1, 1));
    const r3 = batch.step(Float32Array.of(1, 1)) as BatchStepResult;
    assert.deepEqual(Array.from(r3.ends), [2, 0]);
  });

  it('disposes every env once, however often dispose is called', () => {
    const envs = [new CountingEnv(), new CountingEnv()];
    const batch = envsAsBatch(envs);
    batch.dispose();
    batch.dispose();
    assert.deepEqual(
      envs.map((e) => e.disposed),
      [1, 1],
    );
  });
});

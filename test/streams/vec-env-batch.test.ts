/**
 * `vecEnvAsBatch`: envs stepped in worker threads give the episodes `envsAsBatch` gives in this thread
 * (episode k of the batch seeded `episodeSeed(seed, k)`, in env order), bit for bit; a worker that dies
 * errors the stream with the worker's message; unsubscribing stops the workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { GailBridgeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { ActResult, Policy } from '../../src/learn/types.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { VecEnv } from '../../src/sim/types.js';
import { makeVecEnv } from '../../src/sim/vec-env.js';
import {
  type BatchEnv,
  envSource,
  envsAsBatch,
  SourceClock,
  vecEnvAsBatch,
} from '../../src/streams/env-source.js';
import type { StepBatch } from '../../src/streams/step-batch.js';

const TASK = 'hopper';
const N = 3;
const STEPS = 120;

/** Seeded uniform actions in [−1, 1]: Hopper falls within tens of steps, so episodes end and reset. */
function randomPolicy(seed: number): Policy {
  const rng = new Rng(seed);
  return {
    obsDim: 11,
    actDim: 3,
    act(_obs: Float32Array, n: number): ActResult {
      return {
        actions: Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1)),
        logProbs: new Float32Array(n),
      };
    },
    dispose() {},
  };
}

async function trace(make: () => BatchEnv | Promise<BatchEnv>, clock?: SourceClock): Promise<StepBatch[]> {
  return firstValueFrom(
    envSource(make, randomPolicy(5), { seed: 9, ...(clock ? { clock } : {}) }).pipe(take(STEPS), toArray()),
  );
}

const inThread = async (): Promise<BatchEnv> =>
  envsAsBatch(await Promise.all(Array.from({ length: N }, (_, i) => makeTaskEnv(TASK, { seed: 100 + i }))));

describe('vecEnvAsBatch', () => {
  for (const workers of [0, 1, 2]) {
    it(`with ${workers} workers gives envsAsBatch's episodes bit for bit (seeds in env order, resets included)`, async () => {
      const expected = await trace(inThread);
      const ends = expected.flatMap((b) => [...b.ends]).filter((e) => e !== 0).length;
      assert.ok(ends >= 6, `episodes end and reset within the test (${ends})`);
      const clock = new SourceClock();
      const got = await trace(
        async () =>
          vecEnvAsBatch(
            await makeVecEnv({ kind: 'task', task: TASK }, { numEnvs: N, workers, autoReset: false }),
          ),
        clock,
      );
      assert.deepEqual(got, expected);
      const t = clock.take();
      assert.ok(t.envSeconds > 0 && t.actSeconds >= 0, 'the clock counted stepping');
      assert.deepEqual(clock.take(), { actSeconds: 0, envSeconds: 0 }, 'take() zeroes it');
    });
  }

  it('refuses a vec env that resets its own episodes (its seeds would differ)', async () => {
    const vec = await makeVecEnv({ kind: 'task', task: TASK }, { numEnvs: 1, workers: 0 });
    assert.throws(
      () => vecEnvAsBatch(vec),
      (e: unknown) => e instanceof GailBridgeError && /autoReset: false/.test(e.message),
    );
    await vec.dispose();
  });

  it("checks resetEnvs' seeds", async () => {
    const vec = await makeVecEnv({ kind: 'task', task: TASK }, { numEnvs: 2, workers: 0, autoReset: false });
    await assert.rejects(() => vec.resetEnvs(new Float64Array(3)), /3 seeds for 2 envs/);
    await assert.rejects(() => vec.resetEnvs(Float64Array.of(0, -1)), /env 1's seed is -1/);
    await vec.dispose();
  });

  it("errors the stream with the worker's message when a worker dies mid-run, and frees the rest", async () => {
    let vec: VecEnv | undefined;
    const source = envSource(async (): Promise<BatchEnv> => {
      vec = await makeVecEnv({ kind: 'task', task: TASK }, { numEnvs: 2, workers: 2, autoReset: false });
      const batch = vecEnvAsBatch(vec);
      let steps = 0;
      // Between two steps (the vec env is idle then), worker 1 dies as a failing env would.
      return {
        ...batch,
        async step(actions) {
          if (++steps === 4)
            await (vec as unknown as { crashWorkerForTest(i: number): Promise<void> }).crashWorkerForTest(1);
          return batch.step(actions);
        },
      };
    }, randomPolicy(1));
    await assert.rejects(
      lastValueFrom(source.pipe(take(1000))),
      (e: unknown) =>
        e instanceof GailBridgeError && /vec env worker 1 failed: .*crash injected/.test(e.message),
    );
    // The stream's teardown disposed the vec env: every later call says so.
    await assert.rejects(() => vec!.reset(0), /used after dispose/);
  });

  it('stops its workers when unsubscribed (the test process ends: no worker left running)', async () => {
    let vec: VecEnv | undefined;
    const batches = await firstValueFrom(
      envSource(async () => {
        vec = await makeVecEnv({ kind: 'task', task: TASK }, { numEnvs: 2, workers: 1, autoReset: false });
        return vecEnvAsBatch(vec, 3);
      }, randomPolicy(2)).pipe(take(5), toArray()),
    );
    assert.equal(batches.length, 5);
    await assert.rejects(() => vec!.reset(0), /used after dispose/);
  });
});

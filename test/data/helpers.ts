/** Shared builders for the data tests: specs, trajectories (fast-check arbitraries) and bit-exact checks. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import { EPISODE_END_NAMES, makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';

/** A spec with `obsDim` observation and `actDim` action elements. */
export function makeSpec(obsDim: number, actDim: number, rate = 50): Spec {
  return {
    observation: makeSpaceSpec({
      names: Array.from({ length: obsDim }, (_, i) => `q${i}`),
      units: Array.from({ length: obsDim }, () => 'rad'),
    }),
    action: makeSpaceSpec({
      names: Array.from({ length: actDim }, (_, i) => `u${i}`),
      units: Array.from({ length: actDim }, () => 'N·m'),
      low: Array.from({ length: actDim }, () => -1),
      high: Array.from({ length: actDim }, () => 1),
    }),
    controlRateHz: rate,
    source: { kind: 'task', task: 'test' },
    producer: 'gail-bridge test',
  };
}

/** Any float32, NaN, ±0 and ±Infinity included. */
export const f32 = fc.float({ noDefaultInfinity: false, noNaN: false });

/** A trajectory with the given dims: random length, values, end reason, optional rewards and times. */
export function trajectoryArb(obsDim: number, actDim: number): fc.Arbitrary<Trajectory> {
  return fc.integer({ min: 0, max: 12 }).chain((T) =>
    fc
      .record({
        obs: fc.array(f32, { minLength: (T + 1) * obsDim, maxLength: (T + 1) * obsDim }),
        acts: fc.array(f32, { minLength: T * actDim, maxLength: T * actDim }),
        end: fc.constantFrom(...EPISODE_END_NAMES),
        rewards: fc.option(fc.array(f32, { minLength: T, maxLength: T }), { nil: undefined }),
        times: fc.option(
          fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: T + 1, maxLength: T + 1 }),
          {
            nil: undefined,
          },
        ),
      })
      .map((r) =>
        makeTrajectory({
          obsDim,
          actDim,
          obs: Float32Array.from(r.obs),
          acts: Float32Array.from(r.acts),
          end: r.end,
          rewards: r.rewards && T > 0 ? Float32Array.from(r.rewards) : undefined,
          timestamps: r.times ? Float64Array.from(r.times) : undefined,
        }),
      ),
  );
}

/** Asserts element-wise `Object.is` equality (NaN equals NaN, -0 differs from 0). */
export function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}]: ${actual[i]} is not ${expected[i]}`);
  }
}

/** Asserts two trajectories hold the same values bit for bit (up to NaN payloads). */
export function assertSameTrajectory(actual: Trajectory, expected: Trajectory): void {
  assert.equal(actual.end, expected.end);
  assert.equal(actual.length, expected.length);
  assertSameValues(actual.obs, expected.obs, 'obs');
  assertSameValues(actual.acts, expected.acts, 'acts');
  assert.equal(actual.rewards === undefined, expected.rewards === undefined, 'rewards present');
  if (expected.rewards) assertSameValues(actual.rewards!, expected.rewards, 'rewards');
  assert.equal(actual.timestamps === undefined, expected.timestamps === undefined, 'timestamps present');
  if (expected.timestamps) assertSameValues(actual.timestamps!, expected.timestamps, 'timestamps');
}

/** Runs `body` and fails if it takes longer than `ms` (a hang guard for garbage-input tests). */
export async function within<T>(ms: number, body: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([body(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

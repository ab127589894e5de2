import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeGae, validateRolloutBatch } from '../../src/learn/gae.js';
import type { RolloutBatch } from '../../src/learn/types.js';

/**
 * T = 3, N = 2, γ = λ = ½, time-major (k = t·N + i).
 *   env 0: t0 continues, t1 terminated, t2 starts a new episode that is unfinished (bootstrap lastObs)
 *   env 1: t0 truncated (bootstrap finalObs, V = 10), t1 and t2 continue, unfinished
 */
const T = 3;
const N = 2;
const at = (env0: number[], env1: number[]) =>
  Float32Array.from([0, 1, 2].flatMap((t) => [env0[t]!, env1[t]!]));
const base = {
  numSteps: T,
  numEnvs: N,
  rewards: at([1, 2, 3], [4, 5, 6]),
  terminated: Uint8Array.from(at([0, 1, 0], [0, 0, 0])),
  truncated: Uint8Array.from(at([0, 0, 0], [1, 0, 0])),
};
const values = {
  values: at([1, 2, 3], [4, 5, 6]),
  finalValues: at([0, 0, 0], [10, 0, 0]),
  lastValues: Float32Array.of(7, 8),
};

describe('computeGae', () => {
  it('matches a hand-computed case with terminated, truncated and unfinished endings', () => {
    const { advantages, returns } = computeGae(base, values, 0.5, 0.5);
    // env 0: t2 δ = 3 + ½·7 − 3 = 3.5; t1 terminated δ = 2 + 0 − 2 = 0; t0 δ = 1 + ½·2 − 1 = 1, A = 1 + ¼·0
    // env 1: t2 δ = 6 + ½·8 − 6 = 4; t1 δ = 5 + ½·6 − 5 = 3, A = 3 + ¼·4 = 4; t0 truncated δ = 4 + ½·10 − 4 = 5
    assert.deepEqual(Array.from(advantages), Array.from(at([1, 0, 3.5], [5, 4, 4])));
    assert.deepEqual(Array.from(returns), Array.from(at([2, 2, 6.5], [9, 9, 10])));
  });

  it('uses terminalValue on terminated steps (absorbing-state value) and never bootstraps them', () => {
    const terminalValue = at([0, 8, 0], [0, 0, 0]);
    const { advantages } = computeGae({ ...base, terminalValue }, values, 0.5, 0.5);
    // env 0 t1: δ = 2 + ½·8 − 2 = 4; t0: 1 + ¼·4 = 2
    assert.equal(advantages[1 * N + 0], 4);
    assert.equal(advantages[0 * N + 0], 2);
  });

  it('treats the same step differently when terminated instead of truncated', () => {
    const asTerminated = computeGae(
      { ...base, terminated: Uint8Array.from(at([0, 1, 0], [1, 0, 0])), truncated: new Uint8Array(T * N) },
      values,
      0.5,
      0.5,
    );
    assert.equal(asTerminated.advantages[0 * N + 1], 0); // 4 + 0 − 4, no bootstrap from V(finalObs) = 10
  });

  it('rejects arrays of the wrong length and bad γ, λ', () => {
    assert.throws(
      () => computeGae(base, { ...values, lastValues: new Float32Array(3) }, 0.5, 0.5),
      /GAE: lastValues: expected length 2, got 3/,
    );
    assert.throws(() => computeGae(base, values, 1.5, 0.5), /gamma and lambda must be in \[0, 1\], got 1.5/);
  });
});

describe('validateRolloutBatch', () => {
  it('names the field whose length is wrong', () => {
    const b: RolloutBatch = {
      numSteps: 2,
      numEnvs: 1,
      obsDim: 3,
      actDim: 1,
      obs: new Float32Array(6),
      actions: new Float32Array(2),
      logProbs: new Float32Array(2),
      rewards: new Float32Array(2),
      terminated: new Uint8Array(2),
      truncated: new Uint8Array(2),
      finalObs: new Float32Array(6),
      lastObs: new Float32Array(2),
    };
    assert.throws(
      () => validateRolloutBatch(b),
      /RolloutBatch.lastObs \(N × obsDim\): expected length 3, got 2/,
    );
    assert.doesNotThrow(() => validateRolloutBatch({ ...b, lastObs: new Float32Array(3) }));
  });
});

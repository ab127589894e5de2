import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, map, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { collectRollouts, type Rollout } from '../../src/streams/collector.js';
import { sb } from './helpers.js';

/** Plain arrays, so TestScheduler's deep equality can compare rollouts. */
function summary(r: Rollout) {
  return {
    terminated: Array.from(r.batch.terminated),
    truncated: Array.from(r.batch.truncated),
    finalObs: Array.from(r.batch.finalObs),
    lastObs: Array.from(r.batch.lastObs),
    valid: Array.from(r.valid),
    pairObs: Array.from(r.policyPairs.obs),
    pairActs: Array.from(r.policyPairs.acts),
    episodes: r.episodes.map((e) => `${e.env}:${e.end}:${e.length}:${e.return}`),
    diverged: r.diverged,
  };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

describe('collectRollouts', () => {
  it('adds an absorbing pair after a terminated step, and only there', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c|', {
        a: sb({ o: 1, a: 10 }),
        b: sb({ o: 2, a: 20, next: 9, end: 'terminated' }),
        c: sb({ o: 0.5, a: 30, next: 0.7 }),
      });
      expectObservable(src.pipe(collectRollouts({ numSteps: 3 }), map(summary))).toBe('-----r|', {
        r: {
          terminated: [0, 1, 0],
          truncated: [0, 0, 0],
          finalObs: [0, 9, 0],
          lastObs: [Math.fround(0.7)],
          valid: [1, 1, 1],
          // [obs, indicator] rows: two real states, the absorbing state, the reset state.
          pairObs: [1, 0, 2, 0, 0, 1, 0.5, 0],
          pairActs: [10, 20, 0, 30],
          episodes: ['0:terminated:2:2'],
          diverged: 0,
        },
      });
    });
  });

  it('pads a terminated episode with absorbing pairs up to the horizon when given one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b|', {
        a: sb({ o: 1, a: 10, end: 'terminated' }),
        b: sb({ o: 4, a: 40, end: 'truncated' }),
      });
      const out = src.pipe(
        collectRollouts({ numSteps: 2, absorbingHorizon: 4 }),
        map((r) => Array.from(r.policyPairs.obs).join(',')),
      );
      // Ended after 1 of 4 steps: 3 absorbing pairs; the truncated episode adds none.
      expectObservable(out).toBe('---r|', { r: '1,0,0,1,0,1,0,1,4,0' });
    });
  });

  it('marks a truncated step for bootstrapping and adds no absorbing pair', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b|', {
        a: sb({ o: 1, a: 10, next: 3, end: 'truncated' }),
        b: sb({ o: 4, a: 40 }),
      });
      expectObservable(src.pipe(collectRollouts({ numSteps: 2 }), map(summary))).toBe('---r|', {
        r: {
          terminated: [0, 0],
          truncated: [1, 0],
          finalObs: [3, 0],
          lastObs: [5],
          valid: [1, 1],
          pairObs: [1, 0, 4, 0],
          pairActs: [10, 40],
          episodes: ['0:truncated:1:1'],
          diverged: 0,
        },
      });
    });
  });

  it('drops a diverged episode from the pairs, masks its steps and counts it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // Env 0 diverges on its second step; env 1 runs on untouched.
      const src = cold('-a-b-c|', {
        a: sb({ o: 1, a: 10 }, { o: 5, a: 50 }),
        b: sb({ o: 2, a: 20, next: Number.NaN, end: 'diverged' }, { o: 6, a: 60 }),
        c: sb({ o: 0, a: 30 }, { o: 7, a: 70 }),
      });
      expectObservable(src.pipe(collectRollouts({ numSteps: 3 }), map(summary))).toBe('-----r|', {
        r: {
          terminated: [0, 0, 0, 0, 0, 0],
          truncated: [0, 0, 1, 0, 0, 0],
          // The non-finite final observation is replaced by the last finite one (2).
          finalObs: [0, 0, 2, 0, 0, 0],
          lastObs: [1, 8],
          valid: [0, 1, 0, 1, 1, 1],
          pairObs: [5, 0, 6, 0, 0, 0, 7, 0],
          pairActs: [50, 60, 30, 70],
          episodes: ['0:diverged:2:2'],
          diverged: 1,
        },
      });
    });
  });

  it('masks only the diverged episode’s steps inside the current rollout', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c-d|', {
        a: sb({ o: 1, a: 1 }),
        b: sb({ o: 2, a: 2 }),
        c: sb({ o: 3, a: 3, end: 'diverged' }),
        d: sb({ o: 0, a: 4 }),
      });
      const valid = src.pipe(
        collectRollouts({ numSteps: 2 }),
        map((r) => `${Array.from(r.valid).join('')}/${r.episodes.map((e) => e.length).join(',')}`),
      );
      // The episode spans both rollouts: its length counts from its start, the mask cannot recall rollout 1.
      expectObservable(valid).toBe('---x---y|', { x: '11/', y: '01/3' });
    });
  });

  it('leaves the indicator column out when absorbing states are off', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b|', {
        a: sb({ o: 1, a: 10, end: 'terminated' }),
        b: sb({ o: 0, a: 20 }),
      });
      const pairs = src.pipe(
        collectRollouts({ numSteps: 2, absorbing: false }),
        map((r) => ({
          obs: Array.from(r.policyPairs.obs),
          dim: r.policyPairs.obsDim,
          t: r.batch.terminated[0],
        })),
      );
      expectObservable(pairs).toBe('---r|', { r: { obs: [1, 0], dim: 1, t: 1 } });
    });
  });

  it('emits one rollout per numSteps batches, dropping an incomplete tail', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('abcde|', {
        a: sb({ o: 1, a: 1 }),
        b: sb({ o: 2, a: 2 }),
        c: sb({ o: 3, a: 3 }),
        d: sb({ o: 4, a: 4 }),
        e: sb({ o: 5, a: 5 }),
      });
      const obs = src.pipe(
        collectRollouts({ numSteps: 2 }),
        map((r) => Array.from(r.batch.obs).join(',')),
      );
      expectObservable(obs).toBe('-x-y-|', { x: '1,2', y: '3,4' });
    });
  });

  it('unsubscribes from the source when the consumer stops', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a-b-c-d-', {
        a: sb({ o: 1, a: 1 }),
        b: sb({ o: 2, a: 2 }),
        c: sb({ o: 3, a: 3 }),
        d: sb({ o: 4, a: 4 }),
      });
      const out = src.pipe(
        collectRollouts({ numSteps: 2 }),
        take(1),
        map((r) => r.envSteps),
      );
      expectObservable(out).toBe('---(n|)', { n: 2 });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });

  it('reports a change of batch shape mid-rollout by name', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('-a-b', { a: sb({ o: 1, a: 1 }), b: sb({ o: 1, a: 1 }, { o: 2, a: 2 }) });
      const out = src.pipe(
        collectRollouts({ numSteps: 2 }),
        catchError((err: Error) => of(err.message)),
      );
      expectObservable(out).toBe('---(m|)', {
        m: 'collector: step 1 has N/obsDim/actDim 2/1/1, the rollout started with 1/1/1',
      });
    });
  });

  it('rejects a non-positive numSteps', () => {
    assert.throws(
      () => collectRollouts({ numSteps: 0 }),
      /collector numSteps: expected a positive integer, got 0/,
    );
  });
});

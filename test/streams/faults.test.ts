import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestScheduler } from 'rxjs/testing';
import { header, type JointState } from '../../src/ros/messages.js';
import {
  at,
  between,
  delayFault,
  dropFault,
  duplicateFault,
  freezeFault,
  nanFault,
  nanJointState,
} from '../../src/streams/faults.js';

const scheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('fault operators (marbles)', () => {
  it('drop removes the affected messages only', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c-d|').pipe(dropFault(between(1, 3)))).toBe('a-----d|');
    });
  });

  it('delay shifts the affected messages, lets newer ones overtake, and waits before completing', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c|').pipe(delayFault(3, at(0), ts))).toBe('--bac|');
    });
  });

  it('freeze repeats the last message before the window', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c-d-e|').pipe(freezeFault(between(2, 4)))).toBe('a-b-b-b-e|');
    });
  });

  it('freeze passes a message that has nothing before it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|').pipe(freezeFault(at(0)))).toBe('a-b|');
    });
  });

  it('freeze keeps its state per subscription', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const frozen = cold('a-b-c|').pipe(freezeFault(at(1)));
      expectObservable(frozen).toBe('a-a-c|');
      expectObservable(frozen).toBe('a-a-c|');
    });
  });

  it('duplicate emits copies in the same frame', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-----c|').pipe(duplicateFault(at(1), 3))).toBe('a-(bbb)-c|');
    });
  });

  it('nan corrupts the affected messages', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b|', { a: 1, b: 2 });
      expectObservable(src.pipe(nanFault(at(1), () => Number.NaN))).toBe('a-b|', { a: 1, b: Number.NaN });
    });
  });

  it('unsubscribing stops delivery, including delayed messages', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('a-b-c-d|');
      expectObservable(src.pipe(delayFault(5, at(0), ts)), '^---!').toBe('--b-');
      expectSubscriptions(src.subscriptions).toBe('^---!');
    });
  });

  it('propagates errors unchanged', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-#').pipe(dropFault(at(0)), freezeFault(at(5)), duplicateFault(at(3)))).toBe(
        '--#',
      );
    });
  });
});

describe('nanJointState', () => {
  it('copies the message with one element replaced, leaving the original intact', () => {
    const m: JointState = {
      header: header(1),
      name: ['a', 'b'],
      position: [1, 2],
      velocity: [3, 4],
      effort: [],
    };
    const bad = nanJointState('velocity', 1)(m);
    assert.ok(Number.isNaN(bad.velocity[1]));
    assert.equal(bad.velocity[0], 3);
    assert.deepEqual(m.velocity, [3, 4]);
    assert.equal(
      nanJointState('position', 0, Number.POSITIVE_INFINITY)(m).position[0],
      Number.POSITIVE_INFINITY,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defer, of, Subject } from 'rxjs';
import { driveRounds } from '../../src/streams/drive-rounds.js';

describe('driveRounds', () => {
  it('runs a round per rollout until the budget is spent, then releases the source', async () => {
    const source = new Subject<number>();
    const seen: number[] = [];
    const done = driveRounds(source, (r) => seen.push(r), { budgetReached: () => seen.length >= 2 });
    source.next(1);
    source.next(2);
    source.next(3);
    assert.equal(await done, 'budget');
    assert.deepEqual(seen, [1, 2]);
    assert.equal(source.observed, false);
  });

  it('ends as interrupted when asked to stop after a round', async () => {
    const source = new Subject<number>();
    const seen: number[] = [];
    let stop = false;
    const done = driveRounds(source, (r) => seen.push(r), {
      budgetReached: () => false,
      shouldStop: () => stop,
    });
    source.next(1);
    stop = true;
    source.next(2);
    source.next(3);
    assert.equal(await done, 'interrupted');
    assert.deepEqual(seen, [1, 2]);
    assert.equal(source.observed, false);
  });

  it('ends when the source completes, also inside subscribe()', async () => {
    const seen: number[] = [];
    assert.equal(
      await driveRounds(of(1, 2, 3), (r) => seen.push(r), { budgetReached: () => false }),
      'source-complete',
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('a round that throws rejects with its error and releases the source', async () => {
    const source = new Subject<number>();
    const done = driveRounds(
      source,
      () => {
        throw new Error('round failed');
      },
      { budgetReached: () => false },
    );
    source.next(1);
    await assert.rejects(done, /round failed/);
    assert.equal(source.observed, false);
  });

  it('a source error rejects', async () => {
    const source = new Subject<number>();
    const done = driveRounds(source, () => {}, { budgetReached: () => false });
    source.error(new Error('env died'));
    await assert.rejects(done, /env died/);
  });

  it('a spent budget resolves without subscribing to the source', async () => {
    let subscribed = false;
    const source = defer(() => {
      subscribed = true;
      return of(1);
    });
    assert.equal(await driveRounds(source, () => {}, { budgetReached: () => true }), 'budget');
    assert.equal(subscribed, false);
  });
});

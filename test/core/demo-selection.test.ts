import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DemoEpisode,
  describeSelection,
  FAILURE_FRACTION,
  failureRule,
  selectDemonstrations,
  selectionRecord,
  suspectedFailures,
} from '../../src/core/demo-selection.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';

/** A 1-D episode of `steps` steps whose rewards sum to `ret` (no rewards when `ret` is undefined). */
function ep(index: number, steps: number, end: Trajectory['end'], ret?: number): DemoEpisode {
  return {
    index,
    trajectory: makeTrajectory({
      obsDim: 1,
      actDim: 1,
      obs: new Float32Array(steps + 1),
      acts: new Float32Array(steps),
      end,
      ...(ret !== undefined ? { rewards: Float32Array.from({ length: steps }, () => ret / steps) } : {}),
    }),
  };
}

/** The first 6 Ant demonstrations' shape: 2 and 3 terminate, 2 is the expert's fall. */
const ANT_LIKE = [
  ep(0, 1000, 'truncated', 2230),
  ep(1, 1000, 'truncated', 2226),
  ep(2, 49, 'terminated', 96),
  ep(3, 888, 'terminated', 2047),
  ep(4, 1000, 'truncated', 2067),
  ep(5, 30, 'diverged', 10),
];
const isConfig = (re: RegExp) => (e: unknown) =>
  e instanceof GailBridgeError && e.code === 'config' && re.test(e.message);

describe('failure rule', () => {
  it('flags a terminated episode whose return is under half the median, never a truncated one', () => {
    const rule = failureRule(ANT_LIKE);
    assert.equal(rule.fraction, FAILURE_FRACTION);
    // Median of the 5 usable returns (the diverged one does not count): 2067.
    assert.ok(Math.abs(rule.medianReturn! - 2067) < 1e-3);
    assert.ok(Math.abs(rule.returnCut! - 1033.5) < 1e-3);
    const flagged = suspectedFailures(ANT_LIKE);
    assert.deepEqual(
      flagged.map((f) => f.index),
      [2],
    );
    assert.match(flagged[0]!.why, /terminated after 49 steps with return 96\.0, below 1033\.5/);
    // A truncated episode with a low return was stopped, not beaten.
    assert.deepEqual(suspectedFailures([...ANT_LIKE, ep(6, 40, 'truncated', 5)]).length, 1);
  });

  it('works below zero (a cut under the median, not a fraction of it) and on lengths without rewards', () => {
    const negative = [ep(0, 50, 'terminated', -4), ep(1, 50, 'terminated', -5), ep(2, 10, 'terminated', -20)];
    assert.deepEqual(
      suspectedFailures(negative).map((f) => f.index),
      [2],
    );
    const noRewards = [ep(0, 900, 'truncated'), ep(1, 1000, 'truncated'), ep(2, 300, 'terminated')];
    const r = suspectedFailures(noRewards);
    assert.deepEqual(
      r.map((f) => f.index),
      [2],
    );
    assert.match(r[0]!.why, /terminated after 300 steps, under 50% of the median length 900/);
  });
});

describe('selectDemonstrations', () => {
  it('takes the first N usable episodes, uses the failures by default and says so', () => {
    const s = selectDemonstrations(ANT_LIKE, { first: 4 });
    assert.deepEqual(
      s.used.map((e) => e.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(s.leftOut, []);
    assert.deepEqual(
      s.failures.map((f) => [f.index, f.used]),
      [[2, true]],
    );
    assert.match(
      describeSelection(s).join('\n'),
      /episode 2 looks like a failure.*--exclude-failures leaves it out/,
    );
  });

  it('--exclude-failures leaves them out of the first N, and the record says which and why', () => {
    const s = selectDemonstrations(ANT_LIKE, { first: 4, excludeFailures: true });
    assert.deepEqual(
      s.used.map((e) => e.index),
      [0, 1, 3],
    );
    assert.deepEqual(
      s.leftOut.map((l) => [l.index, l.reason]),
      [[2, 'failure']],
    );
    const record = JSON.parse(JSON.stringify(selectionRecord(s)));
    assert.deepEqual(record.used, [0, 1, 3]);
    assert.equal(record.leftOut[0].index, 2);
    assert.deepEqual(record.suspectedFailures, [{ index: 2, used: false, why: s.failures[0]!.why }]);
    assert.match(describeSelection(s).join('\n'), /left out episode 2: terminated after 49 steps/);
  });

  it('--min-return and --episodes; unusable episodes met on the way are listed', () => {
    const m = selectDemonstrations(ANT_LIKE, { minReturn: 2100 });
    assert.deepEqual(
      m.used.map((e) => e.index),
      [0, 1],
    );
    assert.deepEqual(
      m.leftOut.map((l) => [l.index, l.reason]),
      [
        [5, 'diverged'],
        [2, 'min-return'],
        [3, 'min-return'],
        [4, 'min-return'],
      ],
    );
    const e = selectDemonstrations(ANT_LIKE, { episodes: [4, 5, 0, 2], first: 2 });
    assert.deepEqual(
      e.used.map((x) => x.index),
      [4, 0],
    );
    assert.deepEqual(
      e.leftOut.map((l) => l.reason),
      ['diverged'],
    );
  });

  it('names the flag and the fix when the choice cannot be made', () => {
    assert.throws(
      () => selectDemonstrations(ANT_LIKE, { episodes: [0, 9] }),
      isConfig(/--episodes: .* no episode 9 \(its episodes are 0–5\)/),
    );
    assert.throws(
      () => selectDemonstrations(ANT_LIKE, { episodes: [1, 1] }),
      isConfig(/episode 1 is named twice/),
    );
    assert.throws(
      () => selectDemonstrations(ANT_LIKE, { episodes: [2], excludeFailures: true }, 'demos/ant.mcap'),
      isConfig(/demos\/ant\.mcap: no demonstrations left .*left out: episode 2, terminated after 49 steps/),
    );
    assert.throws(
      () => selectDemonstrations([ep(0, 10, 'truncated')], { minReturn: 0 }),
      isConfig(/--min-return: episode 0 .* records no rewards/),
    );
  });
});

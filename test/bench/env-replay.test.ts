import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayEnv } from '../../bench/lib/env-replay.js';
import { randomProtocol, withEpisodeLengths } from '../../bench/lib/protocol.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';

describe('bench Env replay', () => {
  it("records the Env's episodes, and replaying them resets exactly where the Env ends", async () => {
    const env = await makeTaskEnv('hopper');
    try {
      const draft = randomProtocol({
        low: [...env.spec.action.low],
        high: [...env.spec.action.high],
        frameSkip: env.spec.frameSkip,
        steps: 300,
        seed: 9,
        episodeLength: () => 300,
      });
      const first = replayEnv(env, draft, 9);
      assert.equal(
        first.lengths.reduce((a, b) => a + b, 0),
        300,
      );
      // A random policy makes the Hopper fall within a few dozen steps: several terminated episodes.
      assert.ok(first.ends.terminated >= 2, JSON.stringify(first.ends));
      assert.equal(first.ends.cut, 0);
      assert.equal(first.physicsSteps, 300 * env.spec.frameSkip);

      const recorded = withEpisodeLengths(draft, first.lengths);
      const again = replayEnv(env, recorded, 9);
      assert.deepEqual(again.lengths, first.lengths);
      assert.deepEqual(again.ends, first.ends);

      const forced = replayEnv(env, withEpisodeLengths(draft, [5, 295]), 9);
      assert.equal(forced.ends.cut, 1, 'the reset at step 5 cuts a running episode');
      assert.equal(forced.lengths[0], 5);
    } finally {
      env.dispose();
    }
  });

  it('refuses a protocol of the wrong width, naming both sizes', async () => {
    const env = await makeTaskEnv('hopper');
    try {
      const p = randomProtocol({
        low: [-1],
        high: [1],
        frameSkip: 4,
        steps: 3,
        seed: 1,
        episodeLength: () => 3,
      });
      assert.throws(() => replayEnv(env, p, 1), /the protocol has 1 controls, the env 3 actions/);
    } finally {
      env.dispose();
    }
  });
});

/**
 * Reward files (src/data/reward-file.ts) and the learned reward they rebuild (src/gail/airl-reward.ts):
 * a round trip keeps every value bit-exactly and scores states as the discriminator did; truncated,
 * altered, foreign (a policy file) and random bytes, non-finite weights and a mismatched observation
 * size are refused with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { GailBridgeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { writePolicyFile } from '../../src/data/policy-file.js';
import {
  decodeRewardFile,
  encodeRewardFile,
  type RewardRecord,
  readRewardFile,
  writeRewardFile,
} from '../../src/data/reward-file.js';
import { AirlDiscriminator } from '../../src/gail/airl.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { airlRewardRecord, gailRewardRecord, LearnedReward } from '../../src/gail/learned-reward.js';
import { rewardOfLogit, rewardsFromLogits } from '../../src/gail/rewards.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { policyToRecord } from '../../src/learn/policy-record.js';
import { testBackend } from '../learn/helpers.js';
import { makeSpec } from './helpers.js';

let dir = '';
before(async () => {
  await testBackend();
  dir = await mkdtemp(join(tmpdir(), 'reward-file-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const TRAINING = {
  algo: 'airl-ppo',
  envSteps: 4096,
  seed: 3,
  date: '2026-01-01T00:00:00.000Z',
  extra: { task: 't' },
};

/** A trained-looking AIRL discriminator on 3-D states and its reward record. */
function trained(absorbing = true): { disc: AirlDiscriminator; record: RewardRecord } {
  const disc = new AirlDiscriminator(
    3,
    2,
    absorbing,
    { hiddenSizes: [4, 3], learningRate: 1e-3, gamma: 0.99, labelSmoothing: 0, weightDecay: 0 },
    (_o, _a, n) => new Float32Array(n),
    new Rng(1),
  );
  const w = absorbing ? 4 : 3;
  const obs = Float32Array.from({ length: 5 * w }, (_, i) =>
    absorbing && i % w === 3 ? 0 : Math.sin(i) * 3,
  );
  disc.observe({ n: 5, obsDim: w, actDim: 2, absorbing, obs, acts: new Float32Array(10) });
  return { disc, record: airlRewardRecord(disc, makeSpec(3, 2), TRAINING) };
}

describe('reward files', () => {
  it('round-trip a record bit-exactly, and the rebuilt reward scores states as the discriminator', async () => {
    for (const absorbing of [true, false]) {
      const { disc, record } = trained(absorbing);
      const back = decodeRewardFile(encodeRewardFile(record), 'x.reward');
      assert.deepEqual(back, { ...record, obsNorm: { ...record.obsNorm } });
      const path = join(dir, `r-${absorbing}.reward`);
      writeRewardFile(path, record);
      const learned = new LearnedReward(await readRewardFile(path, { expectObsDim: 3 }));
      const raw = Float32Array.from([0.5, -1, 2, 3, 0, -0.5]);
      const withInd = absorbing ? Float32Array.from([0.5, -1, 2, 0, 3, 0, -0.5, 0]) : raw;
      const tensors = tf.memory().numTensors;
      learned.rewards(raw, new Float32Array(4), 2);
      learned.absorbingReward();
      assert.equal(tf.memory().numTensors, tensors, 'scoring a batch leaks no tensor');
      // A state-only reward: the actions do not matter.
      assert.deepEqual(learned.rewards(raw, new Float32Array(4), 2), disc.reward(withInd, 2));
      assert.deepEqual(learned.rewards(raw, Float32Array.from([9, -9, 3, 3]), 2), disc.reward(withInd, 2));
      if (absorbing) assert.equal(learned.absorbingReward(), disc.absorbingReward());
      else assert.ok(Number.isNaN(learned.absorbingReward()));
      assert.equal(learned.gamma, 0.99);
      learned.dispose();
      learned.dispose();
      disc.dispose();
    }
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
      'the atomic writer leaves no temp file',
    );
  });

  it("round-trip GAIL's discriminator (spectral norm folded in): the reward of D's logit, as in training", async () => {
    for (const spectralNorm of [false, true]) {
      const disc = new Discriminator(3, 2, true, { hiddenSizes: [4], spectralNorm }, new Rng(2));
      const obs = Float32Array.from([0.5, -1, 2, 0, 3, 0, -0.5, 0]);
      const acts = Float32Array.from([0.2, -0.4, 1, 0.3]);
      const pairs = { n: 2, obsDim: 4, actDim: 2, absorbing: true, obs, acts };
      disc.observe(pairs);
      disc.step(pairs, { ...pairs, acts: acts.map((a) => -a) }, new Rng(3));
      const record = gailRewardRecord(disc, makeSpec(3, 2), 'gail', 0.99, TRAINING);
      const path = join(dir, `gail-${spectralNorm}.reward`);
      writeRewardFile(path, record);
      const learned = new LearnedReward(await readRewardFile(path, { expectObsDim: 3, expectActDim: 2 }));
      const raw = Float32Array.from([0.5, -1, 2, 3, 0, -0.5]);
      const want = rewardsFromLogits(disc.logits(pairs), 'gail');
      const got = learned.rewards(raw, acts, 2);
      const tensors = tf.memory().numTensors;
      learned.rewards(raw, acts, 2);
      learned.absorbingReward();
      assert.equal(tf.memory().numTensors, tensors, 'scoring a batch leaks no tensor');
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${got[i]} vs ${want[i]}`);
      assert.ok(Math.abs(learned.absorbingReward() - rewardOfLogit(disc.absorbingLogit(), 'gail')) < 1e-5);
      await assert.rejects(
        () => readRewardFile(path, { expectActDim: 8, env: 'task ant' }),
        /learned with 2 actions, task ant takes 8/,
      );
      learned.dispose();
      disc.dispose();
    }
  });

  it('refuse a mismatched observation size, naming both sizes', async () => {
    const { disc, record } = trained();
    const path = join(dir, 'size.reward');
    writeRewardFile(path, record);
    await assert.rejects(
      () => readRewardFile(path, { expectObsDim: 11, env: 'task hopper' }),
      (e: unknown) =>
        e instanceof GailBridgeError && /takes 3 observations, task hopper gives 11/.test(e.message),
    );
    disc.dispose();
  });

  it('refuse non-finite weights and a bad γ at write time, leaving no file', () => {
    const { disc, record } = trained();
    const t0 = record.tensors[0]!;
    const nan = {
      ...record,
      tensors: [
        { ...t0, data: t0.data.map((v, i) => (i === 2 ? Number.NaN : v)) },
        ...record.tensors.slice(1),
      ],
    };
    const path = join(dir, 'nan.reward');
    assert.throws(() => writeRewardFile(path, nan), /reward\/g\/0\/w/);
    assert.throws(() => encodeRewardFile({ ...record, gamma: 1 }), /gamma 1 is not in \[0, 1\)/);
    disc.dispose();
  });

  it('refuse truncated, altered, foreign and random bytes with the reason', async () => {
    const { disc, record } = trained();
    const bytes = encodeRewardFile(record);
    assert.throws(() => decodeRewardFile(bytes.subarray(0, 20), 'short'), /too short for a reward file/);
    assert.throws(() => decodeRewardFile(bytes.subarray(0, 200), 'cut'), /\(truncated\)/);
    const altered = bytes.slice();
    altered[altered.byteLength - 5]! ^= 1;
    assert.throws(() => decodeRewardFile(altered, 'alt'), /SHA-256 mismatch/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
        assert.throws(
          () => decodeRewardFile(garbage, 'garbage'),
          (e: unknown) => e instanceof GailBridgeError,
        );
      }),
    );
    // A policy file is not a reward file.
    const policy = new GaussianPolicy({ obsDim: 3, actDim: 2, hiddenSizes: [4] }, 1);
    const policyPath = join(dir, 'a.policy');
    await writePolicyFile(policyPath, policyToRecord(policy, makeSpec(3, 2), TRAINING));
    policy.dispose();
    await assert.rejects(
      () => readRewardFile(policyPath),
      /a\.policy: not a gail-bridge reward file \(no "GBREWARD" magic\)/,
    );
    await assert.rejects(() => readRewardFile(join(dir, 'missing.reward')), /missing\.reward/);
    const truncPath = join(dir, 'trunc.reward');
    await writeFile(truncPath, (await readFile(join(dir, 'a.policy'))).subarray(0, 0));
    await assert.rejects(() => readRewardFile(truncPath), /0 bytes is too short/);
    disc.dispose();
  });
});

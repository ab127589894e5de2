/**
 * `train --algo gail --workers N`: the envs step in worker threads, and the run is the run without them,
 * bit for bit (every learning metric of every round, and the final weights of policy, value, optimiser and
 * discriminator); a stop request ends a run with workers cleanly (checkpoint whole, workers gone).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gailAlgorithm } from '../../src/algos/gail.js';
import { readPolicyFile } from '../../src/data/policy-file.js';
import { type GailConfig, resolveGailConfig } from '../../src/gail/config.js';
import type { MetricsRow } from '../../src/run/algorithm.js';
import { createRunFolder, readMetricsRows } from '../../src/run/folder.js';
import { runTraining } from '../../src/run/run.js';
import { StopRequest } from '../../src/run/stop.js';
import { testBackend } from '../learn/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gail-workers-'));
before(async () => {
  await testBackend();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Hopper (episodes end and reset within a round), small networks, 3 rounds of 4 × 128 steps. */
const SETTINGS: GailConfig = resolveGailConfig({
  task: 'hopper',
  demos: 'demos/hopper.mcap',
  demoTrajectories: 2,
  subsample: 20,
  steps: 1536,
  numSteps: 128,
  policyMinibatches: 4,
  discStepsPerRound: 2,
  discHidden: [16],
  policyHidden: [16],
  backend: 'wasm',
  seed: 5,
});

/** Timings differ from run to run; every other column must not. */
const TIMING = new Set([
  'wallSeconds',
  'stepsPerSecond',
  'discSeconds',
  'policySeconds',
  'collectSeconds',
  'envStepSeconds',
  'actSeconds',
  'workers',
]);
const learning = (r: MetricsRow) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k)));

async function train(workers: number): Promise<{ rows: MetricsRow[]; state: Record<string, number[]> }> {
  const alg = await gailAlgorithm(SETTINGS, { workers });
  try {
    const rows: MetricsRow[] = [];
    await alg.train(
      { round: 0, envSteps: 0 },
      { onRound: (_p, r) => rows.push(r), shouldStop: () => false, wallSeconds: () => 0 },
    );
    const arrays = { ...alg.learner.toArrays(), ...alg.rewardModel!.toArrays() };
    const state = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, Array.from(v.data)]));
    return { rows, state };
  } finally {
    alg.dispose();
  }
}

describe('GAIL with --workers', () => {
  it('equals the run without workers for a fixed seed: every metric and every final weight', async () => {
    const base = await train(0);
    assert.equal(base.rows.length, 3);
    assert.ok(
      base.rows.reduce((a, r) => a + (r['episodes'] ?? 0), 0) >= 8,
      'episodes end (and the envs reset) during the run',
    );
    for (const workers of [1, 2]) {
      const got = await train(workers);
      assert.deepEqual(got.rows.map(learning), base.rows.map(learning), `${workers} workers: metrics`);
      assert.deepEqual(got.state, base.state, `${workers} workers: weights`);
      assert.ok(got.rows.every((r) => r['workers'] === workers && (r['envStepSeconds'] ?? 0) > 0));
    }
  });

  it('stops cleanly on a stop request: the checkpoint is whole, no tensor leaks, no worker left', async () => {
    const run = join(dir, 'stopped');
    const alg = await gailAlgorithm({ ...SETTINGS, steps: 100_000 }, { workers: 1 });
    const stop = new StopRequest();
    let tensors: number | undefined;
    try {
      const config = createRunFolder(
        run,
        { command: 'train', algo: 'gail', settings: SETTINGS },
        { force: false },
      );
      const out = await runTraining(alg, {
        dir: run,
        config,
        resume: false,
        stop,
        onRound: (p) => {
          if (p.round === 2) tensors = tf.memory().numTensors;
          if (p.round === 3) {
            assert.equal(tf.memory().numTensors, tensors, 'a round allocates no lasting tensor');
            stop.request('SIGINT');
          }
        },
      });
      assert.deepEqual([out.end, out.stoppedBy, out.progress.round], ['stopped', 'SIGINT', 3]);
      assert.equal((await readPolicyFile(out.checkpointPath)).training.envSteps, 3 * 512);
      assert.equal(readMetricsRows(run).length, 3);
    } finally {
      alg.dispose();
    }
    // The file's process must end by itself: a worker left running would keep it alive (a hang).
  });
});

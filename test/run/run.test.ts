/**
 * The run layer with a stand-in algorithm (a tiny policy and a counter as the learner's state): what it
 * writes, when, and how it stops, fails and resumes. No simulator.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GailBridgeError } from '../../src/core/errors.js';
import { readPolicyFile } from '../../src/data/policy-file.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { namedArray, takeArray } from '../../src/learn/named-arrays.js';
import type { RunProgress, TrainingAlgorithm } from '../../src/run/algorithm.js';
import { readFinalEvaluation, writeFinalEvaluation } from '../../src/run/evaluation.js';
import { createRunFolder, readMetricsRows, runPath } from '../../src/run/folder.js';
import { runTraining } from '../../src/run/run.js';
import { StopRequest } from '../../src/run/stop.js';
import { makeSpec } from '../data/helpers.js';
import { testBackend } from '../learn/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-run-'));
before(testBackend);
after(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = makeSpec(2, 1);

interface Fake extends TrainingAlgorithm {
  /** Rounds the learner has done (its whole state), and rounds trained by this instance. */
  count: number;
  trained: number;
}

/** 10 env steps a round up to `rounds`; `failAt` throws in that round; `onRound` runs after the hook. */
function fake(rounds: number, options: { failAt?: number; checkpointEvery?: number } = {}): Fake {
  const policy = new GaussianPolicy({ obsDim: 2, actDim: 1, hiddenSizes: [4] }, 1);
  const algo: Fake = {
    name: 'fake',
    spec: SPEC,
    seed: 0,
    policy,
    count: 0,
    trained: 0,
    learner: {
      toArrays: () => ({ ...policy.toArrays(), 'fake/count': namedArray([1], [algo.count]) }),
      loadArrays: (a) => {
        policy.loadArrays(a);
        algo.count = takeArray(a, 'fake/count', [1], 'fake')[0]!;
      },
    },
    budget: { unit: 'env steps', total: rounds * 10 },
    checkpointEvery: options.checkpointEvery ?? 2,
    report: {
      title: 'fake',
      x: { key: 'envSteps', label: 'env steps' },
      charts: [{ title: 'loss', series: [{ key: 'loss', name: 'loss', color: '#000' }] }],
      summary: [{ key: 'loss', name: 'loss' }],
    },
    async train(start: RunProgress, hooks) {
      assert.equal(start.round, algo.count, 'the layer restored the learner before training');
      while (algo.count < rounds) {
        await new Promise((r) => setTimeout(r, 5));
        algo.count++;
        algo.trained++;
        if (algo.count === options.failAt) throw new Error('loss is NaN');
        hooks.onRound({ round: algo.count, envSteps: algo.count * 10 }, { loss: 1 / algo.count });
        if (hooks.shouldStop()) return;
      }
    },
    dispose: () => policy.dispose(),
  };
  return algo;
}

function newRun(name: string) {
  const d = join(dir, name);
  return {
    dir: d,
    config: createRunFolder(d, { command: 'train', algo: 'fake', settings: { steps: 1 } }, { force: false }),
  };
}
const status = (d: string) =>
  readFileSync(runPath(d, 'report'), 'utf8').match(/<p id="status">([^<]*)</)?.[1];

describe('runTraining', () => {
  it('writes a metrics row every round, checkpoint and report every K rounds and at the end', async () => {
    const run = newRun('plain');
    const algo = fake(3);
    const seen: number[] = [];
    try {
      const out = await runTraining(algo, {
        ...run,
        resume: false,
        stop: new StopRequest(),
        onRound: (p) => {
          seen.push(p.round);
          if (p.round === 1) assert.match(status(run.dir)!, /^running: round 0, 0 of 30 env steps/);
          if (p.round === 2) assert.match(status(run.dir)!, /^running: round 2, 20 of 30 env steps/);
        },
      });
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(out.end, 'finished');
      assert.deepEqual(out.progress, { round: 3, envSteps: 30 });
      const rows = readMetricsRows(run.dir);
      assert.deepEqual(
        rows.map((r) => [r['round'], r['envSteps'], r['loss']]),
        [
          [1, 10, 1],
          [2, 20, 0.5],
          [3, 30, 1 / 3],
        ],
      );
      assert.match(status(run.dir)!, /^finished: 30 of 30 env steps in 3 rounds/);
      const checkpoint = await readPolicyFile(out.checkpointPath);
      assert.equal(checkpoint.training.extra?.['round'], '3');
      assert.ok(checkpoint.optimizer?.some((t) => t.name === 'fake/count'));
    } finally {
      algo.dispose();
    }
  });

  it('stops after the round in progress when asked; the report says by what, never "running"', async () => {
    const run = newRun('stopped');
    const algo = fake(10);
    const stop = new StopRequest();
    try {
      const out = await runTraining(algo, {
        ...run,
        resume: false,
        stop,
        onRound: (p) => {
          if (p.round === 3) stop.request('SIGTERM');
        },
      });
      assert.deepEqual([out.end, out.stoppedBy, out.progress.round], ['stopped', 'SIGTERM', 3]);
      assert.match(
        status(run.dir)!,
        /^stopped by SIGTERM after round 3 \(30 of 100 env steps\), [\d.]+ s of training; continue with: gail-bridge train --resume .*stopped$/,
      );
      assert.equal((await readPolicyFile(out.checkpointPath)).training.envSteps, 30, 'checkpoint of round 3');
    } finally {
      algo.dispose();
    }
  });

  it('asked to stop, a round that cannot finish (its ROS 2 sources left too) is left out: stopped, not failed', async () => {
    const run = newRun('stopped-sources-gone');
    const algo = fake(10);
    const stop = new StopRequest();
    const train = algo.train.bind(algo);
    // Ctrl-C under ros2 launch reaches the simulators too: the round in progress loses its sources.
    algo.train = async (start, hooks) =>
      train(start, {
        ...hooks,
        onRound: (p, row) => {
          hooks.onRound(p, row);
          if (p.round === 3) {
            stop.request('SIGINT');
            throw new GailBridgeError('ros', 'every env stopped answering (/s0, /s1)');
          }
        },
      });
    try {
      const out = await runTraining(algo, { ...run, resume: false, stop });
      assert.deepEqual([out.end, out.stoppedBy, out.progress.round], ['stopped', 'SIGINT', 3]);
      assert.match(status(run.dir)!, /^stopped by SIGINT after round 3/);
      assert.equal((await readPolicyFile(out.checkpointPath)).training.envSteps, 30, 'checkpoint of round 3');
      // Without a stop request the same error is a failure.
      const run2 = newRun('sources-gone');
      const other = fake(10);
      const train2 = other.train.bind(other);
      other.train = async (start, hooks) =>
        train2(start, {
          ...hooks,
          onRound: () => {
            throw new GailBridgeError('ros', 'every env stopped answering (/s0)');
          },
        });
      await assert.rejects(runTraining(other, { ...run2, resume: false, stop: new StopRequest() }), {
        code: 'ros',
      });
      other.dispose();
    } finally {
      algo.dispose();
    }
  });

  it('puts a failure in the report and keeps the last checkpoint', async () => {
    const run = newRun('failed');
    const algo = fake(5, { failAt: 3 });
    try {
      await assert.rejects(
        runTraining(algo, { ...run, resume: false, stop: new StopRequest() }),
        /loss is NaN/,
      );
      assert.match(
        status(run.dir)!,
        /^failed in round 3: loss is NaN; the last checkpoint is in .*checkpoint\.policy/,
      );
      assert.equal((await readPolicyFile(runPath(run.dir, 'checkpoint'))).training.extra?.['round'], '2');
    } finally {
      algo.dispose();
    }
  });

  it('resumes from the checkpoint: rows after it (a hard kill) are dropped and trained again, the clock goes on', async () => {
    const run = newRun('killed');
    const first = fake(3, { checkpointEvery: 2 });
    const saved = join(dir, 'checkpoint-at-2');
    try {
      await runTraining(first, {
        ...run,
        resume: false,
        stop: new StopRequest(),
        onRound: (p) => {
          if (p.round === 2) copyFileSync(runPath(run.dir, 'checkpoint'), saved);
        },
      });
    } finally {
      first.dispose();
    }
    // As a kill after round 3's metrics row but before its checkpoint leaves the folder.
    copyFileSync(saved, runPath(run.dir, 'checkpoint'));
    const wallAt2 = readMetricsRows(run.dir)[1]!['wallSeconds']!;
    // An evaluation of the earlier end no longer describes the run once it trains on (the view and the
    // report would draw it as this run's final line).
    writeFinalEvaluation(run.dir, { mean: 1, std: 0, envSteps: 30, round: 3, date: '2026-12-03T00:00:00Z' });
    const second = fake(4);
    try {
      let evaluationDuringResume: boolean | undefined;
      const out = await runTraining(second, {
        ...run,
        resume: true,
        stop: new StopRequest(),
        onRound: () => {
          evaluationDuringResume ??= readFinalEvaluation(run.dir) !== undefined;
        },
      });
      assert.equal(evaluationDuringResume, false, 'evaluation.json removed when the run trains on');
      assert.equal(second.trained, 2, 'rounds 3 and 4');
      assert.deepEqual(out.startedAt, { round: 2, envSteps: 20 });
      const rows = readMetricsRows(run.dir);
      assert.deepEqual(
        rows.map((r) => r['round']),
        [1, 2, 3, 4],
      );
      assert.ok(rows[2]!['wallSeconds']! > wallAt2, 'the clock continues from the checkpoint');
      assert.ok(out.wallSeconds >= rows[3]!['wallSeconds']!);
    } finally {
      second.dispose();
    }
  });

  it('refuses to resume a folder without a checkpoint, saying what to do', async () => {
    const run = newRun('empty');
    const algo = fake(1);
    try {
      await assert.rejects(
        runTraining(algo, { ...run, resume: true, stop: new StopRequest() }),
        /--resume .*empty: no checkpoint\.policy there \(the run ended before its first checkpoint\); start it again with --force/,
      );
    } finally {
      algo.dispose();
    }
  });
});

/**
 * DAgger (src/algos/dagger.ts) on the 1-D LineEnv of the GAIL tests, without WASM: the labelled rollouts,
 * the rounds, resume with the labels read back from corrections.mcap, the settings' errors, and no tensor
 * leak across rounds. The learning test (DAgger against BC from too few demonstrations) runs on
 * InvertedPendulum through the command: test/cli/train-dagger.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  DAGGER_CORRECTIONS_FILE,
  type DaggerSettings,
  daggerAlgorithm,
  resolveDaggerSettings,
} from '../../src/algos/dagger.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { collectLabelled } from '../../src/learn/dagger-rollouts.js';
import type { ActFn } from '../../src/learn/evaluate.js';
import type { MetricsRow } from '../../src/run/algorithm.js';
import { createRunFolder, readMetricsRows } from '../../src/run/folder.js';
import { runTraining } from '../../src/run/run.js';
import { StopRequest } from '../../src/run/stop.js';
import { expertAction, expertTrajectories, LineEnv } from '../gail/fake-env.js';
import { testBackend } from '../learn/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-dagger-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const demos = join(dir, 'line.mcap');

/** The expert of LineEnv as a batched act function. */
const expert: ActFn = (obs, n) => Float32Array.from({ length: n }, (_, i) => expertAction(obs[i]!));

before(async () => {
  await testBackend();
  const writer = await DemoWriter.create(demos, { spec: new LineEnv(0).spec });
  // Episode 0 starts at x > 0.5, so its states cover one side only: BC has never seen x < 0.
  const trajectories = expertTrajectories(40, 3).filter((t) => t.obs[0]! > 0.5);
  for (const t of trajectories) await writer.writeTrajectory(t);
  await writer.close();
});

/** Settings of a small run: one demonstration, `rounds` rounds of 120 labelled steps. */
function settings(over: Partial<DaggerSettings> = {}): DaggerSettings {
  return resolveDaggerSettings({
    task: 'line',
    demos,
    demoTrajectories: 1,
    expert: 'line expert',
    rounds: 3,
    roundSteps: 120,
    roundEvalEpisodes: 10,
    policyHidden: [16, 16],
    epochs: 20,
    patience: 20,
    batchSize: 32,
    lr: 3e-3,
    validation: 0,
    backend: 'wasm',
    ...over,
  });
}

/** Runs DAgger in `folder` (new, or resumed); `stopAfter` asks it to stop after that round. */
async function run(
  folder: string,
  s: DaggerSettings,
  options: { resume?: boolean; stopAfter?: number; onRound?: (round: number) => void } = {},
) {
  const a = await daggerAlgorithm(s, {
    dir: folder,
    makeEnv: async (seed) => new LineEnv(seed),
    expert,
  });
  try {
    const config = options.resume
      ? (await import('../../src/run/folder.js')).readRunConfig(folder)
      : createRunFolder(folder, { command: 'train', algo: 'dagger', settings: s }, { force: false });
    const stop = new StopRequest();
    const outcome = await runTraining(a, {
      dir: folder,
      config,
      resume: options.resume ?? false,
      stop,
      onRound: (p) => {
        options.onRound?.(p.round);
        if (p.round === options.stopAfter) stop.request('test');
      },
    });
    return { outcome, weights: a.policy.toArrays(), labelled: a.labelledSteps() };
  } finally {
    a.dispose();
  }
}

describe('DAgger rollouts', () => {
  it('collects exactly N steps, labels every state with the expert, and executes the expert with probability β', () => {
    const envs = [new LineEnv(1), new LineEnv(2)];
    const learner: ActFn = (_obs, n) => new Float32Array(n).fill(1); // always right: falls off at x > 1.5
    const r = collectLabelled(envs, learner, expert, { steps: 101, beta: 0, seed: 5 });
    assert.equal(r.steps, 101);
    assert.equal(r.expertExecuted, 0);
    assert.equal(
      r.trajectories.reduce((a, t) => a + t.length, 0),
      101,
    );
    for (const t of r.trajectories)
      for (let k = 0; k < t.length; k++) assert.equal(t.acts[k], Math.fround(expertAction(t.obs[k]!)));
    // Pushed right, every finished episode fell (terminated); the two still open at the end are interrupted.
    assert.ok(r.trajectories.some((t) => t.end === 'terminated'));
    assert.deepEqual(r.trajectories.filter((t) => t.end === 'interrupted').length, 2);
    const all = collectLabelled([new LineEnv(1)], learner, expert, { steps: 50, beta: 1, seed: 5 });
    assert.equal(all.expertExecuted, 50);
    assert.ok(
      all.trajectories.every((t) => t.end !== 'terminated'),
      'the expert never falls',
    );
    assert.throws(
      () => collectLabelled(envs, learner, expert, { steps: 10, beta: 1.5, seed: 0 }),
      /beta must be in \[0, 1\], got 1.5/,
    );
  });
});

describe('DAgger', () => {
  it('round 0 is BC on the demonstrations; each round then adds N labelled steps and retrains', async () => {
    const folder = join(dir, 'rounds');
    const { outcome } = await run(folder, settings());
    const rows = readMetricsRows(folder);
    assert.deepEqual(
      rows.map((r) => [r['round'], r['daggerRound'], r['envSteps'], r['labelledSteps']]),
      [
        [1, 0, 0, 0],
        [2, 1, 120, 120],
        [3, 2, 240, 240],
        [4, 3, 360, 360],
      ],
    );
    const bc = rows[0]!;
    const last = rows[rows.length - 1]!;
    assert.equal(last['datasetPairs'], bc['datasetPairs']! + 360);
    assert.equal(rows[1]!['beta'], 0);
    assert.ok(Number.isFinite(last['evalReturn']!) && Number.isFinite(last['normalizedScore']!));
    assert.equal(outcome.end, 'finished');
    assert.match(outcome.status, /^finished: 4 of 4 rounds, /);
    // The labels are a demo file in the run folder, one episode per rollout episode, tagged with the round.
    const labels = await readDemoFile(join(folder, DAGGER_CORRECTIONS_FILE));
    assert.equal(
      labels.episodes.reduce((a, e) => a + e.trajectory.length, 0),
      360,
    );
    assert.deepEqual([...new Set(labels.episodes.map((e) => e.metadata['dagger_round']))], ['1', '2', '3']);
  });

  it('resumes from the checkpoint with the labels of corrections.mcap, as if never stopped', async () => {
    const whole = await run(join(dir, 'whole'), settings({ rounds: 2 }));
    const folder = join(dir, 'resumed');
    const first = await run(folder, settings({ rounds: 2 }), { stopAfter: 2 });
    assert.equal(first.outcome.end, 'stopped');
    assert.equal(first.labelled, 120);
    const second = await run(folder, settings({ rounds: 2 }), { resume: true });
    assert.equal(second.outcome.end, 'finished');
    assert.equal(second.labelled, 240);
    for (const [name, v] of Object.entries(whole.weights))
      assert.deepEqual(second.weights[name]?.data, v.data, `${name} differs from the uninterrupted run`);
    assert.deepEqual(
      readMetricsRows(folder).map((r: MetricsRow) => r['evalReturn']),
      readMetricsRows(join(dir, 'whole')).map((r: MetricsRow) => r['evalReturn']),
    );
  });

  it('drops the labels of a round after the checkpoint (a hard kill between the two)', async () => {
    const folder = join(dir, 'killed');
    // Checkpoints every 2 rounds: a stop after round 3 leaves the checkpoint of round 2 and labels of round 2.
    await run(folder, settings({ rounds: 3, checkpointEvery: 2 }), { stopAfter: 3 });
    // Simulate the kill: the checkpoint of round 3 (written at the stop) is replaced by round 2's.
    const { copyFileSync } = await import('node:fs');
    const again = join(dir, 'killed-2');
    await run(again, settings({ rounds: 3, checkpointEvery: 2 }), { stopAfter: 2 });
    copyFileSync(join(again, 'checkpoint.policy'), join(folder, 'checkpoint.policy'));
    const resumed = await run(folder, settings({ rounds: 3, checkpointEvery: 2 }), { resume: true });
    assert.equal(resumed.labelled, 360, 'round 2 is collected again, not counted twice');
    const labels = await readDemoFile(join(folder, DAGGER_CORRECTIONS_FILE));
    assert.deepEqual(
      labels.episodes.map((e) => Number(e.metadata['dagger_round'])).filter((r, i, a) => a.indexOf(r) === i),
      [1, 2, 3],
    );
  });

  it('leaves tf.memory().numTensors unchanged by a round (collect, label, retrain, evaluate)', async () => {
    const counts: number[] = [];
    await run(join(dir, 'leak'), settings({ rounds: 3, epochs: 5, patience: 5 }), {
      onRound: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(counts.length, 4);
    assert.deepEqual(counts.slice(2), [counts[1], counts[1]], `tensors after each round: ${counts}`);
  });

  it('retrains on demonstrations plus correction files without an expert (HG-DAgger), in one round', async () => {
    const corrections = join(dir, 'corrections.mcap');
    const writer = await DemoWriter.create(corrections, { spec: new LineEnv(0).spec });
    const labelled = collectLabelled([new LineEnv(9)], expert, expert, { steps: 30, beta: 0, seed: 9 });
    for (const t of labelled.trajectories) await writer.writeTrajectory(t);
    await writer.close();
    const folder = join(dir, 'hg');
    const s = settings({
      expert: undefined,
      rounds: undefined as unknown as number,
      corrections: [corrections],
    });
    assert.equal(s.rounds, 0);
    await run(folder, s);
    const rows = readMetricsRows(folder);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['importedCorrections'], 30);
    assert.equal(rows[0]!['datasetPairs'], rows[0]!['demoPairs']! + 30);
    assert.equal(existsSync(join(folder, DAGGER_CORRECTIONS_FILE)), false, 'no rounds, no labels of its own');
  });

  it('refuses rounds without an expert, and bad settings, naming the flag', () => {
    assert.throws(
      () => resolveDaggerSettings({ task: 'line', demos, rounds: 2 }),
      (e: unknown) =>
        e instanceof GailBridgeError && /--rounds 2: rounds need --expert P.policy/.test(e.message),
    );
    assert.throws(() => settings({ beta: 2 }), /--beta: expected a number in \[0, 1\], got 2/);
    assert.throws(() => settings({ roundSteps: 0 }), /--round-steps: expected a positive integer, got 0/);
    assert.throws(
      () => resolveDaggerSettings({ demos, expert: 'x' }),
      /--algo dagger: --task <name> is required/,
    );
    assert.equal(resolveDaggerSettings({ task: 'line', demos, expert: 'x' }).rounds, 5);
  });
});

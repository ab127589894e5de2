/**
 * `train --algo dac` as a user runs it, on InvertedPendulum with tiny networks: --help, a run stopped by
 * Ctrl-C after its first round and resumed to the end (replay buffer, learner and discriminator restored
 * from the checkpoint), the policy file the deploy path reads (a tanh-output actor whose framework-free
 * mean is the learner's), and the flags DAC refuses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTrainArgs, type TrainResult, train, trainCommand } from '../../src/cli/train.js';
import { compilePolicyMean, readPolicyFile } from '../../src/data/policy-file.js';
import { policyFromRecord, recordArrays } from '../../src/learn/policy-record.js';
import { readMetricsRows, readRunConfig } from '../../src/run/folder.js';
import { signalAtStart, usage } from './signals.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-train-dac-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Two rounds of 150 env steps, updates from step 100, networks of 16. */
const TINY = [
  ...['--algo', 'dac', '--task', 'inverted-pendulum', '--demos', 'demos/inverted-pendulum.mcap'],
  ...['--trajectories', '2', '--num-steps', '150', '--steps', '300', '--start-steps', '100'],
  ...['--hidden', '16,16', '--critic-hidden', '16,16', '--disc-hidden', '16,16', '--batch-size', '32'],
  ...['--disc-batch', '32', '--eval-every', '1', '--round-eval-episodes', '1', '--eval-episodes', '2'],
  ...['--checkpoint-every', '1', '--backend', 'wasm', '--json'],
];

async function trainWith(args: readonly string[], signal?: 'SIGINT'): Promise<TrainResult> {
  const { flags, typed, given } = parseTrainArgs(args);
  const exitCode = process.exitCode;
  try {
    return await train(flags, typed, given, usage, signal ? { signals: signalAtStart(signal) } : {});
  } finally {
    process.exitCode = exitCode;
  }
}

describe('train --algo dac', () => {
  it('--help lists dac and its flags', () => {
    const help = trainCommand().helpInformation();
    assert.match(help, /--algo <algo>.*"dac"/s);
    for (const flag of [
      '--critic-hidden',
      '--actor-lr',
      '--critic-lr',
      '--tau',
      '--expl-noise',
      '--target-noise',
      '--target-noise-clip',
      '--policy-delay',
      '--start-steps',
      '--updates-per-step',
      '--disc-every',
      '--eval-every',
    ])
      assert.match(help, new RegExp(`${flag} .*\\[dac\\]`), flag);
  });

  const run = join(dir, 'run');
  it('stops after the round in progress on Ctrl-C, and --resume finishes the run from the checkpoint', async () => {
    const stopped = await trainWith([...TINY, '--out', run], 'SIGINT');
    assert.equal(stopped.end, 'stopped');
    assert.equal(stopped.envSteps, 150);
    const checkpoint = await readPolicyFile(join(run, 'checkpoint.policy'));
    const arrays = recordArrays(checkpoint);
    // 150 steps and one absorbing → absorbing transition per fall.
    const replay = arrays['dac/replay/bootstrap']!.shape[0]!;
    assert.ok(replay > 150, `replay holds ${replay} transitions`);
    assert.ok(arrays['td3/critic1/0/w'] && arrays['disc/mlp/0/w'] && arrays['td3/actorAdam/step']);

    const r = await trainWith(['--resume', run, '--json']);
    assert.equal(r.end, 'finished');
    assert.equal(r.envSteps, 300);
    const rows = readMetricsRows(run);
    assert.deepEqual(
      rows.map((x) => x['envSteps']),
      [150, 300],
    );
    // Round 1 had 50 updates (from step 100), round 2 had 150; the replay kept round 1's transitions.
    assert.deepEqual(
      rows.map((x) => x['updates']),
      [50, 150],
    );
    assert.ok(rows[1]!['replaySize']! > rows[0]!['replaySize']! + 150);
    for (const k of ['criticLoss', 'q', 'discLoss', 'evalReturn', 'normalizedScore'])
      assert.ok(Number.isFinite(rows[1]![k]!), `${k} = ${rows[1]![k]}`);
    assert.equal(readRunConfig(run).algo, 'dac');
    assert.ok(r.evalReturn !== null && Number.isFinite(r.evalReturn.mean));
    assert.equal(typeof r.details['normalizedScore'], 'number');
  });

  it('delivers a tanh-output policy file whose framework-free mean is the deterministic actor', async () => {
    const record = await readPolicyFile(join(run, 'policy.policy'));
    assert.equal(record.architecture.output, 'tanh');
    assert.equal(record.architecture.activation, 'relu');
    assert.equal(record.training.algo, 'dac');
    const policy = policyFromRecord(record, 0, true);
    const obs = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i) * 3);
    const want = policy.act(obs, 10, 'deterministic').actions;
    const got = compilePolicyMean(record)(obs, 10);
    got.forEach((a, i) => {
      assert.ok(Math.abs(a - want[i]!) < 1e-5, `action ${i}: ${a} vs ${want[i]}`);
      assert.ok(Math.abs(a) <= 3, 'inside the bounds [−3, 3]');
    });
    policy.dispose();
  });

  it('learns InvertedPendulum from 4 demonstrations in 3 000 env steps (return ≥ 50; random 7, a policy paid to fall ~3)', async () => {
    // ~25 s of CPU. With the absorbing indicator inside the gradient penalty's norm this run learned to
    // fall (return 2–3; docs/dac.md), so the threshold catches that regression as well as a broken TD3.
    const out = join(dir, 'learn');
    const r = await trainWith([
      ...['--algo', 'dac', '--task', 'inverted-pendulum', '--demos', 'demos/inverted-pendulum.mcap'],
      ...['--trajectories', '4', '--steps', '3000', '--num-steps', '500', '--start-steps', '500'],
      ...['--hidden', '32,32', '--critic-hidden', '32,32', '--disc-hidden', '32,32', '--batch-size', '64'],
      ...['--disc-batch', '64', '--eval-every', '1', '--round-eval-episodes', '3', '--eval-episodes', '5'],
      ...['--backend', 'wasm', '--json', '--out', out],
    ]);
    assert.equal(r.end, 'finished');
    assert.ok(
      r.evalReturn!.mean >= 50,
      `deterministic return ${r.evalReturn!.mean.toFixed(1)} after 3000 steps`,
    );
    const rows = readMetricsRows(out);
    assert.ok(
      rows[rows.length - 1]!['discAbsorbing']! < 0.05,
      `D(s_abs) ${rows[rows.length - 1]!['discAbsorbing']}`,
    );
    assert.ok(
      rows[rows.length - 1]!['episodeLengthMean']! > 3 * rows[0]!['episodeLengthMean']!,
      `training episode length ${rows[0]!['episodeLengthMean']} → ${rows[rows.length - 1]!['episodeLengthMean']}`,
    );
  });

  it('refuses flags DAC does not read, naming them', async () => {
    await assert.rejects(
      trainWith([...TINY, '--out', join(dir, 'x'), '--disc-steps', '3']),
      /usage: --disc-steps: not used by --algo dac/,
    );
  });
});

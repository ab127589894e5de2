/**
 * `train --algo dagger` as a user runs it, on InvertedPendulum: the learning test (DAgger from one
 * demonstration, one pair in 50 kept, against the BC of its own round 0), the HG-DAgger retrain from a
 * corrections file without an expert, and the flags DAgger refuses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTrainArgs, type TrainResult, train, trainCommand } from '../../src/cli/train.js';
import { readMetricsRows, readRunConfig } from '../../src/run/folder.js';
import { runCli } from './run-cli.js';
import { signalAtStart, usage } from './signals.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-train-dagger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One demonstration of InvertedPendulum, one pair in 50 kept: 20 pairs, too few for BC. */
const FEW = [
  ...['--algo', 'dagger', '--task', 'inverted-pendulum', '--demos', 'demos/inverted-pendulum.mcap'],
  ...['--trajectories', '1', '--subsample', '50', '--backend', 'wasm', '--json'],
  ...['--round-eval-episodes', '5', '--eval-episodes', '5'],
];

async function trainWith(args: readonly string[]): Promise<TrainResult> {
  const { flags, typed, given } = parseTrainArgs(args);
  return train(flags, typed, given, usage);
}

describe('train --algo dagger', () => {
  const learned = join(dir, 'learned');

  it('beats BC from too few demonstrations after one round of 300 labelled steps', async () => {
    const r = await trainWith([
      ...FEW,
      ...['--expert', 'experts/inverted-pendulum.policy', '--rounds', '1', '--round-steps', '300'],
      ...['--out', learned],
    ]);
    assert.equal(r.end, 'finished');
    assert.equal(r.rounds, 2);
    assert.equal(r.envSteps, 300);
    const [bc, dagger] = readMetricsRows(learned);
    assert.equal(bc!['datasetPairs'], 20);
    assert.equal(dagger!['datasetPairs'], 320);
    // BC from 20 pairs drops the pole within ~100 steps; the expert's labels of those states fix it.
    assert.ok(bc!['normalizedScore']! < 0.5, `BC's normalised score ${bc!['normalizedScore']}`);
    assert.ok(
      dagger!['evalReturn']! >= bc!['evalReturn']!,
      `DAgger ${dagger!['evalReturn']} vs BC ${bc!['evalReturn']}`,
    );
    assert.ok(dagger!['normalizedScore']! >= 0.9, `DAgger's normalised score ${dagger!['normalizedScore']}`);
    assert.ok(r.evalReturn!.mean >= 900, `final evaluation ${r.evalReturn!.mean}`);
    assert.equal(r.details['labelledSteps'], 300);
    const settings = readRunConfig(learned).settings;
    assert.deepEqual(
      [settings['expert'], settings['rounds'], settings['roundSteps'], settings['beta']],
      ['experts/inverted-pendulum.policy', 1, 300, 0],
    );
  });

  it('retrains on the demonstrations plus a corrections file (HG-DAgger) without an expert', async () => {
    const out = join(dir, 'hg');
    const r = await trainWith([...FEW, '--corrections', join(learned, 'corrections.mcap'), '--out', out]);
    assert.equal(r.rounds, 1);
    assert.equal(r.envSteps, 0);
    const [row] = readMetricsRows(out);
    assert.equal(row!['importedCorrections'], 300);
    assert.equal(row!['datasetPairs'], 320);
    assert.deepEqual(readRunConfig(out).settings['corrections'], [join(learned, 'corrections.mcap')]);
  });

  it('Ctrl-C stops after the round in progress with exit code 130; --resume finishes with the labels', async () => {
    const out = join(dir, 'stopped');
    const { flags, typed, given } = parseTrainArgs([
      ...FEW,
      ...['--expert', 'experts/inverted-pendulum.policy', '--rounds', '2', '--round-steps', '100'],
      ...['--out', out],
    ]);
    const exitCode = process.exitCode;
    try {
      const stopped = await train(flags, typed, given, usage, { signals: signalAtStart('SIGINT') });
      assert.equal(stopped.end, 'stopped');
      assert.equal(process.exitCode, 130);
    } finally {
      process.exitCode = exitCode;
    }
    assert.deepEqual(
      readMetricsRows(out).map((r) => r['daggerRound']),
      [0],
    );
    const resumed = parseTrainArgs(['--resume', out, '--json']);
    const r = await train(resumed.flags, resumed.typed, resumed.given, usage);
    assert.equal(r.end, 'finished');
    assert.equal(r.envSteps, 200);
    assert.equal(r.details['labelledSteps'], 200);
    assert.deepEqual(
      readMetricsRows(out).map((row) => [row['daggerRound'], row['datasetPairs']]),
      [
        [0, 20],
        [1, 120],
        [2, 220],
      ],
    );
  });

  it('refuses rounds without an expert and flags it does not read', async () => {
    await assert.rejects(
      trainWith([...FEW, '--rounds', '2', '--out', join(dir, 'no-expert')]),
      /--rounds 2: rounds need --expert P.policy/,
    );
    await assert.rejects(
      trainWith([...FEW, '--steps', '1000', '--out', join(dir, 'steps')]),
      /usage: --steps: not used by --algo dagger/,
    );
    await assert.rejects(
      trainWith([...FEW, '--corrections', 'a.mcap,,b.mcap', '--out', join(dir, 'list')]),
      /--corrections: expected comma-separated file names/,
    );
  });

  it('--help names the algorithm and each of its flags; deploy --help names --corrections', async () => {
    const help = trainCommand().helpInformation().replace(/\s+/g, ' ');
    assert.match(help, /--algo bc\|gail\|airl\|dac\|dagger/);
    assert.match(help, /"dagger"/);
    for (const flag of [
      '--expert <file>',
      '--corrections <files>',
      '--rounds <k>',
      '--round-steps <n>',
      '--beta <b>',
    ])
      assert.ok(help.includes(`${flag} [dagger]`), `${flag} in:\n${help}`);
    assert.match(help, /labelled env steps per round \(default 2000\)/);
    assert.match(help, /--epochs <n> \[bc, dagger\]/);
    const deploy = await runCli(['deploy', '--help']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(
      deploy.stdout.replace(/\s+/g, ' '),
      /--corrections <file> record every takeover's \(observation, teleop command\) steps/,
    );
  });
});

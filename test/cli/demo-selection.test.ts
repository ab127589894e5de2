/**
 * Failed demonstrations, end to end on the shipped InvertedDoublePendulum demos (episode 23 is the
 * expert's fall: 41 steps, return 369 against a median of ~9345): `inspect` flags it, and `train`
 * (BC and GAIL alike) prints what it leaves out and GAIL saves it in the run's config.json.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { addDemoSelectionOptions, demoSelectionFlags } from '../../src/cli/demo-selection.js';
import { inspect } from '../../src/cli/inspect.js';

const run = promisify(execFile);
const DEMOS = 'demos/inverted-double-pendulum.mcap';
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { maxBuffer: 1 << 24 });
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-demo-selection-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('failed demonstrations', () => {
  it('inspect flags the shipped fall with the rule and its numbers', async () => {
    const r = await inspect(DEMOS);
    assert.equal(r.kind, 'demo');
    if (r.kind !== 'demo') return;
    assert.deepEqual(
      r.suspectedFailures.map((f) => f.index),
      [23],
    );
    assert.match(
      r.suspectedFailures[0]!.why,
      /terminated after 41 steps with return 369\.\d, below \d+\.\d \(the median/,
    );
  });

  it('parses --episodes, --exclude-failures and --min-return once, naming a bad value', () => {
    const parse = (args: string[]) =>
      demoSelectionFlags(
        addDemoSelectionOptions(new Command().exitOverride()).parse(args, { from: 'user' }).opts(),
      );
    assert.deepEqual(parse(['--episodes', '0, 2,5', '--exclude-failures', '--min-return', '-3.5']), {
      episodes: [0, 2, 5],
      excludeFailures: true,
      minReturn: -3.5,
    });
    assert.deepEqual(parse([]), { episodes: undefined, excludeFailures: false, minReturn: undefined });
    assert.throws(
      () => parse(['--episodes', '1,,2']),
      /--episodes: expected comma-separated episode indices/,
    );
    assert.throws(() => parse(['--min-return', 'lots']), /--min-return: expected a number, got "lots"/);
  });

  it('train --algo bc leaves the fall out with --exclude-failures and says so', async () => {
    const { stdout, stderr } = await cli(
      'train',
      '--algo',
      'bc',
      '--task',
      'inverted-double-pendulum',
      '--demos',
      DEMOS,
      '--episodes',
      '22,23',
      '--exclude-failures',
      '--epochs',
      '1',
      '--eval-episodes',
      '1',
      '--out',
      join(dir, 'bc'),
      '--json',
    );
    assert.match(stderr, /demos: episodes 22 used/);
    assert.match(stderr, /left out episode 23: terminated after 41 steps/);
    assert.equal(JSON.parse(stdout).trajectories, 1);
  });

  it('train --algo gail reports a used fall, and saves what --exclude-failures left out in config.json', async () => {
    const common = [
      'train',
      '--algo',
      'gail',
      '--task',
      'inverted-double-pendulum',
      '--demos',
      DEMOS,
      '--steps',
      '256',
      '--num-envs',
      '2',
      '--num-steps',
      '128',
      '--eval-episodes',
      '1',
      '--json',
    ];
    const kept = await cli(...common, '--episodes', '23,24', '--out', join(dir, 'kept'));
    assert.match(
      kept.stderr,
      /episode 23 looks like a failure of the demonstrator .* it is used; --exclude-failures leaves it out/,
    );
    const out = join(dir, 'gail');
    const left = await cli(
      ...common,
      '--trajectories',
      '2',
      '--episodes',
      '23,24,22',
      '--exclude-failures',
      '--out',
      out,
    );
    assert.match(left.stderr, /left out episode 23/);
    assert.equal(JSON.parse(left.stdout).trajectories, 1, 'the first 2 are 23 and 24; 23 is left out');
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    assert.equal(config.settings.excludeFailures, true);
    assert.deepEqual(config.settings.demoEpisodes, [23, 24, 22]);
    // What was used and left out is a record of the start (startedWith), not a setting.
    assert.deepEqual(config.startedWith.demoSelection.used, [24]);
    assert.deepEqual(
      config.startedWith.demoSelection.leftOut.map((l: { index: number; reason: string }) => [
        l.index,
        l.reason,
      ]),
      [[23, 'failure']],
    );
    // --resume reads the folder's settings back, the selection with them.
    const resumed = await cli('train', '--resume', out, '--eval-episodes', '1', '--json');
    assert.equal(JSON.parse(resumed.stdout).trajectories, 1);
  });
});

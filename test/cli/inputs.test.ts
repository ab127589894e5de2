/**
 * Every command against hostile and mistaken inputs (issue 13, "Inputs and files"): bad input exits 2 with
 * a message naming the file and what to do, never a stack trace; usage errors exit 1; `--help` lists the
 * exit codes (docs/exit-codes.md).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EXIT } from '../../src/cli/exit-codes.js';
import { ROOT, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const folder = join(dir, 'a-folder');
mkdirSync(folder);
const bomb = join(dir, 'laughs.yaml');
writeFileSync(
  bomb,
  [
    'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
    ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
  ].join('\n'),
);

/** Runs each case (in pairs, two cores) and asserts its exit code and that stderr matches, with no trace. */
async function expectAll(cases: readonly [args: string[], code: number, stderr: RegExp][]): Promise<void> {
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async ([args, code, pattern]) => {
        const r = await runCli(args);
        const what = `gail-bridge ${args.join(' ')}\n${r.stderr.slice(0, 2000)}`;
        assert.equal(r.code, code, what);
        assert.match(r.stderr, pattern, what);
        assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace: ${what}`);
      }),
    );
  }
}

describe('bad input exits 2 with a message that names the file', () => {
  it('a YAML alias bomb as a config: deploy --config, import --config, sim --task-config', async () => {
    const aliases = /laughs\.yaml: its aliases \(\*name\) expand to more than 100 nodes/;
    await expectAll([
      [['deploy', '--policy', 'experts/hopper.policy', '--config', bomb, '--dry-run'], 2, aliases],
      [['import', 'demos/hopper.mcap', '--config', bomb, '--out', join(dir, 'x.mcap')], 2, aliases],
      [['sim', '--model', 'src/sim/tasks/hopper.xml', '--task-config', bomb], 2, aliases],
    ]);
  });

  it('a directory where a file is expected, for every command that reads one', async () => {
    const isDir = (what: string) => new RegExp(`${what} ${folder} is a directory, expected a file`);
    const out = join(dir, 'out');
    await expectAll([
      [['eval', '--policy', folder, '--task', 'hopper', '--episodes', '1'], 2, isDir('policy file')],
      [
        ['eval', '--policy', 'experts/hopper.policy', '--task', 'hopper', '--expert', folder],
        2,
        isDir('policy file'),
      ],
      [
        ['deploy', '--policy', folder, '--config', 'config/robots/hopper-sim.yaml', '--dry-run'],
        2,
        isDir('policy file'),
      ],
      [['deploy', '--policy', 'experts/hopper.policy', '--config', folder, '--dry-run'], 2, isDir('config')],
      [['export', folder, '--tfjs', out], 2, isDir('policy file')],
      [
        ['demos', '--policy', folder, '--task', 'hopper', '--out', join(out, 'd.mcap')],
        2,
        isDir('policy file'),
      ],
      [
        [
          'demos',
          '--policy',
          'experts/hopper.policy',
          '--task',
          'hopper',
          '--episodes',
          '1',
          '--out',
          folder,
        ],
        2,
        isDir('output file'),
      ],
      [
        ['train', '--algo', 'bc', '--task', 'hopper', '--demos', folder, '--out', join(out, 'bc')],
        2,
        isDir('demo file'),
      ],
      [
        ['train', '--algo', 'gail', '--task', 'hopper', '--demos', folder, '--out', join(out, 'gail')],
        2,
        isDir('demo file'),
      ],
      [['sim', '--model', folder], 2, isDir('MJCF file')],
      [['sim', '--model', 'src/sim/tasks/hopper.xml', '--task-config', folder], 2, isDir('config')],
      [['import', 'demos/hopper.mcap', '--config', folder, '--out', join(out, 'i.mcap')], 2, isDir('config')],
      [['inspect', folder, '--repair', join(out, 'r.mcap')], 2, isDir('demo file')],
      [['inspect', 'demos/inverted-pendulum.mcap', '--repair', folder], 2, isDir('output file')],
      [
        [
          'record',
          '--config',
          folder,
          '--out',
          join(out, 'rec.mcap'),
          '--sim',
          'hopper',
          '--teleop-policy',
          'experts/hopper.policy',
        ],
        2,
        isDir('config'),
      ],
      [
        [
          'record',
          '--config',
          'config/robots/hopper-sim.yaml',
          '--out',
          join(out, 'rec.mcap'),
          '--sim',
          'hopper',
          '--teleop-policy',
          folder,
        ],
        2,
        isDir('policy file'),
      ],
    ]);
  });
});

describe('usage errors exit 1', () => {
  it('a malformed, missing or conflicting option, from commander or from gail-bridge', async () => {
    await expectAll([
      [['sim', '--task', 'hopper', '--episodes', '0'], 1, /--episodes: expected a positive integer, got "0"/],
      [
        ['sim', '--task', 'hopper', '--model', 'src/sim/tasks/hopper.xml'],
        1,
        /pass exactly one of --task <name> and --model <file\.xml>/,
      ],
      [['eval', '--task', 'hopper'], 1, /required option '--policy <file>' not specified/],
      [
        ['train', '--algo', 'bc', '--demos', 'demos/hopper.mcap', '--out', join(dir, 'bc')],
        1,
        /--algo bc: --task <name> is required/,
      ],
      [['sim', '--bogus'], 1, /unknown option '--bogus'/],
    ]);
  });
});

describe('--help lists the exit codes', () => {
  it('every command, with its own signal behaviour', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Exit codes:\n +0 +success/);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) \[?/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    assert.ok(commands.length >= 11, commands.join(', '));
    for (let i = 0; i < commands.length; i += 2) {
      await Promise.all(
        commands.slice(i, i + 2).map(async (c) => {
          const r = await runCli([c, '--help']);
          assert.equal(r.code, 0, c);
          assert.match(
            r.stdout,
            /Exit codes:\n +0 +success[\s\S]*\n +1 +usage error[\s\S]*\n +2 +bad input/,
            c,
          );
        }),
      );
    }
    const record = await runCli(['record', '--help']);
    assert.match(record.stdout, /130 +stopped by SIGINT/);
    assert.match(record.stdout, /129 +stopped by SIGHUP or lost output/);
    const deploy = await runCli(['deploy', '--help']);
    assert.match(deploy.stdout, /0 +success, also after SIGINT, SIGTERM or SIGHUP/);
    assert.match(deploy.stdout, /3 +stopped by a fault/);
  });
});

describe('docs/exit-codes.md', () => {
  it('has a row for every exit code of src/cli/exit-codes.ts, and no other', () => {
    const doc = readFileSync(join(ROOT, 'docs/exit-codes.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      rows,
      Object.values(EXIT).sort((a, b) => a - b),
    );
  });
});

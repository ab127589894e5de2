import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  appendMetricsRow,
  checkNewRunFolder,
  createRunFolder,
  keepMetricsRows,
  readMetricsRows,
  readRunConfig,
  runPath,
  settingDifferences,
} from '../../src/run/folder.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-folder-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const make = (name: string, force = false) =>
  createRunFolder(
    join(dir, name),
    { command: 'train', algo: 'gail', settings: { steps: 5, demoTrajectories: undefined } },
    { force },
  );

describe('run folder', () => {
  it('writes config.json with every setting but the undefined ones, and an empty metrics.jsonl', () => {
    const c = make('a');
    assert.deepEqual(readRunConfig(join(dir, 'a')), c);
    assert.deepEqual(c.settings, { steps: 5 });
    assert.deepEqual([c.format, c.version, c.command, c.algo], ['gail-bridge run', 1, 'train', 'gail']);
    assert.equal(readFileSync(runPath(join(dir, 'a'), 'metrics'), 'utf8'), '');
  });

  it('refuses a folder that holds a run or anything else without --force; --force deletes only run files', () => {
    const d = join(dir, 'a');
    appendMetricsRow(d, { round: 1, envSteps: 2048, wallSeconds: 1 });
    assert.throws(
      () => make('a'),
      /--out .*a: already holds a run of 1 rounds, 2048 env steps; continue it with `gail-bridge train --resume .*a`, or add --force/,
    );
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    assert.throws(() => make('other'), /--out .*other: is not empty \(notes\.txt\); add --force/);
    writeFileSync(join(d, 'notes.txt'), 'mine');
    make('a', true);
    assert.deepEqual(readMetricsRows(d), []);
    assert.ok(existsSync(join(d, 'notes.txt')), 'a file that is not the run’s is left alone');
    checkNewRunFolder(join(dir, 'new'), { force: false, command: 'train' });
    mkdirSync(join(dir, 'empty'));
    make('empty');
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => make('file', true), /is a file, not a folder/);
  });

  it('names what is wrong with a folder given to --resume', () => {
    assert.throws(() => readRunConfig(join(dir, 'none')), /--resume .*none: no such folder/);
    const empty = join(dir, 'no-config');
    mkdirSync(empty);
    assert.throws(() => readRunConfig(empty), /no config\.json there; is this a gail-bridge run folder\?/);
    writeFileSync(join(empty, 'config.json'), '{"demos": "d.mcap", "out": "runs/x"}');
    assert.throws(() => readRunConfig(empty), /not a gail-bridge run config .* made by an older gail-bridge/);
    writeFileSync(join(empty, 'config.json'), '{');
    assert.throws(() => readRunConfig(empty), /config\.json: not valid JSON/);
  });

  it('compares only the settings given, naming each difference with both values', () => {
    const saved = { steps: 60000, discHidden: [100, 100], task: 'hopper' };
    assert.deepEqual(
      settingDifferences(saved, { steps: 60000, discHidden: [100, 100], model: undefined }),
      [],
    );
    assert.deepEqual(settingDifferences(saved, { steps: 200000, discHidden: [64], seed: 1 }), [
      'steps: saved 60000, given 200000',
      'discHidden: saved [100,100], given [64]',
      'seed: saved absent, given 1',
    ]);
  });

  it('reads metrics back with NaN, skips a line cut by a kill, and keeps the rows a checkpoint covers', () => {
    const d = join(dir, 'metrics');
    createRunFolder(d, { command: 'train', algo: 'bc', settings: {} }, { force: false });
    for (const round of [1, 2, 3])
      appendMetricsRow(d, { round, envSteps: 0, wallSeconds: round, loss: Number.NaN });
    writeFileSync(runPath(d, 'metrics'), `${readFileSync(runPath(d, 'metrics'), 'utf8')}{"round":4,"wal`);
    const rows = readMetricsRows(d);
    assert.equal(rows.length, 3);
    assert.ok(Number.isNaN(rows[0]!['loss']));
    assert.deepEqual(
      keepMetricsRows(d, 2).map((r) => r['round']),
      [1, 2],
    );
    assert.deepEqual(
      readMetricsRows(d).map((r) => r['round']),
      [1, 2],
    );
    assert.deepEqual(
      readdirSync(d).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

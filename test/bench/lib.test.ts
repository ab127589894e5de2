import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeMachine, machineNotes, parseProcStatCpu, stealPercent } from '../../bench/lib/machine.js';
import { type BenchReport, finishReport, readBenchResult, targetMet } from '../../bench/lib/report.js';
import { median, Samples, summarize } from '../../bench/lib/stats.js';
import { formatCell, formatRate, renderResult, tableCells } from '../../bench/lib/table.js';
import { commandLine, saveResult } from '../../bench/main.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { TEST_MACHINE } from './machine.js';

const MACHINE = TEST_MACHINE;

/** A made-up two-row report with a target on each direction (no real bench runs in CI). */
function madeUpReport(): BenchReport {
  return {
    bench: 'demo',
    title: 'Demo bench',
    measured: ['made-up numbers'],
    backend: 'made-up backend',
    columns: [
      { key: 'task', title: 'task', format: 'text' },
      { key: 'raw', title: 'raw', format: 'rate', unit: 'steps/s' },
      { key: 'overhead', title: 'overhead', format: 'percent' },
      { key: 'speedup', title: '2w/1w', format: 'ratio' },
    ],
    rows: [
      {
        key: 'hopper',
        cells: { task: 'Hopper', raw: 41234, overhead: 0.082, speedup: 1.82 },
        spread: { raw: { min: 40000, max: 42000, n: 5 } },
      },
      { key: 'ant', cells: { task: 'Ant', raw: 9876.5, overhead: 0.21, speedup: null } },
    ],
    targets: [
      {
        key: 'overhead',
        description: 'overhead at most 15%',
        column: 'overhead',
        comparison: 'atMost',
        threshold: 0.15,
      },
      {
        key: 'scaling',
        description: '2 workers at least 1.7× one',
        column: 'speedup',
        comparison: 'atLeast',
        threshold: 1.7,
      },
    ],
    notes: ['numbers are made up'],
    samples: { hopper: { raw: [40000, 41234, 42000] } },
  };
}

const CTX = {
  date: new Date('2025-01-02T03:04:05Z'),
  command: 'npm run bench -- demo',
  durationS: 12.5,
  machine: MACHINE,
};

describe('bench machine: host steal time', () => {
  const STAT = 'cpu  100 5 20 800 10 0 5 60 30 0\ncpu0 50 2 10 400 5 0 2 30 15 0\nintr 1 2 3\n';

  it('reads the aggregate cpu line of /proc/stat (steal the 8th field; guest time not counted twice)', () => {
    assert.deepEqual(parseProcStatCpu(STAT), { steal: 60, total: 1000 });
    assert.equal(parseProcStatCpu('intr 1 2\n'), undefined);
    assert.equal(parseProcStatCpu('cpu  1 2 x 4 5 6 7 8\n'), undefined);
    assert.equal(parseProcStatCpu('cpu  1 2 3\n'), undefined, 'kernels without a steal field');
  });

  it('gives steal as a percent of the CPU time between two samples, null without both', () => {
    assert.equal(stealPercent({ steal: 60, total: 1000 }, { steal: 85, total: 2000 }), 2.5);
    assert.equal(stealPercent(undefined, { steal: 1, total: 2 }), null);
    assert.equal(stealPercent({ steal: 1, total: 2 }, { steal: 1, total: 2 }), null);
    const m = { ...MACHINE, stealPercent: 2.5 };
    assert.match(describeMachine(m), /load 0\.5 → 1\.5, host steal 2\.5% of CPU time/);
    assert.doesNotMatch(describeMachine({ ...MACHINE, stealPercent: null }), /steal/);
  });

  it('flags a run during which the host took 5% or more of the CPU', () => {
    assert.deepEqual(machineNotes({ ...MACHINE, stealPercent: 4.9 }), []);
    assert.deepEqual(machineNotes({ ...MACHINE, stealPercent: null }), []);
    assert.match(machineNotes({ ...MACHINE, stealPercent: 19.6 })[0] ?? '', /took 19\.6% .* unreliable/);
  });
});

describe('bench stats', () => {
  it('takes the median of odd and even counts and keeps the spread', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.deepEqual(summarize([5, 1, 9]), { median: 5, min: 1, max: 9, n: 3 });
  });

  it('refuses an empty or non-finite sample set with a message saying why', () => {
    assert.throws(
      () => median([]),
      (e: unknown) => e instanceof GailBridgeError && /no samples/.test(e.message),
    );
    assert.throws(() => summarize([1, Number.NaN]), /sample 1 is NaN/);
  });

  it('groups samples by row and measure', () => {
    const s = new Samples();
    s.add('hopper', 'raw', 2);
    s.add('hopper', 'raw', 4);
    s.add('ant', 'env', 1);
    assert.deepEqual(s.get('hopper', 'raw'), [2, 4]);
    assert.equal(s.summary('hopper', 'raw')?.median, 3);
    assert.equal(s.summary('hopper', 'env'), undefined);
    assert.deepEqual(s.toJSON(), { hopper: { raw: [2, 4] }, ant: { env: [1] } });
  });

  it('pairs ratios round by round and takes their median', () => {
    const s = new Samples();
    // Round 2 ran under load: both sides slow down, and the paired ratio is unaffected.
    for (const [raw, env] of [
      [100, 90],
      [50, 45],
      [102, 85],
    ] as const) {
      s.add('t', 'raw', raw);
      s.add('t', 'env', env);
    }
    s.add('t', 'lonely', 1);
    assert.equal(s.pairedRatio('t', 'raw', 'env'), 100 / 90);
    assert.equal(s.pairedRatio('t', 'raw', 'lonely'), undefined);
    assert.equal(s.pairedRatio('t', 'raw', 'missing'), undefined);
  });
});

describe('bench table', () => {
  it('formats each kind of cell', () => {
    assert.equal(formatRate(41234), '41.2 k');
    assert.equal(formatRate(1_234_567), '1.23 M');
    assert.equal(formatRate(987.6), '988');
    assert.equal(formatCell(0.082, 'percent'), '+8.2%');
    assert.equal(formatCell(-0.031, 'percent'), '-3.1%');
    assert.equal(formatCell(1.8234, 'ratio'), '1.82×');
    assert.equal(formatCell(0.0123, 'seconds'), '12.30 ms');
    assert.equal(formatCell(null, 'rate'), 'n/a');
    assert.equal(formatCell(undefined, 'rate'), 'n/a');
  });

  it('marks target cells met or missed and leaves unmeasured ones unmarked', () => {
    const cells = tableCells(finishReport(madeUpReport(), CTX));
    assert.deepEqual(cells[0], ['task', 'raw', 'overhead', '2w/1w']);
    assert.deepEqual(cells[1], ['Hopper', '41.2 k', '+8.2% met', '1.82× met']);
    assert.deepEqual(cells[2], ['Ant', '9.88 k', '+21.0% missed', 'n/a']);
  });

  it('renders the plain and Markdown reports with machine, targets, notes and command', () => {
    const result = finishReport(madeUpReport(), CTX);
    const plain = renderResult(result);
    const lines = plain.split('\n');
    const header = lines.findIndex((l) => l.startsWith('task'));
    assert.ok(header > 0, plain);
    assert.match(lines[header + 1]!, /^-+( +-+)+$/);
    assert.equal(lines[header]!.length, lines[header + 2]!.length, 'rows are aligned');
    assert.match(plain, /Test CPU, 2 cores/);
    assert.match(plain, /overhead at most 15%: hopper met, ant missed/);
    assert.match(plain, /2 workers at least 1\.7× one: hopper met, ant not measured/);
    assert.match(plain, /numbers are made up/);
    assert.match(plain, /Command: npm run bench -- demo/);
    const md = renderResult(result, 'markdown');
    assert.match(md, /^\| task \| raw \| overhead \| 2w\/1w \|$/m);
    assert.match(md, /^\| :--- \| ---: \| ---: \| ---: \|$/m);
    assert.match(md, /^\| Hopper \| 41\.2 k \| \+8\.2% met \| 1\.82× met \|$/m);
  });
});

describe('bench result', () => {
  it('evaluates targets in both directions, null when not measured', () => {
    const atMost = {
      key: 'k',
      description: 'd',
      column: 'c',
      comparison: 'atMost',
      threshold: 0.15,
    } as const;
    assert.equal(targetMet(atMost, 0.15), true);
    assert.equal(targetMet(atMost, 0.16), false);
    assert.equal(targetMet({ ...atMost, comparison: 'atLeast' }, 0.16), true);
    assert.equal(targetMet({ ...atMost, comparison: 'above' }, 0.15), false, 'above is strict');
    assert.equal(targetMet({ ...atMost, comparison: 'above' }, 0.16), true);
    assert.equal(targetMet(atMost, null), null);
    assert.equal(targetMet(atMost, 'text'), null);
  });

  it('saves JSON that reads back equal, with date, command and machine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-bench-'));
    try {
      const result = finishReport(madeUpReport(), CTX);
      const path = join(dir, 'demo.json');
      saveResult(result, path);
      const back = readBenchResult(path);
      assert.deepEqual(back, result);
      assert.equal(back.date, '2025-01-02T03:04:05.000Z');
      assert.equal(back.command, 'npm run bench -- demo');
      assert.equal(back.machine.cpuModel, 'Test CPU');
      assert.deepEqual(
        back.targets.map((t) => t.outcomes.map((o) => o.met)),
        [
          [true, false],
          [true, null],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a target or cell that names no column', () => {
    const bad = { ...madeUpReport(), targets: [{ ...madeUpReport().targets[0]!, column: 'nope' }] };
    assert.throws(
      () => finishReport(bad, CTX),
      /target "overhead" refers to column "nope", which the table lacks/,
    );
    const badRow = { ...madeUpReport(), rows: [{ key: 'x', cells: { extra: 1 } }] };
    assert.throws(() => finishReport(badRow, CTX), /row "x" has a cell "extra" that is not a column/);
  });

  it('turns a garbled or foreign results file into a file error naming the path and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-bench-'));
    try {
      const notJson = join(dir, 'a.json');
      writeFileSync(notJson, '{"schema": 1,');
      assert.throws(
        () => readBenchResult(notJson),
        (e: unknown) => e instanceof GailBridgeError && e.code === 'file' && e.message.includes(notJson),
      );
      const foreign = join(dir, 'b.json');
      const result = finishReport(madeUpReport(), CTX);
      writeFileSync(foreign, JSON.stringify({ ...result, machine: { ...result.machine, cores: 'two' } }));
      assert.throws(
        () => readBenchResult(foreign),
        /b\.json: not a valid benchmark result.*\n.*machine\.cores/,
      );
      assert.match(readFileSync(foreign, 'utf8'), /"cores":"two"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records the command as typed, quoting what the shell would split', () => {
    assert.equal(commandLine(['sim', '--json'], true), 'npm run bench -- sim --json');
    assert.equal(commandLine(['sim', '--only', 'a b'], false), "tsx bench/main.ts sim --only 'a b'");
  });
});

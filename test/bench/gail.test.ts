import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  bench,
  COLUMNS,
  configDifferences,
  gailTargets,
  type PlannedRun,
  parseGailArgs,
  planRuns,
  type RunOutcome,
  rowKey,
  runTimings,
  runWallSeconds,
  trainingRows,
  variantLabel,
} from '../../bench/gail.js';
import { finishReport } from '../../bench/lib/report.js';
import { renderResult, tableCells } from '../../bench/lib/table.js';
import { main } from '../../bench/main.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { TEST_MACHINE } from './machine.js';

const MACHINE = TEST_MACHINE;

function outcome(
  task: string,
  n: number,
  method: PlannedRun['method'],
  seed: number,
  score: number,
): RunOutcome {
  return {
    run: { row: rowKey(task, n, method), task, trajectories: n, method, seed },
    return: 1000 * score,
    score,
    envSteps: method === 'bc' ? 0 : 2_000_000,
    wallSeconds: 100 + seed,
    stepsPerSecond: method === 'bc' ? Number.NaN : 2_000_000 / (100 + seed),
    envShare: method === 'bc' ? Number.NaN : 0.2,
    discShare: method === 'bc' ? Number.NaN : 0.1,
    policyShare: method === 'bc' ? Number.NaN : 0.6,
  };
}

describe('bench gail options', () => {
  it('defaults to the paper comparison on Hopper, and --quick to a tiny pendulum run', () => {
    const full = parseGailArgs([], false);
    assert.deepEqual(full.tasks, ['hopper']);
    assert.deepEqual(full.trajectories, [4, 25]);
    assert.equal(full.seeds, 3);
    assert.equal(full.steps, 2_000_000);
    const quick = parseGailArgs([], true);
    assert.deepEqual(quick.tasks, ['inverted-pendulum']);
    assert.deepEqual(quick.trajectories, [4]);
    assert.equal(quick.seeds, 1);
    assert.ok(quick.steps <= 10_000, `quick steps ${quick.steps}`);
    assert.equal(quick.runsDir, undefined, 'quick runs leave no run folders behind');
  });

  it('reads its own flags and names the bad one with the fix', () => {
    const o = parseGailArgs(
      ['--tasks', 'hopper, walker2d', '--seeds', '5', '--steps', '1000', '--trajectories', '4,25,4'],
      false,
    );
    assert.deepEqual(o.tasks, ['hopper', 'walker2d']);
    assert.deepEqual(o.trajectories, [4, 25]);
    assert.equal(o.seeds, 5);
    assert.equal(o.steps, 1000);
    assert.deepEqual(parseGailArgs(['--tasks', 'hopper'], true).tasks, ['hopper'], 'flags override --quick');
    const isConfig = (re: RegExp) => (e: unknown) =>
      e instanceof GailBridgeError && e.code === 'config' && re.test(e.message);
    assert.throws(() => parseGailArgs(['--tasks', 'hoper'], false), isConfig(/unknown task "hoper".*hopper/));
    assert.throws(
      () => parseGailArgs(['--seeds', '0'], false),
      isConfig(/--seeds: expected a positive integer/),
    );
    assert.throws(() => parseGailArgs(['--steps', '1e9x'], false), isConfig(/--steps/));
    assert.throws(() => parseGailArgs(['--epochs', '3'], false), isConfig(/--epochs.*its flags: --tasks/));
  });

  it('takes GAIL settings other than the defaults and the failure exclusion, and names them in rows', () => {
    const o = parseGailArgs(
      ['--grad-penalty', '10', '--disc-steps', '4', '--ent-coef', '0.01', '--exclude-failures'],
      false,
    );
    assert.deepEqual(o.gail, { gradPenalty: 10, discStepsPerRound: 4, entCoef: 0.01 });
    assert.equal(o.excludeFailures, true);
    assert.equal(variantLabel(o, 'gail'), 'grad penalty 10, D steps 4, ent coef 0.01, failures excluded');
    assert.equal(variantLabel(o, 'bc'), 'failures excluded');
    assert.deepEqual(parseGailArgs([], false).gail, {});
    const sn = parseGailArgs(['--spectral-norm', '--grad-penalty', '0'], false);
    assert.deepEqual(sn.gail, { gradPenalty: 0, spectralNorm: true });
    assert.equal(variantLabel(sn, 'gail'), 'grad penalty 0, spectral norm');
    assert.equal(variantLabel(sn, 'bc'), '');
    const seven = parseGailArgs(
      ['--tasks', 'ant', '--trajectories', '4', '--seeds', '3', '--first-seed', '7'],
      false,
    );
    assert.deepEqual(
      planRuns(seven, ['ant-4-gail']).map((r) => r.seed),
      [7, 8, 9],
    );
    assert.equal(variantLabel(parseGailArgs([], false), 'gail'), '');
    const rows = trainingRows([outcome('ant', 4, 'gail', 0, 0.9)], ['ant-4-gail'], (m) => variantLabel(o, m));
    assert.equal(
      rows[0]!.cells['what'],
      'Ant, 4 traj, GAIL (grad penalty 10, D steps 4, ent coef 0.01, failures excluded)',
    );
    const isConfig = (re: RegExp) => (e: unknown) =>
      e instanceof GailBridgeError && e.code === 'config' && re.test(e.message);
    const chosen = parseGailArgs(['--episodes', '0,1,4,5', '--exclude-failures'], false);
    assert.deepEqual(chosen.episodes, [0, 1, 4, 5]);
    assert.equal(parseGailArgs([], false).episodes, undefined);
    assert.equal(variantLabel(chosen, 'bc'), 'episodes 0,1,4,5, failures excluded');
    assert.throws(
      () => parseGailArgs(['--episodes', '0,-1'], false),
      isConfig(/bench gail --episodes: expected comma-separated episode indices/),
    );
    assert.throws(
      () => parseGailArgs(['--disc-steps', '0'], false),
      isConfig(/--disc-steps: expected a positive integer/),
    );
    assert.throws(
      () => parseGailArgs(['--grad-penalty', 'x'], false),
      isConfig(/--grad-penalty: expected a number ≥ 0/),
    );
  });
});

describe('bench gail plan and rows', () => {
  it('plans task, trajectories, seed, then the three methods, and keeps --only rows', () => {
    const o = { ...parseGailArgs([], false), seeds: 2 };
    const plan = planRuns(o);
    assert.equal(plan.length, 1 * 2 * 2 * 3);
    assert.deepEqual(
      plan.slice(0, 4).map((p) => `${p.row}/${p.seed}`),
      ['hopper-4-gail/0', 'hopper-4-gail-noabs/0', 'hopper-4-bc/0', 'hopper-4-gail/1'],
    );
    const only = planRuns(o, ['hopper-25-bc']);
    assert.deepEqual(
      only.map((p) => `${p.row}/${p.seed}`),
      ['hopper-25-bc/0', 'hopper-25-bc/1'],
    );
    for (const p of plan) assert.ok(bench.rowKeys.includes(p.row), `${p.row} is an --only key`);
  });

  it('averages over seeds, spreads min/max, and sets GAIL − BC on the GAIL rows', () => {
    const outcomes = [
      outcome('hopper', 4, 'gail', 0, 0.9),
      outcome('hopper', 4, 'gail', 1, 1.0),
      outcome('hopper', 4, 'bc', 0, 0.2),
      outcome('hopper', 4, 'bc', 1, 0.4),
      outcome('hopper', 4, 'gail-noabs', 0, 0.5),
    ];
    const order = planRuns({ ...parseGailArgs([], false), trajectories: [4], seeds: 2 }).map((p) => p.row);
    const rows = trainingRows(outcomes, order);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['hopper-4-gail', 'hopper-4-gail-noabs', 'hopper-4-bc'],
    );
    const [gail, noabs, bc] = rows;
    assert.ok(Math.abs((gail!.cells['score'] as number) - 0.95) < 1e-12);
    assert.ok(Math.abs((gail!.cells['scoreStd'] as number) - 0.05) < 1e-12, 'population std');
    assert.ok(Math.abs((gail!.cells['overBc'] as number) - 0.65) < 1e-12);
    assert.equal(gail!.cells['seeds'], 2);
    assert.equal(gail!.cells['wallSeconds'], 100.5);
    assert.deepEqual(gail!.spread?.['score'], { min: 0.9, max: 1.0, n: 2 });
    assert.equal(noabs!.cells['seeds'], 1);
    assert.equal(bc!.cells['overBc'], null, 'BC is not compared with itself');
    assert.equal(bc!.cells['envSteps'], 0);
    assert.match(String(gail!.cells['what']), /^Hopper, 4 traj, GAIL$/);
  });

  it('leaves the score n/a when a task has no reference, and GAIL − BC n/a without a BC row', () => {
    const rows = trainingRows([outcome('walker2d', 25, 'gail', 0, Number.NaN)], ['walker2d-25-gail']);
    assert.equal(rows[0]!.cells['score'], null);
    assert.equal(rows[0]!.cells['overBc'], null);
    assert.equal(rows[0]!.spread?.['score'], undefined);
  });
});

describe('bench gail targets', () => {
  const report = (rows: ReturnType<typeof trainingRows>, tasks: string[], steps: number) => {
    const { targets, notes } = gailTargets(tasks, steps);
    return finishReport(
      {
        bench: 'gail',
        title: 'GAIL',
        measured: ['made up'],
        backend: 'made up',
        columns: COLUMNS,
        rows,
        targets,
        notes,
        samples: {},
      },
      { date: new Date(0), command: 'npm run bench -- gail', durationS: 1, machine: MACHINE },
    );
  };

  it('holds Hopper 4-trajectory GAIL to 0.9 and every 4-trajectory GAIL row above BC, only those rows', () => {
    const rows = trainingRows(
      [
        outcome('hopper', 4, 'gail', 0, 0.92),
        outcome('hopper', 4, 'bc', 0, 0.3),
        outcome('hopper', 4, 'gail-noabs', 0, 0.1),
        outcome('walker2d', 4, 'gail', 0, 0.5),
        outcome('walker2d', 4, 'bc', 0, 0.5),
      ],
      ['hopper-4-gail', 'hopper-4-gail-noabs', 'hopper-4-bc', 'walker2d-4-gail', 'walker2d-4-bc'],
    );
    const result = report(rows, ['hopper', 'walker2d'], 2_000_000);
    const byKey = Object.fromEntries(result.targets.map((t) => [t.key, t.outcomes]));
    assert.deepEqual(byKey['hopperScore'], [{ row: 'hopper-4-gail', value: 0.92, met: true }]);
    assert.deepEqual(
      byKey['aboveBc']?.map((o) => [o.row, o.met]),
      [
        ['hopper-4-gail', true],
        ['walker2d-4-gail', false], // a tie is not "above"
      ],
    );
    const cells = tableCells(result);
    const noabs = cells.find((c) => c[0] === 'Hopper, 4 traj, GAIL, no absorbing')!;
    assert.ok(!noabs.some((c) => / (met|missed)$/.test(c)), 'the ablation row is held to no target');
    assert.match(
      renderResult(result),
      /GAIL above BC with 4 trajectories.*: hopper-4-gail met, walker2d-4-gail missed/,
    );
  });

  it('says "not measured" for a target row that did not run, and drops the 2M target for longer runs', () => {
    const quick = report([], ['inverted-pendulum'], 4096);
    assert.match(
      renderResult(quick),
      /on Hopper with 4 trajectories within 2M env steps: hopper-4-gail not measured/,
    );
    const long = report([], ['hopper'], 3_000_000);
    assert.deepEqual(
      long.targets.map((t) => t.key),
      ['aboveBc'],
    );
    assert.match(long.notes.join('\n'), /not judged: runs had 3000000 env steps/);
  });
});

describe('bench gail smoke', () => {
  it('trains GAIL and BC on the pendulum demos for one round and scores both (the real pipeline)', async () => {
    const only = ['inverted-pendulum-4-gail', 'inverted-pendulum-4-bc'];
    const lines: string[] = [];
    const r = await bench.run({
      options: { quick: true, repeats: undefined, only, args: ['--steps', '2048'] },
      log: (l) => lines.push(l),
    });
    assert.deepEqual(
      r.rows.map((row) => row.key),
      only,
      lines.join('\n'),
    );
    for (const row of r.rows) {
      assert.ok(Number.isFinite(row.cells['score']), `${row.key} score ${row.cells['score']}`);
      assert.equal(row.cells['seeds'], 1);
    }
    assert.equal(r.rows[0]!.cells['envSteps'], 2048);
    assert.equal(r.interrupted, undefined);
    assert.match(
      lines.join('\n'),
      /run 1\/2 .*: inverted-pendulum, 4 trajectories, GAIL, seed 0 \(2048 env steps\)/,
    );
    assert.match(r.notes.join('\n'), /R_expert 1000\.0 \(experts\/inverted-pendulum\.policy\)/);
  });
});

describe('bench gail --resume', () => {
  it('sums the wall-clock of a resumed run over its segments', () => {
    const rows = (ws: number[]) => ws.map((w) => JSON.stringify({ wallSeconds: w })).join('\n');
    assert.equal(runWallSeconds(rows([1, 2, 3])), 3);
    assert.equal(runWallSeconds(`${rows([1, 2, 3, 0.5, 4])}\n`), 7, 'restart at 0.5 after 3');
    assert.equal(runWallSeconds(''), 0);
    assert.equal(runWallSeconds(`${rows([1, 2])}\n{"wallSec`), 2, 'a line cut mid-write is skipped');
  });

  it("reads a run's timings from its metrics.jsonl: steps/s and shares over every segment", () => {
    const row = (r: Record<string, number>) => JSON.stringify(r);
    // Two segments (the clock restarts at 0 in the older layout); the first row predates envStepSeconds.
    const jsonl = [
      row({ envSteps: 100, wallSeconds: 10, collectSeconds: 4, discSeconds: 1, policySeconds: 5 }),
      row({
        envSteps: 200,
        wallSeconds: 20,
        envStepSeconds: 2,
        collectSeconds: 3,
        discSeconds: 1,
        policySeconds: 6,
      }),
      row({
        envSteps: 300,
        wallSeconds: 10,
        envStepSeconds: 3,
        collectSeconds: 4,
        discSeconds: 2,
        policySeconds: 5,
      }),
      '{"envSte',
    ].join('\n');
    const t = runTimings(jsonl);
    assert.equal(t.wallSeconds, 30);
    assert.equal(t.stepsPerSecond, 10);
    assert.equal(t.envShare, (4 + 2 + 3) / 30);
    assert.equal(t.discShare, 4 / 30);
    assert.equal(t.policyShare, 16 / 30);
    assert.ok(Number.isNaN(runTimings('').envShare));
  });

  it('takes --workers (an integer ≥ 0, default 0)', () => {
    assert.equal(parseGailArgs([], false).workers, 0);
    assert.equal(parseGailArgs(['--workers', '2'], false).workers, 2);
    assert.throws(() => parseGailArgs(['--workers', '1.5'], false), /--workers: expected an integer ≥ 0/);
  });

  it('names each config field in which a run folder differs', () => {
    const a = { steps: 1000, seed: 0, discHidden: [100, 100] } as never;
    assert.deepEqual(configDifferences(a, a), []);
    const b = { steps: 2000, seed: 0, discHidden: [100, 100], extra: true } as never;
    assert.deepEqual(configDifferences(a, b), [
      'steps: folder 1000, this run 2000',
      'extra: folder absent, this run true',
    ]);
  });

  it('evaluates a finished run folder again instead of retraining, and refuses one made with other settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gail-bench-resume-'));
    try {
      const only = ['inverted-pendulum-4-gail'];
      const runOnce = async (extra: string[]) => {
        const lines: string[] = [];
        const r = await bench.run({
          options: {
            quick: true,
            repeats: undefined,
            only,
            args: ['--steps', '2048', '--runs-dir', dir, ...extra],
          },
          log: (l) => lines.push(l),
        });
        return { r, log: lines.join('\n') };
      };
      const first = await runOnce([]);
      const again = await runOnce(['--resume']);
      assert.match(again.log, /--resume: 1 GAIL run folder in .* to reuse or continue/);
      assert.match(
        again.log,
        /finished run in .*inverted-pendulum-4-gail-s0 \(2048 env steps\): evaluating it again/,
      );
      assert.doesNotMatch(again.log, /env steps\/s|steps\/s, D acc/, 'no training round ran');
      assert.equal(
        again.r.rows[0]!.cells['return'],
        first.r.rows[0]!.cells['return'],
        'same checkpoint, same return',
      );
      assert.match(again.r.notes.join('\n'), /1 finished GAIL run was taken from/);
      await assert.rejects(
        runOnce(['--resume', '--subsample', '2']),
        (e: unknown) =>
          e instanceof GailBridgeError &&
          /other settings \(subsample: folder 1, this run 2\)/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --resume on a --quick run without --runs-dir', () => {
    assert.throws(
      () => parseGailArgs(['--resume'], true),
      (e: unknown) => e instanceof GailBridgeError && /--runs-dir/.test(e.message),
    );
    assert.equal(parseGailArgs(['--resume'], false).resume, true);
  });
});

describe('bench main: bench flags', () => {
  it('refuses flags a bench does not take, before loading it', async () => {
    const before = process.exitCode;
    try {
      await main(['ros', '--tasks', 'hopper']);
      assert.equal(process.exitCode, 2);
    } finally {
      process.exitCode = before;
    }
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runSim } from '../../src/cli/sim.js';
import { taskRows } from '../../src/cli/tasks.js';
import { TASKS } from '../../src/sim/tasks/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARM = fileURLToPath(new URL('../fixtures/mjcf/arm.xml', import.meta.url));

describe('tasks command', () => {
  it('lists every built-in task with sizes, dt and horizon', () => {
    const rows = taskRows();
    assert.deepEqual(
      rows.map((r) => r.name),
      [
        'inverted-pendulum',
        'inverted-double-pendulum',
        'reacher',
        'hopper',
        'walker2d',
        'half-cheetah',
        'ant',
      ],
    );
    const hopper = rows.find((r) => r.name === 'hopper')!;
    assert.deepEqual([hopper.obsDim, hopper.actDim, hopper.dt, hopper.horizon], [11, 3, 0.008, 1000]);
    assert.equal(rows.length, Object.keys(TASKS).length);
  });
});

describe('sim command', () => {
  it('runs seeded episodes and reports return, length and end reason of each', async () => {
    const seen: number[] = [];
    const r = await runSim({
      task: 'hopper',
      policy: 'random',
      episodes: 3,
      seed: 5,
      onEpisode: (done) => seen.push(done),
    });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(r.episodes.length, 3);
    assert.deepEqual(
      r.episodes.map((e) => e.seed),
      [5, 6, 7],
    );
    for (const e of r.episodes) {
      assert.ok(e.length >= 1 && e.length <= 1000);
      assert.ok(['terminated', 'truncated'].includes(e.end));
      assert.ok(Number.isFinite(e.return));
    }
    const again = await runSim({ task: 'hopper', policy: 'random', episodes: 3, seed: 5 });
    assert.deepEqual(again.episodes, r.episodes, 'same seed, same episodes');
  });

  it('runs an MJCF robot as a generic task with a horizon', async () => {
    const r = await runSim({ model: ARM, policy: 'zero', episodes: 2, seed: 0, horizon: 7, frameSkip: 2 });
    assert.deepEqual(
      r.episodes.map((e) => [e.length, e.end, e.return]),
      [
        [7, 'truncated', 0],
        [7, 'truncated', 0],
      ],
    );
    assert.equal(r.dt, 0.01);
  });

  it('needs exactly one of task and model', async () => {
    await assert.rejects(
      () => runSim({ policy: 'zero', episodes: 1, seed: 0 }),
      /pass exactly one of --task <name> and --model <file.xml>/,
    );
  });

  it('prints one JSON object on stdout with --json, human text on stderr', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sim',
        '--task',
        'inverted-pendulum',
        '--episodes',
        '2',
        '--json',
      ],
      { cwd: ROOT },
    );
    const parsed = JSON.parse(stdout) as { episodes: { end: string }[]; env: string };
    assert.equal(parsed.env, 'inverted-pendulum');
    assert.equal(parsed.episodes.length, 2);
    assert.match(stderr, /sim episodes 2\/2/);
  });
});

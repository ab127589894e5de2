import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runSim, type SimResult } from '../../src/cli/sim.js';
import { taskRows } from '../../src/cli/tasks.js';
import { TASKS } from '../../src/sim/tasks/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARM = fileURLToPath(new URL('../fixtures/mjcf/arm.xml', import.meta.url));
const HOPPER_TASK = 'config/tasks/hopper-generic.yaml';
const HOPPER_XML = 'src/sim/tasks/hopper.xml';

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
        'humanoid',
        'ant-disabled',
        'reacher-reversed',
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

  it('--task-config: random Hopper episodes end terminated early; without it they run to the horizon', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sim',
        '--model',
        HOPPER_XML,
        '--task-config',
        HOPPER_TASK,
        '--policy',
        'random',
        '--episodes',
        '2',
        '--json',
      ],
      { cwd: ROOT },
    );
    const parsed = JSON.parse(stdout) as SimResult;
    assert.deepEqual([parsed.env, parsed.obsDim, parsed.dt], [HOPPER_XML, 11, 0.008]);
    assert.equal(parsed.episodes.length, 2);
    for (const e of parsed.episodes) {
      assert.equal(e.end, 'terminated');
      assert.ok(e.length < 100, `a random Hopper falls within 100 steps, ran ${e.length}`);
    }
    const free = await runSim({ model: HOPPER_XML, policy: 'random', episodes: 2, seed: 0, horizon: 200 });
    assert.deepEqual(
      free.episodes.map((e) => [e.length, e.end]),
      [
        [200, 'truncated'],
        [200, 'truncated'],
      ],
    );
  });

  it('the generic Hopper of config/tasks ends each episode where the built-in Hopper does', async () => {
    const builtIn = await runSim({ task: 'hopper', policy: 'random', episodes: 3, seed: 0 });
    const generic = await runSim({ taskConfig: HOPPER_TASK, policy: 'random', episodes: 3, seed: 0 });
    assert.equal(generic.env, HOPPER_XML, 'the model named by the file, relative to it');
    assert.deepEqual(
      generic.episodes.map((e) => [e.length, e.end]),
      builtIn.episodes.map((e) => [e.length, e.end]),
    );
  });

  it('--horizon and --frame-skip override the task config', async () => {
    const r = await runSim({
      taskConfig: HOPPER_TASK,
      policy: 'zero',
      episodes: 1,
      seed: 0,
      horizon: 5,
      frameSkip: 1,
    });
    assert.deepEqual([r.episodes[0]!.length, r.episodes[0]!.end, r.dt], [5, 'truncated', 0.002]);
  });

  it('--task-config is for the generic task, not with --task', async () => {
    await assert.rejects(
      () => runSim({ task: 'hopper', taskConfig: HOPPER_TASK, policy: 'zero', episodes: 1, seed: 0 }),
      /sim: --task-config describes a generic MJCF task; use it with --model or alone, not with --task/,
    );
  });

  it('an unknown body in a task config is an error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gail-bridge-task-'));
    try {
      const file = join(dir, 'typo.yaml');
      writeFileSync(file, 'terminate:\n  body_height: [{ body: pelvis, min_z: 0.7 }]\n');
      await assert.rejects(
        () => runSim({ model: HOPPER_XML, taskConfig: file, policy: 'zero', episodes: 1, seed: 0 }),
        (err: Error) => {
          assert.ok(err.message.startsWith(`task config ${file}: generic env ${HOPPER_XML}: `), err.message);
          assert.match(err.message, /termination rule names body "pelvis", which the model lacks/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

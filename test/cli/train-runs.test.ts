/**
 * `train` runs as a user drives them (issue 13, "Runs"): stopped by a signal, copied, renamed, resumed,
 * started again in the same folder. Tiny GAIL runs on InvertedPendulum (128 env steps a round), in process
 * with signals delivered by a test emitter, and one real SIGTERM to a CLI process.
 */
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseTrainArgs, type TrainResult, train, trainReport } from '../../src/cli/train.js';
import { readMetricsRows, readRunConfig } from '../../src/run/folder.js';
import { signalAtStart, usage } from './signals.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gb-train-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A GAIL run of 3 rounds × 128 env steps, checkpointed every round. */
const GAIL = [
  ...['--algo', 'gail', '--task', 'inverted-pendulum', '--demos', 'demos/inverted-pendulum.mcap'],
  ...['--trajectories', '2', '--num-envs', '1', '--num-steps', '128', '--steps', '384'],
  ...['--disc-steps', '1', '--disc-batch', '32', '--minibatches', '2', '--hidden', '8', '--disc-hidden', '8'],
  ...['--checkpoint-every', '1', '--eval-episodes', '1', '--backend', 'wasm', '--json'],
];

/** `gail-bridge train ARGS` in process; `signal` is delivered as soon as training starts. */
async function trainWith(args: readonly string[], signal?: 'SIGINT' | 'SIGTERM'): Promise<TrainResult> {
  const { flags, typed, given } = parseTrainArgs(args);
  const exitCode = process.exitCode;
  try {
    const r = await train(flags, typed, given, usage, signal ? { signals: signalAtStart(signal) } : {});
    const code = process.exitCode;
    if (signal) assert.equal(code, signal === 'SIGINT' ? 130 : 143, `exit code after ${signal}`);
    else assert.equal(code, exitCode, 'a finished run keeps exit code 0');
    return r;
  } finally {
    process.exitCode = exitCode;
  }
}

/**
 * `gail-bridge train` with GAIL's flags (less --json) and `args` as a CLI process, once its progress bar
 * shows the first round (rejects if it exits before); `stdout()` and `stderr()` are what it wrote so far.
 */
async function trainProcess(args: readonly string[]): Promise<{
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exit: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'train', ...GAIL.filter((a) => a !== '--json'), ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/gail \d+\/100000/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`train exited before its first round:\n${stderr}`)));
  });
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

const files = (folder: string) =>
  Object.fromEntries(
    ['config.json', 'metrics.jsonl', 'checkpoint.policy', 'policy.policy', 'report.html'].map((f) => [
      f,
      readFileSync(join(folder, f)),
    ]),
  );
const status = (folder: string) =>
  readFileSync(join(folder, 'report.html'), 'utf8').match(/<p id="status">([^<]*)<\/p>/)?.[1] ?? '';

describe('train --algo gail: task presets', () => {
  const walker = [
    ...GAIL.map((a) =>
      a === 'inverted-pendulum'
        ? 'walker2d'
        : a === 'demos/inverted-pendulum.mcap'
          ? 'demos/walker2d.mcap'
          : a,
    ),
  ];
  const penalty = (folder: string) => readRunConfig(folder).settings['gradPenalty'];

  it("a new Walker2d run takes the task's --grad-penalty 10; a typed flag wins, 0 included", async () => {
    const preset = join(dir, 'walker-preset');
    await trainWith([...walker, '--out', preset], 'SIGTERM');
    assert.equal(penalty(preset), 10);
    assert.ok(readMetricsRows(preset)[0]!['gradPenalty']! > 0, 'the penalty term is in the round');
    const off = join(dir, 'walker-off');
    await trainWith([...walker, '--out', off, '--grad-penalty', '0'], 'SIGTERM');
    assert.equal(penalty(off), 0);
    const other = join(dir, 'walker-3');
    await trainWith([...walker, '--out', other, '--grad-penalty', '3'], 'SIGTERM');
    assert.equal(penalty(other), 3);
    const pendulum = join(dir, 'pendulum-default');
    await trainWith([...GAIL, '--out', pendulum], 'SIGTERM');
    assert.equal(penalty(pendulum), 0, 'a task without a preset keeps the default');
  });

  it('AIRL takes no preset (its g and h have no penalty): a plain AIRL run on Ant starts', async () => {
    const airl = join(dir, 'airl-ant');
    const args = walker.map((a) =>
      a === 'gail' ? 'airl' : a === 'walker2d' ? 'ant' : a === 'demos/walker2d.mcap' ? 'demos/ant.mcap' : a,
    );
    await trainWith([...args, '--out', airl], 'SIGTERM');
    assert.equal(penalty(airl), 0);
  });

  it('a resumed run keeps the penalty of its config.json (a folder made before the preset continues as it was)', async () => {
    const off = join(dir, 'walker-off');
    const r = await trainWith(['--resume', off, '--json']);
    assert.equal(r.end, 'finished');
    assert.equal(penalty(off), 0);
    assert.ok(
      readMetricsRows(off).every(
        (row) => row['discGradPenalty'] === undefined || row['discGradPenalty'] === 0,
      ),
      'no penalty term in any round',
    );
  });
});

describe('train: runs stopped, moved and resumed', () => {
  const original = join(dir, 'original');

  it('a stopped run exits 130/143 and says so, with a resume command that is enough on its own', async () => {
    const r = await trainWith([...GAIL, '--out', original], 'SIGTERM');
    assert.equal(r.end, 'stopped');
    assert.equal(r.envSteps, 128, 'the round in progress is finished, then the run stops');
    assert.equal(r.continueWith, `gail-bridge train --resume ${original}`);
    assert.equal(r.evalReturn, null, 'a stopped run is not evaluated');
    assert.match(trainReport(r), /^gail-ppo stopped by SIGTERM after 1 rounds, 128 env steps/);
    assert.doesNotMatch(trainReport(r), /deterministic return/);
    assert.match(status(original), /^stopped by SIGTERM after round 1 \(128 of 384 env steps\)/);
    assert.doesNotMatch(status(original), /running/);
    // The hint parses as a complete command line: no --algo or other flag is needed.
    const hint = parseTrainArgs(r.continueWith!.split(' ').slice(2));
    assert.deepEqual(hint.typed, ['resume']);
    assert.ok(!('out' in readRunConfig(original).settings), 'the folder is not one of its settings');
  });

  it('a copied run resumes in the copy and a renamed one in place; the original folder is never touched', async () => {
    const before = files(original);
    const copy = join(dir, 'copy');
    cpSync(original, copy, { recursive: true });
    const fromCopy = await trainWith(['--resume', copy, '--json']);
    assert.equal(fromCopy.out, copy);
    assert.equal(fromCopy.envSteps, 384, 'the saved --steps 384, not the default 200000');
    assert.equal(readMetricsRows(copy).length, 3);
    assert.deepEqual(files(original), before, 'resuming the copy left the original as it was');

    const renamed = join(dir, 'renamed');
    renameSync(original, renamed);
    const fromRenamed = await trainWith(['--resume', renamed, '--json']);
    assert.equal(fromRenamed.out, renamed);
    assert.equal(fromRenamed.envSteps, 384);
    assert.ok(!existsSync(original), 'no folder is made under the old name');
    assert.deepEqual(
      readMetricsRows(renamed).map((row) => row['round']),
      [1, 2, 3],
    );
  });

  it('after a resume, metrics and report count the time of every segment', () => {
    const rows = readMetricsRows(join(dir, 'renamed'));
    const walls = rows.map((row) => row['wallSeconds']!);
    for (let i = 1; i < walls.length; i++)
      assert.ok(walls[i]! >= walls[i - 1]!, `wall-clock ${walls.join(', ')}`);
    const html = readFileSync(join(dir, 'renamed', 'report.html'), 'utf8');
    const shown = Number(html.match(/3 rounds, 384 env steps, ([\d.]+) s of training/)?.[1]);
    assert.ok(Math.abs(shown - walls[2]!) < 0.01, `report ${shown} s, last row ${walls[2]} s`);
    assert.match(status(join(dir, 'renamed')), /^finished: 384 of 384 env steps in 3 rounds/);
  });

  it('--resume keeps the saved settings and refuses a flag that differs, naming it with both values', async () => {
    const run = join(dir, 'refuse');
    await trainWith([...GAIL, '--out', run], 'SIGINT');
    await assert.rejects(trainWith(['--resume', run, '--steps', '2048']), /steps: saved 384, given 2048/);
    await assert.rejects(
      trainWith(['--resume', run, '--disc-lr', '0.01', '--seed', '0']),
      (e: Error) => /discLr: saved 0\.001, given 0\.01/.test(e.message) && !/seed/.test(e.message),
    );
    await assert.rejects(trainWith(['--resume', run, '--algo', 'bc']), /made with --algo gail, not bc/);
    await assert.rejects(
      trainWith(['--resume', run, '--out', join(dir, 'x')]),
      /usage: --out .* and --resume/,
    );
    await assert.rejects(trainWith(['--resume', join(dir, 'nothing')]), /--resume .*nothing: no such folder/);
    const r = await trainWith(['--resume', run, '--steps', '384', '--json']);
    assert.equal(r.envSteps, 384);
    assert.equal(r.end, 'finished');
  });

  it('refuses a folder that holds a run unless --force, which replaces it', async () => {
    const run = join(dir, 'refuse');
    const before = files(run);
    await assert.rejects(
      trainWith([...GAIL, '--out', run, '--steps', '128']),
      /--out .*refuse: already holds a run of 3 rounds, 384 env steps; continue it with `gail-bridge train --resume .*refuse`, or add --force/,
    );
    assert.deepEqual(files(run), before, 'nothing was written');
    const r = await trainWith([...GAIL, '--out', run, '--steps', '128', '--force']);
    assert.equal(r.envSteps, 128);
    assert.equal(readMetricsRows(run).length, 1);
    assert.equal(readRunConfig(run).settings['steps'], 128);
  });

  it('a CLI process sent SIGTERM finishes its round, writes checkpoint and report, and exits 143', async () => {
    const run = join(dir, 'process');
    const { child, exit, stdout, stderr } = await trainProcess(['--steps', '100000', '--out', run]);
    child.kill('SIGTERM');
    assert.equal(await exit, 143, stderr());
    assert.match(stdout(), /^gail-ppo stopped by SIGTERM after \d+ rounds/);
    assert.match(stdout(), new RegExp(`continue with: gail-bridge train --resume ${run}`));
    assert.match(status(run), /^stopped by SIGTERM/);
    assert.ok(existsSync(join(run, 'checkpoint.policy')));
  });

  it('with --workers, Ctrl-C (SIGINT) finishes the round, stops the env workers and exits 130: no hung process', async () => {
    const run = join(dir, 'process-workers');
    const args = ['--num-envs', '2', '--workers', '1', '--steps', '100000', '--out', run];
    const { child, exit, stdout, stderr } = await trainProcess(args);
    child.kill('SIGINT');
    // A worker thread left running would keep the process alive: give it a minute, then call it hung.
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), 60_000);
    });
    const code = await Promise.race([exit, hung]);
    clearTimeout(timer);
    if (code === 'hung') child.kill('SIGKILL');
    assert.equal(code, 130, stderr());
    assert.match(stdout(), /^gail-ppo stopped by SIGINT after \d+ rounds/);
    assert.match(status(run), /^stopped by SIGINT/);
    assert.ok(readMetricsRows(run).every((r) => r['workers'] === 1));
    assert.ok(existsSync(join(run, 'checkpoint.policy')));
  });
});

/**
 * Smoke test of the learner commands on a tiny budget (STYLE 15): expert → (stop, resume) → eval → demos →
 * train --algo bc, all on InvertedPendulum, checking what each leaves behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDemos } from '../../src/cli/demos.js';
import { runEval } from '../../src/cli/eval.js';
import { expert, parseExpertArgs } from '../../src/cli/expert.js';
import { parseTrainArgs, train } from '../../src/cli/train.js';
import { readPolicyFile } from '../../src/data/policy-file.js';
import { readRunConfig } from '../../src/run/folder.js';
import { signalAtStart, usage } from './signals.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-learn-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = join(dir, 'ip-expert');
const policy = join(run, 'policy.policy');
const args = [
  '--task',
  'inverted-pendulum',
  '--steps',
  '512',
  '--envs',
  '2',
  '--rollout-steps',
  '128',
  '--hidden',
  '16',
  '--seed',
  '3',
  '--backend',
  'wasm',
  '--checkpoint-every',
  '1',
  '--eval-episodes',
  '2',
  '--minibatches',
  '2',
  '--json',
];

describe('expert, eval, demos, train --algo bc', () => {
  it('expert trains in a run folder; stopped by SIGINT it exits 130 and --resume DIR continues it', async () => {
    const exitCode = process.exitCode;
    try {
      const stopped = await expert(parseExpertArgs([...args, '--out', run]), usage, {
        signals: signalAtStart('SIGINT'),
      });
      assert.equal(stopped.end, 'stopped');
      assert.equal(stopped.stoppedBy, 'SIGINT');
      assert.equal(stopped.envSteps, 256, 'one update of 2 × 128 steps, then stopped');
      assert.equal(process.exitCode, 130);
      assert.equal(stopped.continueWith, `gail-bridge expert --resume ${run}`);
      process.exitCode = exitCode;

      const resumed = await expert(parseExpertArgs(['--resume', run, '--json']), usage);
      assert.equal(resumed.end, 'finished');
      assert.equal(resumed.updates, 1, 'resumed at 256 steps: one more update reaches the saved 512');
      assert.equal(resumed.envSteps, 512);
      assert.equal(process.exitCode, exitCode);
    } finally {
      process.exitCode = exitCode;
    }
    for (const f of ['config.json', 'metrics.jsonl', 'report.html', 'checkpoint.policy', 'policy.policy'])
      assert.ok(existsSync(join(run, f)), f);
    assert.equal(readRunConfig(run).settings['steps'], 512);
    const record = await readPolicyFile(policy);
    assert.equal(record.training.algo, 'ppo');
    assert.ok(Number.isFinite(record.training.evalReturn));
    assert.equal((record.optimizer ?? []).length, 0, 'the delivered policy carries no training state');
    const checkpoint = await readPolicyFile(join(run, 'checkpoint.policy'));
    assert.ok((checkpoint.optimizer ?? []).some((t) => t.name === 'ppo/adam/step'));
    assert.equal(checkpoint.training.envSteps, 512);
  });

  it('eval reports returns and a normalised score against the given expert return', async () => {
    const r = await runEval({
      policy,
      task: 'inverted-pendulum',
      episodes: 3,
      mode: 'deterministic',
      expertReturn: 1000,
      envs: 2,
      seed: 5,
      backend: 'wasm',
    });
    assert.equal(r.returns.length, 3);
    const ret = r.return!.mean;
    const random = r.randomReturn!.mean;
    assert.ok(Number.isFinite(ret) && Number.isFinite(random));
    assert.equal(r.normalizedScore, (ret - random) / (1000 - random));
  });

  it('demos writes a demo file that train --algo bc learns from, in a run folder like every run', async () => {
    const demos = join(dir, 'ip.mcap');
    const d = await runDemos({
      policy,
      task: 'inverted-pendulum',
      episodes: 3,
      out: demos,
      mode: 'deterministic',
      seed: 9,
      backend: 'wasm',
    });
    assert.equal(d.episodes, 3);
    assert.ok(d.steps >= 3);
    const out = join(dir, 'run-bc');
    const { flags, typed, given } = parseTrainArgs(
      `--algo bc --task inverted-pendulum --demos ${demos} --out ${out} --trajectories 2 --hidden 8 --seed 1 --backend wasm --eval-episodes 1 --epochs 3 --batch-size 32 --validation 0.2 --patience 5`.split(
        ' ',
      ),
    );
    const r = await train(flags, typed, given, usage);
    assert.equal(r.trajectories, 2);
    assert.equal(r.end, 'finished');
    for (const f of ['config.json', 'metrics.jsonl', 'report.html', 'checkpoint.policy', 'policy.policy'])
      assert.ok(existsSync(join(out, f)), `train --algo bc writes ${f}`);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!)).slice(0, 3), ['round', 'envSteps', 'wallSeconds']);
    const config = readRunConfig(out);
    assert.deepEqual([config.command, config.algo, config.settings['epochs']], ['train', 'bc', 3]);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /finished: 3 of 3 epochs/);
    assert.equal((await readPolicyFile(join(out, 'policy.policy'))).training.algo, 'bc');
  });
});

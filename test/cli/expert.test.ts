/**
 * Smoke test of the learner commands on a tiny budget (STYLE 15): expert → (resume) → eval → demos →
 * train --algo bc, all on InvertedPendulum, checking what each leaves behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDemos } from '../../src/cli/demos.js';
import { runEval } from '../../src/cli/eval.js';
import { runExpert } from '../../src/cli/expert.js';
import { ALGOS } from '../../src/cli/train.js';
import { readPolicyFile } from '../../src/data/policy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-learn-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'ip.policy');
const base = {
  task: 'inverted-pendulum',
  algo: 'ppo' as const,
  out,
  envs: 2,
  rolloutSteps: 128,
  hidden: [16],
  seed: 3,
  backend: 'wasm',
  checkpointEvery: 1,
  evalEpisodes: 2,
  minibatches: 2,
  json: true,
};

describe('expert, eval, demos, train --algo bc', () => {
  it('expert writes a valid policy file, and --resume continues its step count', async () => {
    const first = await runExpert({ ...base, steps: 512, resume: false });
    assert.equal(first.envSteps, 512);
    assert.equal(first.updates, 2);
    assert.ok(existsSync(out));
    assert.ok(!existsSync(`${out}.last`), 'a finished run removes <out>.last');
    const record = await readPolicyFile(out);
    assert.equal(record.training.algo, 'ppo');
    assert.ok(Number.isFinite(record.training.evalReturn));
    assert.ok((record.optimizer ?? []).some((t) => t.name === 'ppo/adam/step'));
    const resumed = await runExpert({ ...base, steps: 1024, resume: true });
    // Resumed at 512 steps: two more updates of 256 reach 1024.
    assert.equal(resumed.updates, 2);
    assert.equal(resumed.envSteps, 1024);
  });

  it('eval reports returns and a normalised score against the given expert return', async () => {
    const r = await runEval({
      policy: out,
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

  it('demos writes a demo file that train --algo bc learns from', async () => {
    const demos = join(dir, 'ip.mcap');
    const d = await runDemos({
      policy: out,
      task: 'inverted-pendulum',
      episodes: 3,
      out: demos,
      mode: 'deterministic',
      seed: 9,
      backend: 'wasm',
    });
    assert.equal(d.episodes, 3);
    assert.ok(d.steps >= 3);
    const run = join(dir, 'run-bc');
    const r = await ALGOS['bc']!.run({
      algo: 'bc',
      task: 'inverted-pendulum',
      demos,
      out: run,
      trajectories: 2,
      hidden: [8],
      seed: 1,
      backend: 'wasm',
      evalEpisodes: 1,
      flags: { loss: 'gaussian', epochs: 3, batchSize: 32, lr: 1e-3, validation: 0.2, patience: 5 },
    });
    assert.equal(r.trajectories, 2);
    assert.ok(existsSync(join(run, 'policy.policy')));
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.equal((await readPolicyFile(join(run, 'policy.policy'))).training.algo, 'bc');
  });
});

/**
 * Every command that takes `--task` takes `--model`/`--task-config` too (issue 13), so a user without ROS 2
 * can make demonstrations from, train on and evaluate on their own MJCF robot; a generic robot has no
 * reward, which is said rather than printed as NaN; and a policy remembers the model and task config it
 * was trained on, which eval, demos and deploy --dry-run then use.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { jsonReplacer } from '../../src/cli/common.js';
import { runDemos } from '../../src/cli/demos.js';
import { runDeploy } from '../../src/cli/deploy.js';
import { runEval } from '../../src/cli/eval.js';
import { parseTrainArgs, type TrainResult, train, trainReport } from '../../src/cli/train.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { readPolicyFile, writePolicyFile } from '../../src/data/policy-file.js';
import { ROOT, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-model-target-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOPPER_XML = 'src/sim/tasks/hopper.xml';
const HOPPER_TASK = 'config/tasks/hopper-generic.yaml';
const EXPERT = join(ROOT, 'experts/hopper.policy');
const ROBOT = join(ROOT, 'config/robots/hopper-sim.yaml');
const GENERIC_SOURCE = {
  kind: 'mjcf',
  path: resolve(ROOT, HOPPER_XML),
  taskConfig: resolve(ROOT, HOPPER_TASK),
};
const NO_REWARD = 'no reward: the model has no task reward; returns are not reported';

/** The shipped Hopper expert with its spec's source replaced (the generic Hopper has the same spec). */
async function expertFrom(source: object, name: string): Promise<string> {
  const record = await readPolicyFile(EXPERT);
  const path = join(dir, name);
  await writePolicyFile(path, { ...record, spec: { ...record.spec, source: source as never } });
  return path;
}

/** `train ARGS` as the command line would run it (a usage error throws). */
async function trainArgs(args: readonly string[]): Promise<TrainResult> {
  const { flags, typed, given } = parseTrainArgs(args);
  return train(flags, typed, given, (m) => {
    throw new Error(m);
  });
}

const trainBase = (algo: string, demos: string, out: string): string[] => [
  ...['--algo', algo, '--demos', demos, '--out', out, '--task-config', join(ROOT, HOPPER_TASK)],
  ...['--trajectories', '2', '--hidden', '16', '--seed', '0', '--backend', 'wasm', '--eval-episodes', '1'],
];

describe('--model and --task-config for demos, eval, train --algo bc|gail', () => {
  const demos = join(dir, 'generic.mcap');

  it('demos and eval run on an MJCF robot; with no reward they say so (null in JSON)', async () => {
    const d = await runDemos({
      policy: EXPERT,
      model: join(ROOT, HOPPER_XML),
      taskConfig: join(ROOT, HOPPER_TASK),
      episodes: 2,
      out: demos,
      mode: 'deterministic',
      seed: 0,
      backend: 'wasm',
    });
    assert.equal(d.episodes, 2);
    assert.equal(d.return, null);
    const file = await readDemoFile(demos);
    assert.deepEqual(file.spec.source, GENERIC_SOURCE);
    assert.ok(file.episodes.every((e) => e.trajectory.rewards === undefined));

    const e = await runEval({
      policy: EXPERT,
      taskConfig: join(ROOT, HOPPER_TASK),
      episodes: 2,
      mode: 'deterministic',
      envs: 2,
      seed: 0,
      backend: 'wasm',
    });
    assert.equal(e.return, null);
    assert.equal(e.randomReturn, null);
    assert.equal(e.normalizedScore, null);
    assert.equal(e.lengths.length, 2);
    assert.match(JSON.stringify(e, jsonReplacer), /"return":null/);
  });

  it('train --algo bc and gail on --task-config: no NaN return, and the policy records model and task config', async () => {
    const bc = await trainArgs([
      ...trainBase('bc', demos, join(dir, 'bc')),
      ...['--loss', 'mse', '--epochs', '2', '--batch-size', '64', '--patience', '5'],
    ]);
    const gail = await trainArgs([
      ...trainBase('gail', demos, join(dir, 'gail')),
      ...['--steps', '128', '--num-envs', '1', '--num-steps', '128', '--minibatches', '2'],
      ...['--disc-hidden', '8', '--disc-steps', '1', '--disc-batch', '32', '--checkpoint-every', '1'],
    ]);
    for (const r of [bc, gail]) {
      assert.equal(r.evalReturn, null, r.algo);
      assert.match(JSON.stringify(r, jsonReplacer), /"evalReturn":null/);
      assert.match(trainReport(r), new RegExp(NO_REWARD));
      assert.doesNotMatch(trainReport(r), /NaN/);
      assert.deepEqual((await readPolicyFile(r.policyFile)).spec.source, GENERIC_SOURCE, r.algo);
    }
  });
});

describe('a policy trained on a model: eval, demos and deploy --dry-run use that model', () => {
  it('take the model and task config from the policy when no --task or --model is given', async () => {
    const policy = await expertFrom(GENERIC_SOURCE, 'generic.policy');
    const e = await runEval({
      policy,
      episodes: 1,
      mode: 'deterministic',
      envs: 1,
      seed: 0,
      backend: 'wasm',
    });
    assert.equal(e.task, `model ${GENERIC_SOURCE.path} (task config ${GENERIC_SOURCE.taskConfig})`);
    assert.equal(e.return, null);
    const d = await runDeploy({
      policy,
      config: ROBOT,
      dryRun: true,
      duration: 0.3,
      nodeName: 'n',
      logCommands: false,
    });
    assert.equal(d.simulated, `model ${GENERIC_SOURCE.path} (task config ${GENERIC_SOURCE.taskConfig})`);
    assert.ok(d.counters.published > 0);
    // A policy trained on a built-in task still defaults to it.
    const task = await runEval({
      policy: EXPERT,
      episodes: 1,
      mode: 'deterministic',
      envs: 1,
      seed: 0,
      backend: 'wasm',
    });
    assert.equal(task.task, 'hopper');
    assert.ok(task.return !== null && task.return.mean > 1000);
  });

  it('refuse with the fix when the recorded files no longer exist', async () => {
    const gone = {
      kind: 'mjcf',
      path: join(dir, 'moved/robot.xml'),
      taskConfig: join(dir, 'moved/task.yaml'),
    };
    const policy = await expertFrom(gone, 'gone.policy');
    const why = new RegExp(
      `policy ${policy} was trained on the MJCF model ${gone.path}, which no longer exists; ` +
        'pass --model robot.xml \\(and --task-config task.yaml\\) to run it on a model you have',
    );
    await assert.rejects(
      runEval({ policy, episodes: 1, mode: 'deterministic', envs: 1, seed: 0, backend: 'wasm' }),
      why,
    );
    await assert.rejects(
      runDemos({
        policy,
        episodes: 1,
        out: join(dir, 'x.mcap'),
        mode: 'deterministic',
        seed: 0,
        backend: 'wasm',
      }),
      why,
    );
    await assert.rejects(
      runDeploy({ policy, config: ROBOT, dryRun: true, duration: 0.2, nodeName: 'n', logCommands: false }),
      why,
    );
    const onlyConfigGone = await expertFrom(
      { ...GENERIC_SOURCE, taskConfig: gone.taskConfig },
      'tc-gone.policy',
    );
    await assert.rejects(
      runEval({
        policy: onlyConfigGone,
        episodes: 1,
        mode: 'deterministic',
        envs: 1,
        seed: 0,
        backend: 'wasm',
      }),
      new RegExp(`with the task config ${gone.taskConfig}, which no longer exists; pass --task-config`),
    );
    // Flags override what the policy recorded.
    const e = await runEval({
      policy,
      taskConfig: join(ROOT, HOPPER_TASK),
      episodes: 1,
      mode: 'deterministic',
      envs: 1,
      seed: 0,
      backend: 'wasm',
    });
    assert.equal(e.return, null);
  });

  it('the commands print "no reward", not NaN, and take the flags', async () => {
    const r = await runCli(['eval', '--policy', EXPERT, '--task-config', HOPPER_TASK, '--episodes', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(NO_REWARD));
    assert.doesNotMatch(r.stdout, /NaN/);
  });
});

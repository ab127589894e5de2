import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeGailEnv } from '../../src/algos/gail.js';
import { gailFromFlags, newGailSettings, parseTrainArgs } from '../../src/cli/train.js';
import { loadGenericTask } from '../../src/config/task.js';
import { resolveGailConfig } from '../../src/gail/config.js';

const HOPPER_TASK = 'config/tasks/hopper-generic.yaml';
const HOPPER_XML = 'src/sim/tasks/hopper.xml';

/** The GailConfig `train --algo gail --demos d.mcap --out runs/x ARGS` resolves to for a new run. */
function configFor(args: readonly string[], task?: string) {
  const base = ['--algo', 'gail', '--demos', 'd.mcap', '--out', 'runs/x', ...(task ? ['--task', task] : [])];
  const { given } = parseTrainArgs([...base, ...args]);
  return newGailSettings({ ...gailFromFlags(given), demos: 'd.mcap' });
}

describe('train --algo gail --task-config', () => {
  it('takes the model and the generic env options from the file, and they survive config.json', async () => {
    const c = await configFor(['--task-config', HOPPER_TASK]);
    assert.equal(c.task, undefined);
    assert.equal(c.model, HOPPER_XML);
    assert.equal(c.taskConfig, HOPPER_TASK);
    assert.deepEqual(c.genericEnv, loadGenericTask(HOPPER_TASK).options);
    assert.deepEqual(resolveGailConfig(JSON.parse(JSON.stringify(c))), c, 'what --resume reads back');
    assert.equal(
      (await configFor(['--task-config', HOPPER_TASK, '--model', 'other.xml'])).model,
      'other.xml',
    );
  });

  it('is for the generic path: not with --task', async () => {
    await assert.rejects(
      configFor(['--task-config', HOPPER_TASK], 'hopper'),
      /--task-config: describes a generic MJCF task; use it with --model or alone, not with --task/,
    );
    await assert.rejects(configFor(['--model', HOPPER_XML], 'hopper'), /--task or --model: give exactly one/);
    assert.equal((await configFor([], 'hopper')).genericEnv, undefined);
  });

  it('makes the env with the config options, the root x/y left out unless the file says otherwise', async () => {
    const fromFile = await makeGailEnv(await configFor(['--task-config', HOPPER_TASK]), 0);
    const bare = await makeGailEnv(
      { task: undefined, model: HOPPER_XML, taskConfig: undefined, genericEnv: undefined },
      0,
    );
    try {
      assert.deepEqual([fromFile.spec.dt, fromFile.spec.horizon], [0.008, 1000]);
      assert.deepEqual([bare.spec.dt, bare.spec.horizon], [0.002, 1000]);
      for (const env of [fromFile, bare]) {
        assert.equal(env.spec.observation.names.length, 11);
        assert.ok(!env.spec.observation.names.includes('rootx'));
      }
      // The torso-height rule ends a zero-action episode once the Hopper has sunk below 0.7 m.
      fromFile.reset(0);
      let end: string | undefined;
      for (let t = 0; t < 1000 && end === undefined; t++) end = fromFile.step(new Float64Array(3)).info.end;
      assert.equal(end, 'terminated');
    } finally {
      fromFile.dispose();
      bare.dispose();
    }
    await assert.rejects(
      makeGailEnv(
        {
          task: undefined,
          model: HOPPER_XML,
          taskConfig: 'tasks/t.yaml',
          genericEnv: { jointRange: [{ joint: 'hip', max: 1 }] },
        },
        0,
      ),
      /^GailBridgeError: task config tasks\/t\.yaml: generic env src\/sim\/tasks\/hopper\.xml: termination rule names joint "hip"/,
    );
  });
});

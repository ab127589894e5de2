/** `train --ros` flags: what they set, and the combinations refused (usage errors name the flags). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gailFromFlags, parseTrainArgs } from '../../src/cli/train.js';
import { resolveGailConfig } from '../../src/gail/config.js';

const base = ['--algo', 'gail', '--demos', 'demos/hopper.mcap', '--out', 'runs/x'];
const settings = (args: string[]) => gailFromFlags(parseTrainArgs([...base, ...args]).given);

describe('train --ros flags', () => {
  it('set the ROS rollouts: config, one env per namespace, lock-step by default', () => {
    const s = settings([
      '--ros',
      '--config',
      'config/robots/hopper-sim.yaml',
      '--namespaces',
      'a,/b/',
      '--task',
      'hopper',
    ]);
    assert.deepEqual(s.ros, {
      config: 'config/robots/hopper-sim.yaml',
      namespaces: ['a', 'b'],
      timing: 'lockstep',
      simNode: 'gail_bridge_sim',
    });
    const c = resolveGailConfig({ ...s, demos: 'demos/hopper.mcap' });
    assert.equal(c.numEnvs, 2, 'one env per namespace');
    const rt = settings([
      '--ros',
      '--config',
      'c.yaml',
      '--realtime',
      '--events-topic',
      '/driver/episode_events',
    ]);
    assert.equal(rt.ros?.timing, 'realtime');
    assert.deepEqual(rt.ros?.namespaces, ['']);
    assert.equal(rt.ros?.eventsTopic, '/driver/episode_events');
    assert.equal(resolveGailConfig({ ...rt, demos: 'd.mcap' }).task, undefined, 'no task needed over ROS 2');
  });

  it('refuse ROS flags without --ros, --ros without --config, a clashing --num-envs or --model', () => {
    assert.throws(() => settings(['--task', 'hopper', '--namespaces', 'a']), {
      code: 'usage',
      message: '--namespaces: only with --ros',
    });
    assert.throws(() => settings(['--ros']), { code: 'usage', message: /--config robot\.yaml is required/ });
    assert.throws(() => settings(['--ros', '--config', 'c.yaml', '--namespaces', 'a b']), { code: 'usage' });
    const s = settings(['--ros', '--config', 'c.yaml', '--namespaces', 'a,b', '--num-envs', '3']);
    assert.throws(() => resolveGailConfig({ ...s, demos: 'd.mcap' }), {
      code: 'usage',
      message: '--num-envs 3 with --ros: one env per namespace (2); leave --num-envs out',
    });
    const m = settings(['--ros', '--config', 'c.yaml', '--model', 'robot.xml']);
    assert.throws(() => resolveGailConfig({ ...m, demos: 'd.mcap' }), {
      code: 'usage',
      message: /--model\/--task-config/,
    });
  });
});

describe('expert --ros flags', () => {
  it('collect from simulator namespaces; refuse ROS flags without --ros and --ros without --config', async () => {
    const { parseExpertArgs, expert } = await import('../../src/cli/expert.js');
    const usage = (m: string): never => {
      throw new Error(m);
    };
    await assert.rejects(
      expert(parseExpertArgs(['--task', 'hopper', '--ros']), usage),
      /--config robot\.yaml is required/,
    );
    await assert.rejects(
      expert(parseExpertArgs(['--task', 'hopper', '--namespaces', 'a,b']), usage),
      /--config, --namespaces, --sim-node: only with --ros/,
    );
    const { resolveExpertSettings } = await import('../../src/algos/expert.js');
    const s = resolveExpertSettings({
      task: 'hopper',
      ros: {
        config: 'config/robots/hopper-sim.yaml',
        namespaces: ['a', 'b', 'c'],
        simNode: 'gail_bridge_sim',
      },
    });
    assert.equal(s.envs, 3, 'one env per namespace');
    assert.throws(
      () =>
        resolveExpertSettings({
          task: 'hopper',
          envs: 4,
          ros: { config: 'c.yaml', namespaces: ['a'], simNode: 'gail_bridge_sim' },
        }),
      { code: 'usage' },
    );
  });
});

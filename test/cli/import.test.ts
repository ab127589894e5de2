import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runImport } from '../../src/cli/import.js';
import { loadRobotConfig, robotSpec } from '../../src/config/robot.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { type BagMessage, bagBytes, jointState } from '../data/bags.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const JOINTS = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];

describe('gail-bridge import', () => {
  it('turns a bag of the arm6 config into a demo file whose spec is the robot spec', async () => {
    const config = 'config/robots/arm6-forward-position.yaml';
    const msgs: BagMessage[] = [];
    for (let k = 0; k <= 100; k++) {
      const t = 10 + k * 0.01;
      msgs.push({
        topic: '/joint_states',
        type: 'sensor_msgs/msg/JointState',
        t,
        msg: jointState(
          t,
          [...JOINTS].reverse(),
          JOINTS.map((_, i) => i * t),
        ),
      });
      msgs.push({
        topic: '/forward_position_controller/commands',
        type: 'std_msgs/msg/Float64MultiArray',
        t,
        msg: { layout: { dim: [], data_offset: 0 }, data: JOINTS.map(() => t) },
      });
      if (k === 50) msgs.push({ topic: '/teleop/episode', type: 'std_msgs/msg/Empty', t, msg: {} });
    }
    const bag = join(dir, 'arm.mcap');
    await writeFile(bag, await bagBytes(msgs, { compression: 'zstd' }));
    const out = join(dir, 'arm-demos.mcap');
    const r = await runImport(bag, { config, out, episodeTopic: '/teleop/episode' });
    assert.equal(r.episodes, 2);
    const demo = await readDemoFile(out);
    assert.deepEqual(demo.spec, robotSpec(loadRobotConfig(config), config));
    // 101 ticks at 100 Hz from 10 s; the episode mark at 10.5 s starts the second: 50 + 51 observations.
    assert.deepEqual(
      demo.episodes.map((e) => e.trajectory.length),
      [49, 50],
    );
    assert.equal(r.steps, 99);
    const first = demo.episodes[0]!.trajectory;
    // The message lists the joints in reverse order with positions 0, t, 2t, ...: the config's order
    // (shoulder_pan first) gets them back by name.
    assert.deepEqual(Array.from(first.obs.subarray(0, 6)), [50, 40, 30, 20, 10, 0]);
  });
});

/**
 * Throughput of the demo-file writer and reader and of the bag importer (not a test; prints one line each).
 * Run: node --import tsx test/data/measure-io.ts
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRobotConfig } from '../../src/config/robot.js';
import { makeTrajectory } from '../../src/core/trajectory.js';
import { importBag } from '../../src/data/bag-import.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { type BagMessage, bagBytes, jointState } from './bags.js';
import { makeSpec } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'gb-measure-'));
const obsDim = 11;
const actDim = 3;
const episodes = 100;
const T = 1000;
const traj = makeTrajectory({
  obsDim,
  actDim,
  obs: Float32Array.from({ length: (T + 1) * obsDim }, (_, i) => Math.sin(i)),
  acts: Float32Array.from({ length: T * actDim }, (_, i) => Math.cos(i)),
  end: 'truncated',
  rewards: Float32Array.from({ length: T }, (_, i) => i % 7),
});
for (const compression of ['zstd', 'none'] as const) {
  const file = join(dir, `d-${compression}.mcap`);
  let t0 = performance.now();
  const w = await DemoWriter.create(file, { spec: makeSpec(obsDim, actDim), compression });
  for (let e = 0; e < episodes; e++) await w.writeTrajectory(traj);
  await w.close();
  const writeS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const demo = await readDemoFile(file);
  const readS = (performance.now() - t0) / 1000;
  const steps = episodes * T;
  const bytes = (await stat(file)).size;
  console.log(
    `demo ${compression}: ${steps} steps (obs ${obsDim}, act ${actDim}); write ${(steps / writeS / 1e3).toFixed(0)} k steps/s, ` +
      `read ${(steps / readS / 1e3).toFixed(0)} k steps/s, ${(bytes / steps).toFixed(1)} bytes/step, ${demo.episodes.length} episodes`,
  );
}
const cfg = parseRobotConfig(
  `name: m\ncontrol_rate_hz: 100\nobservation:\n  - { type: sensor_msgs/JointState, topic: /joint_states, field: position, joints: [a, b, c, d, e, f] }\naction:\n  type: std_msgs/Float64MultiArray\n  topic: /cmd\n  interface: position\n  joints: [a, b, c, d, e, f]\n  limits: { a: { low: -9, high: 9 }, b: { low: -9, high: 9 }, c: { low: -9, high: 9 }, d: { low: -9, high: 9 }, e: { low: -9, high: 9 }, f: { low: -9, high: 9 } }\n  safe_command: { kind: zero }\n`,
  'm.yaml',
);
const msgs: BagMessage[] = [];
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
for (let k = 0; k < 60_000; k++) {
  const t = k * 0.002;
  msgs.push({
    topic: '/joint_states',
    type: 'sensor_msgs/msg/JointState',
    t,
    msg: jointState(
      t,
      names,
      names.map(() => t),
    ),
  });
  if (k % 5 === 0)
    msgs.push({
      topic: '/cmd',
      type: 'std_msgs/msg/Float64MultiArray',
      t,
      msg: { layout: { dim: [], data_offset: 0 }, data: names.map(() => t) },
    });
}
const bag = join(dir, 'bag.mcap');
await writeFile(bag, await bagBytes(msgs, { compression: 'zstd' }));
const t0 = performance.now();
const r = await importBag(bag, cfg, { configPath: 'm.yaml' });
const s = (performance.now() - t0) / 1000;
console.log(
  `bag import: ${msgs.length} messages (JointState 500 Hz + commands 100 Hz, zstd) in ${s.toFixed(2)} s = ` +
    `${(msgs.length / s / 1e3).toFixed(0)} k messages/s → ${r.trajectories[0]!.trajectory.length} steps at 100 Hz`,
);
await rm(dir, { recursive: true, force: true });

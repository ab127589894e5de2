import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRobotConfig, type RobotConfig } from '../../src/config/robot.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { importBag } from '../../src/data/bag-import.js';
import { type BagMessage, bagBytes, cdr, jointState, metadataYaml, writeBag } from './bags.js';
import { within } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-bag-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ARM = parseRobotConfig(
  `
name: arm2
control_rate_hz: 10
observation:
  - { type: sensor_msgs/JointState, topic: /joint_states, field: position, joints: [j1, j2] }
  - { type: sensor_msgs/JointState, topic: /joint_states, field: velocity, joints: [j1, j2] }
action:
  type: std_msgs/Float64MultiArray
  topic: /cmd
  interface: position
  joints: [j1, j2]
  limits: { j1: { low: -3, high: 3 }, j2: { low: -3, high: 3 } }
  safe_command: { kind: zero }
`,
  'arm2.yaml',
);

const BASE = parseRobotConfig(
  `
name: base
control_rate_hz: 10
observation:
  - { type: sensor_msgs/JointState, topic: /joint_states, field: position, joints: [j1] }
action:
  type: geometry_msgs/Twist
  topic: /cmd_vel
  axes: [linear.x, angular.z]
  limits: { linear.x: { low: -1, high: 1 }, angular.z: { low: -2, high: 2 } }
  safe_command: { kind: zero }
`,
  'base.yaml',
);

/** Joint states at 20 Hz (joint order reversed in the message) and commands at 10 Hz, from t0 to t1. */
function armMessages(t0: number, t1: number): BagMessage[] {
  const out: BagMessage[] = [];
  for (let k = 0; t0 + k * 0.05 <= t1 + 1e-9; k++) {
    const t = t0 + k * 0.05;
    out.push({
      topic: '/joint_states',
      type: 'sensor_msgs/msg/JointState',
      t,
      msg: jointState(t, ['j2', 'j1'], [-t, t]),
    });
    if (k % 2 === 1) {
      out.push({
        topic: '/cmd',
        type: 'std_msgs/msg/Float64MultiArray',
        t,
        msg: { layout: { dim: [], data_offset: 0 }, data: [t, 2 * t] },
      });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

async function rejectsWith(body: () => Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await within(10_000, () =>
    assert.rejects(body, (e: unknown) => {
      assert.ok(e instanceof GailBridgeError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      return true;
    }),
  );
}

const opts = (configPath: string) => ({ configPath });

describe('CDR encoding of the messages bags hold', () => {
  it('JointState bytes match a hand-computed layout', () => {
    const bytes = cdr('sensor_msgs/msg/JointState', {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: '' },
      name: ['a'],
      position: [0.5],
      velocity: [],
      effort: [],
    });
    const d = (x: number) => [...new Uint8Array(new Float64Array([x]).buffer)];
    // prettier-ignore
    const expected = [
      0,
      1,
      0,
      0, //          CDR little-endian encapsulation
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0, // stamp.sec, stamp.nanosec
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // frame_id: length 1 ("\0"), then 3 bytes padding to 4
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      97,
      0,
      0,
      0, // name: 1 string of length 2 "a\0", padding
      1,
      0,
      0,
      0,
      ...d(0.5), // position: count 1 at offset 28, the double aligned to 8 at offset 32
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // velocity, effort: empty
    ];
    assert.deepEqual([...bytes], expected);
  });

  it('Twist bytes match a hand-computed layout', () => {
    const bytes = cdr('geometry_msgs/msg/Twist', {
      linear: { x: 1, y: -0, z: 2.5 },
      angular: { x: 0, y: 0, z: -1 },
    });
    const expected = [0, 1, 0, 0, ...new Uint8Array(Float64Array.of(1, -0, 2.5, 0, 0, -1).buffer)];
    assert.deepEqual([...bytes], expected);
  });
});

describe('importBag', () => {
  for (const compression of ['none', 'zstd', 'lz4'] as const) {
    it(`resamples a ${compression} bag at the control rate by sample-and-hold, joints by name`, async () => {
      const path = join(dir, `arm-${compression}.mcap`);
      await writeBag(path, await bagBytes(armMessages(0, 2), { compression }));
      const r = await importBag(path, ARM, opts('arm2.yaml'));
      assert.equal(r.trajectories.length, 1);
      const t = r.trajectories[0]!.trajectory;
      // Commands start at 0.05 s, so the first tick is there; ticks every 0.1 s up to 2 s: 20 observations.
      assert.equal(t.length, 19);
      assert.equal(t.end, 'truncated');
      for (let k = 0; k <= t.length; k++) {
        const time = 0.05 + 0.1 * k;
        const row = Array.from(t.obs.subarray(4 * k, 4 * k + 4));
        const expected = [time, -time, 10 * time, -10 * time].map(Math.fround);
        for (const [i, v] of row.entries()) {
          assert.ok(Math.abs(v - expected[i]!) < 1e-5, `obs ${k}: ${row} vs ${expected}`);
        }
      }
      for (let k = 0; k < t.length; k++) {
        // The command in force during step k is the newest one at or before tick k+1.
        const time = 0.05 + 0.1 * (k + 1);
        assert.ok(Math.abs(t.acts[2 * k]! - time) < 1e-5 && Math.abs(t.acts[2 * k + 1]! - 2 * time) < 1e-5);
      }
      const js = r.topics.find((x) => x.topic === '/joint_states')!;
      assert.equal(js.type, 'sensor_msgs/msg/JointState');
      assert.equal(js.messages, 41);
      assert.equal(js.silentTicks, 0);
      assert.equal(js.heldTicks, 0);
    });
  }

  it('reads a split bag folder through metadata.yaml, splits on an episode topic, cuts at silences', async () => {
    const folder = join(dir, 'split_bag');
    await mkdir(folder, { recursive: true });
    const mark: BagMessage = { topic: '/episode', type: 'std_msgs/msg/Empty', t: 1.02, msg: {} };
    // 0..2 s, then a 1 s hole on every topic, then 3..4 s; the joint states also pause 0.5 s at 3.4 s.
    // The observation timeout is max(3 periods, 50 ms) = 0.3 s: both silences cut their episode.
    const late = armMessages(3, 4).filter((m) => !(m.topic === '/joint_states' && m.t > 3.41 && m.t < 3.89));
    const first = [...armMessages(0, 1), mark];
    const second = [...armMessages(1.05, 2), ...late];
    await writeBag(join(folder, 'split_bag_0.mcap'), await bagBytes(first, { compression: 'lz4' }));
    await writeBag(join(folder, 'split_bag_1.mcap'), await bagBytes(second, { compression: 'zstd' }));
    await writeFile(join(folder, 'metadata.yaml'), metadataYaml(['split_bag_0.mcap', 'split_bag_1.mcap']));
    const r = await importBag(folder, ARM, {
      configPath: 'arm2.yaml',
      episodeTopic: '/episode',
      splitGapS: 0.5,
    });
    assert.equal(r.files.length, 2);
    assert.equal(r.trajectories.length, 3, 'episode mark at 1.02 s, hole 2..3 s, joint-state pause at 3.4 s');
    const [a, b, c] = r.trajectories.map((x) => x.trajectory);
    assert.equal(a!.length, 9); // ticks 0.05 .. 0.95
    assert.equal(a!.end, 'truncated');
    // Held for up to the timeout (ticks 2.05..2.25), cut at 2.35 s.
    assert.equal(b!.length, 12);
    assert.equal(b!.end, 'interrupted');
    assert.equal(c!.length, 6); // ticks 3.05 .. 3.65 (3.55 and 3.65 held), cut at 3.75 s
    assert.equal(c!.end, 'interrupted');
    assert.equal(r.trajectories[2]!.metadata['held_ticks:/joint_states'], '2');
    assert.equal(r.trajectories[2]!.metadata['cut'], '/joint_states silent 0.35 s > timeout 0.30 s');
    // After the pause only tick 3.95 remains: one observation, no step, dropped.
    assert.equal(r.droppedEpisodes, 1);
    assert.equal(r.unusedTopics['/episode'], 1);
  });

  it('a silence longer than the observation timeout cuts the episode (interrupted), never filled in', async () => {
    // Two takes, 0..1 s and 4..5 s, with 3 s of silence on every topic between them (timeout 0.3 s at 10 Hz).
    const path = join(dir, 'two-takes.mcap');
    await writeBag(path, await bagBytes([...armMessages(0, 1), ...armMessages(4, 5)]));
    const r = await importBag(path, ARM, opts('arm2.yaml'));
    assert.equal(r.trajectories.length, 2);
    const [a, b] = r.trajectories;
    assert.equal(a!.trajectory.end, 'interrupted');
    assert.equal(b!.trajectory.end, 'truncated', 'the end of the bag');
    for (const { trajectory: t } of r.trajectories) {
      const times = t.timestamps!;
      for (let k = 1; k < times.length; k++)
        assert.ok(times[k]! - times[k - 1]! < 0.1 + 1e-9, `a gap inside an episode at ${times[k]}`);
      // Within the timeout the newest message is held, as record does: at most 3 periods (0.3 s) of it.
      assert.ok(t.length <= 9 + 3, `${t.length} steps: frozen steps were filled in`);
    }
    assert.match(a!.metadata['cut'] ?? '', /^\/joint_states silent 0\.3\d s > timeout 0\.30 s; \/cmd silent/);
    const js = r.topics.find((x) => x.topic === '/joint_states')!;
    assert.ok(js.silentTicks >= 26 && js.silentTicks <= 30, `${js.silentTicks}`);
    assert.equal(js.cuts, 1);

    // The config's observation_timeout_s is the rule (as for record and deploy): 5 s holds through 3 s.
    const patient = { ...ARM, observation_timeout_s: 5 };
    const held = await importBag(path, patient, opts('arm2.yaml'));
    assert.equal(held.trajectories.length, 1);
    assert.ok(held.topics.find((x) => x.topic === '/joint_states')!.heldTicks > 25);
  });

  it('counts messages whose log time goes backwards as late, and uses them in time order', async () => {
    const msgs = armMessages(0, 1);
    // Move the joint state of 0.5 s to the end of the file, as a late-arriving message would be recorded.
    const i = msgs.findIndex((m) => m.topic === '/joint_states' && Math.abs(m.t - 0.5) < 1e-9);
    const [lateMsg] = msgs.splice(i, 1);
    msgs.push(lateMsg!);
    const path = join(dir, 'late.mcap');
    await writeBag(path, await bagBytes(msgs));
    const r = await importBag(path, ARM, opts('arm2.yaml'));
    assert.equal(r.topics.find((x) => x.topic === '/joint_states')!.late, 1);
    const t = r.trajectories[0]!.trajectory;
    // Tick 0.45 s still sees the 0.45 s message; the sorted stream puts 0.5 before 0.55.
    assert.ok(Math.abs(t.obs[4 * 4]! - 0.45) < 1e-6, `${t.obs[16]}`);
  });

  it('accepts TwistStamped for a Twist action, and Twist itself', async () => {
    for (const type of ['geometry_msgs/msg/Twist', 'geometry_msgs/msg/TwistStamped']) {
      const msgs: BagMessage[] = [];
      for (let k = 0; k <= 10; k++) {
        const t = k * 0.1;
        const twist = { linear: { x: t, y: 9, z: 9 }, angular: { x: 9, y: 9, z: -t } };
        msgs.push({
          topic: '/joint_states',
          type: 'sensor_msgs/msg/JointState',
          t,
          msg: jointState(t, ['j1'], [t]),
        });
        msgs.push({
          topic: '/cmd_vel',
          type,
          t,
          msg: type.endsWith('Stamped')
            ? { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: 'base' }, twist }
            : twist,
        });
      }
      const path = join(dir, 'base.mcap');
      await writeBag(path, await bagBytes(msgs));
      const t = (await importBag(path, BASE, opts('base.yaml'))).trajectories[0]!.trajectory;
      assert.equal(t.length, 10);
      assert.ok(
        Math.abs(t.acts[0]! - 0.1) < 1e-6 && Math.abs(t.acts[1]! + 0.1) < 1e-6,
        `${type}: ${t.acts.subarray(0, 2)}`,
      );
    }
  });

  it('takes a JointTrajectory command from its first point, by joint name', async () => {
    const cfg = parseRobotConfig(
      `
name: traj
control_rate_hz: 10
observation:
  - { type: sensor_msgs/JointState, topic: /joint_states, field: position, joints: [j1, j2] }
action:
  type: trajectory_msgs/JointTrajectory
  topic: /traj
  interface: position
  joints: [j1, j2]
  limits: { j1: { low: -3, high: 3 }, j2: { low: -3, high: 3 } }
  safe_command: { kind: zero }
`,
      'traj.yaml',
    );
    const point = (p: number[]) => ({
      positions: p,
      velocities: [],
      accelerations: [],
      effort: [],
      time_from_start: { sec: 0, nanosec: 1e8 },
    });
    const msgs: BagMessage[] = [];
    for (let k = 0; k <= 5; k++) {
      const t = k * 0.1;
      msgs.push({
        topic: '/joint_states',
        type: 'sensor_msgs/msg/JointState',
        t,
        msg: jointState(t, ['j1', 'j2'], [t, t]),
      });
      msgs.push({
        topic: '/traj',
        type: 'trajectory_msgs/msg/JointTrajectory',
        t,
        msg: {
          header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
          joint_names: ['j2', 'j1'],
          points: [point([-k, k]), point([7, 7])],
        },
      });
    }
    const path = join(dir, 'traj.mcap');
    await writeBag(path, await bagBytes(msgs));
    const t = (await importBag(path, cfg, opts('traj.yaml'))).trajectories[0]!.trajectory;
    assert.deepEqual(Array.from(t.acts.subarray(0, 4)), [1, -1, 2, -2]);
  });

  it('refuses sqlite3 bags by bytes and by metadata.yaml, with the ros2 bag convert advice', async () => {
    const fake = join(dir, 'recorded.mcap');
    await writeFile(fake, new TextEncoder().encode('SQLite format 3\0...'));
    await rejectsWith(
      () => importBag(fake, ARM, opts('arm2.yaml')),
      'file',
      /recorded\.mcap: .*sqlite3.*ros2 bag convert/,
    );
    const folder = join(dir, 'db3_bag');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'metadata.yaml'), metadataYaml(['db3_bag_0.db3'], 'sqlite3'));
    await rejectsWith(
      () => importBag(folder, ARM, opts('arm2.yaml')),
      'file',
      /storage "sqlite3" is not supported.*ros2 bag convert/,
    );
  });

  it('names the file, topic and field of a type mismatch, a missing joint, an unknown encoding', async () => {
    const wrongType = armMessages(0, 0.5).map((m) =>
      m.topic === '/cmd'
        ? {
            ...m,
            type: 'geometry_msgs/msg/Twist',
            msg: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } },
          }
        : m,
    );
    const p1 = join(dir, 'wrong-type.mcap');
    await writeBag(p1, await bagBytes(wrongType));
    await rejectsWith(
      () => importBag(p1, ARM, opts('arm2.yaml')),
      'ros',
      /wrong-type\.mcap: topic \/cmd: the config expects std_msgs\/msg\/Float64MultiArray, the bag has geometry_msgs\/msg\/Twist/,
    );

    const noJ2 = armMessages(0, 0.5).map((m) =>
      m.topic === '/joint_states' ? { ...m, msg: jointState(m.t, ['j1'], [m.t]) } : m,
    );
    const p2 = join(dir, 'no-j2.mcap');
    await writeBag(p2, await bagBytes(noJ2));
    await rejectsWith(
      () => importBag(p2, ARM, opts('arm2.yaml')),
      'ros',
      /no-j2\.mcap: topic \/joint_states: .*missing: j2/,
    );

    const p3 = join(dir, 'json.mcap');
    await writeBag(p3, await bagBytes(armMessages(0, 0.5), { encoding: { '/cmd': 'json' } }));
    await rejectsWith(
      () => importBag(p3, ARM, opts('arm2.yaml')),
      'file',
      /json\.mcap: topic \/cmd: message encoding "json" is not supported/,
    );
  });

  it('turns bad CDR (sequence length 2^31−1, truncation) into a typed error naming the topic', async () => {
    const huge = new Uint8Array(40);
    huge.set([0, 1, 0, 0]);
    new DataView(huge.buffer).setUint32(4, 2 ** 31 - 1, true); // layout.dim count
    const path = join(dir, 'bad-cdr.mcap');
    await writeBag(path, await bagBytes(armMessages(0, 0.5), { raw: { '/cmd': huge } }));
    await rejectsWith(
      () => importBag(path, ARM, opts('arm2.yaml')),
      'file',
      /bad-cdr\.mcap: topic \/cmd: message 0 .*not valid CDR for std_msgs\/msg\/Float64MultiArray/,
    );
    const short = join(dir, 'short-cdr.mcap');
    await writeBag(
      short,
      await bagBytes(armMessages(0, 0.5), { raw: { '/joint_states': Uint8Array.of(0, 1, 0, 0, 1) } }),
    );
    await rejectsWith(
      () => importBag(short, ARM, opts('arm2.yaml')),
      'file',
      /topic \/joint_states: message 0 .*not valid CDR/,
    );
  });

  it('random or truncated bytes: a typed error, never a hang or a crash', async () => {
    const bytes = await bagBytes(armMessages(0, 0.5), { compression: 'zstd' });
    const path = join(dir, 'cut.mcap');
    for (let n = 0; n < bytes.byteLength; n += Math.ceil(bytes.byteLength / 60)) {
      await writeFile(path, bytes.subarray(0, n));
      await rejectsWith(() => importBag(path, ARM, opts('arm2.yaml')), 'file', /./);
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (garbage) => {
        await writeFile(path, Uint8Array.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a, ...garbage]));
        await rejectsWith(() => importBag(path, ARM, opts('arm2.yaml')), 'file', /./);
      }),
      { numRuns: 50 },
    );
  });
});

export type { RobotConfig };

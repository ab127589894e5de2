import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRobotConfig } from '../../src/config/robot.js';
import { actionFromCommand, commandMessage, configTopics, ObservationMapper } from '../../src/ros/mapping.js';
import { header, type JointState } from '../../src/ros/messages.js';

const CONFIG = `
name: m
control_rate_hz: 50
observation:
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: position
    joints: [b, a]
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: velocity
    joints: [a]
    clip: [-1, 1]
  - type: sensor_msgs/Imu
    topic: /imu
    fields: [angular_velocity]
  - type: nav_msgs/Odometry
    topic: /odom
    fields: [position, orientation]
action:
  type: std_msgs/Float64MultiArray
  topic: /cmd
  interface: position
  joints: [a, b]
  limits:
    a: { low: -1, high: 1 }
    b: { low: -1, high: 1 }
  safe_command: { kind: hold_position }
`;

const js = (name: string[], position: number[], velocity: number[]): JointState => ({
  header: header(1),
  name,
  position,
  velocity,
  effort: [],
});
const imu = {
  header: header(1),
  orientation: { x: 0, y: 0, z: 0, w: 1 },
  angular_velocity: { x: 0.1, y: 0.2, z: 0.3 },
  linear_acceleration: { x: 0, y: 0, z: 9.8 },
};
const odom = {
  header: header(1),
  child_frame_id: 'base',
  pose: { pose: { position: { x: 1, y: 2, z: 3 }, orientation: { x: 0, y: 0, z: 0.6, w: 0.8 } } },
  twist: { twist: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } } },
};

describe('ObservationMapper', () => {
  const cfg = parseRobotConfig(CONFIG, 'm.yaml');

  it('reads joints by name in config order, clips finite values only, and reads imu and odometry parts', () => {
    const m = new ObservationMapper(cfg);
    assert.equal(m.dim, 2 + 1 + 3 + 7);
    const out = new Float64Array(m.dim);
    const latest = new Map<string, unknown>([
      ['/joint_states', js(['a', 'b', 'c'], [0.5, -0.5, 9], [3, 0, 0])],
      ['/imu', imu],
      ['/odom', odom],
    ]);
    m.observe(latest, out);
    assert.deepEqual(Array.from(out), [-0.5, 0.5, 1, 0.1, 0.2, 0.3, 1, 2, 3, 0, 0, 0.6, 0.8]);
    latest.set('/joint_states', js(['c', 'b', 'a'], [9, 0.25, 0.75], [0, 0, Number.NaN]));
    m.observe(latest, out);
    assert.deepEqual(Array.from(out.slice(0, 3)), [0.25, 0.75, Number.NaN]);
    const measured = new Float64Array(2);
    assert.equal(m.measure(latest, measured), true);
    assert.deepEqual(Array.from(measured), [0.75, 0.25]);
  });

  it('names the topic and the missing joints, and a short array', () => {
    const m = new ObservationMapper(cfg);
    const out = new Float64Array(m.dim);
    const latest = new Map<string, unknown>([
      ['/joint_states', js(['a'], [0], [0])],
      ['/imu', imu],
      ['/odom', odom],
    ]);
    assert.throws(() => m.observe(latest, out), {
      code: 'ros',
      message: 'topic /joint_states: expected joints b, a in name[], got 1 (missing: b)',
    });
    latest.set('/joint_states', js(['a', 'b'], [0, 0], []));
    assert.throws(() => m.observe(latest, out), {
      message:
        'topic /joint_states: velocity[] has 0 values for 2 names (the driver does not publish velocity)',
    });
    latest.delete('/imu');
    latest.set('/joint_states', js(['a', 'b'], [0, 0], [0, 0]));
    assert.throws(() => m.observe(latest, out), { message: 'topic /imu: no message received yet' });
  });

  it('lists each topic once, the trigger first', () => {
    assert.deepEqual(configTopics(cfg), [
      { topic: '/joint_states', type: 'sensor_msgs/msg/JointState' },
      { topic: '/imu', type: 'sensor_msgs/msg/Imu' },
      { topic: '/odom', type: 'nav_msgs/msg/Odometry' },
    ]);
  });
});

describe('command messages', () => {
  const sinks = {
    f64: parseRobotConfig(CONFIG, 'm.yaml').action,
    traj: parseRobotConfig(
      CONFIG.replace('type: std_msgs/Float64MultiArray', 'type: trajectory_msgs/JointTrajectory'),
      'm.yaml',
    ).action,
    twist: parseRobotConfig(
      CONFIG.replace('type: std_msgs/Float64MultiArray', 'type: geometry_msgs/Twist')
        .replace('  interface: position\n  joints: [a, b]', '  axes: [linear.x, angular.z]')
        .replace(
          '    a: { low: -1, high: 1 }\n    b: { low: -1, high: 1 }',
          '    linear.x: { low: -1, high: 1 }\n    angular.z: { low: -1, high: 1 }',
        )
        .replace('hold_position', 'zero'),
      'm.yaml',
    ).action,
  };

  it('shapes each sink like its ROS message', () => {
    assert.deepEqual(commandMessage(sinks.f64, [0.5, -0.5], 0, 0.02), {
      layout: { dim: [], data_offset: 0 },
      data: [0.5, -0.5],
    });
    const traj = commandMessage(sinks.traj, [0.5, -0.5], 2.5, 0.02) as {
      joint_names: string[];
      points: { positions: number[]; time_from_start: { sec: number; nanosec: number } }[];
      header: { stamp: { sec: number; nanosec: number } };
    };
    assert.deepEqual(traj.joint_names, ['a', 'b']);
    assert.deepEqual(traj.points[0]!.positions, [0.5, -0.5]);
    assert.deepEqual(traj.points[0]!.time_from_start, { sec: 0, nanosec: 20_000_000 });
    assert.deepEqual(traj.header.stamp, { sec: 2, nanosec: 500_000_000 });
    assert.deepEqual(commandMessage(sinks.twist, [0.5, -0.5], 0, 0.02), {
      linear: { x: 0.5, y: 0, z: 0 },
      angular: { x: 0, y: 0, z: -0.5 },
    });
  });

  it('round-trips any action through every sink (Object.is: NaN and -0 survive)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('f64', 'traj', 'twist') as fc.Arbitrary<keyof typeof sinks>,
        fc.tuple(fc.double(), fc.double()),
        (k, a) => {
          const back = actionFromCommand(sinks[k], structuredClone(commandMessage(sinks[k], a, 0, 0.02)));
          return Object.is(back[0], a[0]) && Object.is(back[1], a[1]);
        },
      ),
    );
  });

  it('refuses command messages of the wrong shape, naming the topic', () => {
    assert.throws(() => actionFromCommand(sinks.f64, { data: [1] }), {
      message: 'topic /cmd: expected 2 command values, got 1',
    });
    assert.throws(() => actionFromCommand(sinks.traj, { joint_names: ['a'], points: [{ positions: [1] }] }), {
      message: 'topic /cmd: trajectory has no positions for joint b',
    });
    assert.throws(() => actionFromCommand(sinks.traj, { joint_names: [], points: [] }), {
      message: 'topic /cmd: trajectory has no points',
    });
  });
});

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  actionLimits,
  loadRobotConfig,
  measuredTopic,
  observationTimeout,
  parseRobotConfig,
  robotSpec,
  teleopSink,
  teleopTimeout,
} from '../../src/config/robot.js';
import { specDiff } from '../../src/core/spec.js';
import { actionFromCommand } from '../../src/ros/mapping.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';

const ARM = 'config/robots/arm6-forward-position.yaml';
const HOPPER = 'config/robots/hopper-sim.yaml';

const minimal = (action: string, extra = ''): string => `
name: t
control_rate_hz: 100
${extra}
observation:
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: position
    joints: [a, b]
action:
${action}
`;

const f64 = `
  type: std_msgs/Float64MultiArray
  topic: /cmd
  interface: position
  joints: [a, b]
  limits:
    a: { low: -1, high: 1, max_change: 0.1 }
    b: { low: -2, high: 2, max_rate: 3 }
  safe_command: { kind: hold_position }`;

describe('robot config', () => {
  it('loads every shipped config', () => {
    const files = readdirSync('config/robots').filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 2);
    for (const f of files) loadRobotConfig(`config/robots/${f}`);
  });

  it('derives the arm spec: joint names, units, limits, rate', () => {
    const cfg = loadRobotConfig(ARM);
    const spec = robotSpec(cfg, ARM);
    assert.equal(spec.observation.names.length, 12);
    assert.equal(spec.observation.names[0], 'shoulder_pan_joint');
    assert.equal(spec.observation.names[6], 'shoulder_pan_joint.vel');
    assert.equal(spec.observation.units[6], 'rad/s');
    assert.deepEqual(spec.action.names, [
      'shoulder_pan_joint',
      'shoulder_lift_joint',
      'elbow_joint',
      'wrist_1_joint',
      'wrist_2_joint',
      'wrist_3_joint',
    ]);
    assert.deepEqual(spec.action.low.slice(0, 3), [-6.28, -6.28, -3.14]);
    assert.equal(spec.controlRateHz, 100);
    assert.deepEqual(spec.source, { kind: 'robot', config: ARM });
    assert.equal(measuredTopic(cfg), '/joint_states');
    assert.equal(observationTimeout(cfg), 0.05);
  });

  it('derives the Hopper spec matching Gymnasium Hopper-v5 (5 positions + 6 clipped velocities, 3 controls)', () => {
    const cfg = loadRobotConfig(HOPPER);
    const spec = robotSpec(cfg);
    assert.equal(spec.observation.names.length, 11);
    assert.equal(spec.action.names.length, 3);
    assert.equal(spec.observation.high[10], 10);
    assert.equal(spec.observation.low[0], -Infinity);
    assert.deepEqual(spec.action.units, ['1', '1', '1']);
    assert.equal(measuredTopic(cfg), undefined);
    // max(3 periods, 50 ms) at 125 Hz: 3/125 = 24 ms < 50 ms.
    assert.equal(observationTimeout(cfg), 0.05);
  });

  it('the Hopper config derives exactly the simulated Hopper task spec (names, order, units, rate)', async () => {
    const env = await makeTaskEnv('hopper');
    try {
      assert.deepEqual(specDiff(env.spec, robotSpec(loadRobotConfig(HOPPER))), []);
      assert.deepEqual(robotSpec(loadRobotConfig(HOPPER)).observation.names, env.spec.observation.names);
    } finally {
      env.dispose();
    }
  });

  it('defaults: timeout max(3 periods, 50 ms), recovery cycles, QoS presets', () => {
    const cfg = parseRobotConfig(
      minimal(f64).replace('control_rate_hz: 100', 'control_rate_hz: 20'),
      'm.yaml',
    );
    assert.equal(observationTimeout(cfg), 3 / 20);
    assert.equal(cfg.recover_cycles, 3);
    assert.deepEqual(cfg.qos, { observation: 'sensor_data', command: 'reliable' });
    assert.deepEqual(
      actionLimits(cfg).map((l) => l.max_change),
      [0.1, undefined],
    );
  });

  it('names imu and odometry elements by part and component', () => {
    const text = minimal(f64).replace(
      'observation:',
      `observation:
  - type: sensor_msgs/Imu
    topic: /imu
    fields: [angular_velocity]
  - type: nav_msgs/Odometry
    topic: /odom
    fields: [orientation]`,
    );
    const spec = robotSpec(parseRobotConfig(text, 'm.yaml'));
    assert.deepEqual(spec.observation.names, [
      'imu.angular_velocity.x',
      'imu.angular_velocity.y',
      'imu.angular_velocity.z',
      'odom.orientation.x',
      'odom.orientation.y',
      'odom.orientation.z',
      'odom.orientation.w',
      'a',
      'b',
    ]);
    assert.deepEqual(spec.observation.units.slice(0, 4), ['rad/s', 'rad/s', 'rad/s', '1']);
  });

  it('refuses missing and unknown limits, naming the dimensions', () => {
    const text = minimal(
      f64.replace('    b: { low: -2, high: 2, max_rate: 3 }', '    c: { low: -2, high: 2 }'),
    );
    assert.throws(
      () => parseRobotConfig(text, 'r.yaml'),
      (err: Error) => {
        assert.match(
          err.message,
          /r\.yaml:\d+: action\.limits: every action dimension needs limits; missing: b/,
        );
        assert.match(
          err.message,
          /action\.limits: limits for unknown action dimensions: c \(dimensions: a, b\)/,
        );
        return true;
      },
    );
  });

  it('refuses low > high, a bad topic and a bad QoS preset, naming each field', () => {
    const text = minimal(
      f64
        .replace('a: { low: -1, high: 1, max_change: 0.1 }', 'a: { low: 1, high: -1 }')
        .replace('topic: /cmd', 'topic: "bad topic"'),
      'qos: { observation: sensors }',
    );
    assert.throws(() => parseRobotConfig(text, 'r.yaml'), {
      message:
        'invalid config (3 problems):\n' +
        '  - r.yaml:4: qos.observation: expected a QoS preset (sensor_data, reliable, transient_local, system_default) or { preset, depth }\n' +
        '  - r.yaml:13: action.topic: expected a ROS 2 topic name like /joint_states\n' +
        '  - r.yaml:17: action.limits.a.low: low must be <= high',
    });
  });

  it('refuses a fixed safe command outside the limits', () => {
    const text = minimal(f64.replace('{ kind: hold_position }', '{ kind: fixed, values: [0, 5] }'));
    assert.throws(
      () => parseRobotConfig(text, 'r.yaml'),
      /action\.safe_command\.values\[1\]: 5 is outside the limits of b \[-2, 2\]/,
    );
  });

  it('refuses hold_position without a position interface or a measurement', () => {
    const text = minimal(
      f64
        .replace('interface: position', 'interface: velocity')
        .replace('  joints: [a, b]', '  joints: [a, b]\n  measured_topic: none'),
    );
    assert.throws(
      () => parseRobotConfig(text, 'r.yaml'),
      (err: Error) => {
        assert.match(err.message, /action\.safe_command: hold_position needs a position interface/);
        assert.match(err.message, /action\.measured_topic: hold_position needs a measured JointState topic/);
        return true;
      },
    );
  });

  it('refuses zero as a safe command when zero is outside the limits', () => {
    const text = minimal(
      f64
        .replace('a: { low: -1, high: 1, max_change: 0.1 }', 'a: { low: 0.5, high: 1 }')
        .replace('hold_position', 'zero'),
    );
    assert.throws(
      () => parseRobotConfig(text, 'r.yaml'),
      /zero is outside the limits of a \[0.5, 1\]; use kind: fixed/,
    );
  });

  it('checks explicit names and units per element', () => {
    const text = minimal(f64).replace(
      '    joints: [a, b]\naction',
      '    joints: [a, b]\n    names: [x]\n    units: [rad]\naction',
    );
    assert.throws(
      () => parseRobotConfig(text, 'r.yaml'),
      (err: Error) => {
        assert.match(err.message, /observation\[0\]\.names: expected 2 names \(one per element\), got 1/);
        assert.match(err.message, /observation\[0\]\.units: expected 2 units \(one per element\), got 1/);
        return true;
      },
    );
  });

  it('accepts Twist sinks with axes as dimension names and refuses a joint measurement for them', () => {
    const twist = `
  type: geometry_msgs/Twist
  topic: /cmd_vel
  axes: [linear.x, angular.z]
  limits:
    linear.x: { low: -0.5, high: 0.5, max_rate: 1 }
    angular.z: { low: -1, high: 1 }
  safe_command: { kind: zero }`;
    const spec = robotSpec(parseRobotConfig(minimal(twist), 't.yaml'));
    assert.deepEqual(spec.action.names, ['linear.x', 'angular.z']);
    assert.deepEqual(spec.action.units, ['m/s', 'rad/s']);
    assert.throws(
      () => parseRobotConfig(minimal(`${twist}\n  measured_topic: /joint_states`), 't.yaml'),
      /a Twist command has no joint measurement/,
    );
  });

  it('reads an optional teleop section (HG-DAgger) and refuses types and topics that cannot work, naming the field', () => {
    const teleop = (body: string) => `${minimal(f64)}teleop:\n${body}\n`;
    const ok = parseRobotConfig(
      teleop('  topic: /teleop/cmd\n  type: std_msgs/Float64MultiArray\n  takeover_topic: /teleop/takeover'),
      'r.yaml',
    );
    assert.deepEqual(ok.teleop, {
      topic: '/teleop/cmd',
      type: 'std_msgs/Float64MultiArray',
      takeover_topic: '/teleop/takeover',
    });
    assert.deepEqual(Array.from(actionFromCommand(teleopSink(ok)!, { data: [0.5, -1] })), [0.5, -1]);
    assert.equal(teleopSink(parseRobotConfig(minimal(f64), 'r.yaml')), undefined);
    assert.throws(
      () =>
        parseRobotConfig(
          teleop('  topic: /cmd\n  type: geometry_msgs/Twist\n  takeover_topic: /joint_states'),
          'r.yaml',
        ),
      {
        message:
          'invalid config (3 problems):\n' +
          "  - r.yaml:22: teleop.type: a teleop command carries the action's elements (a, b): expected std_msgs/Float64MultiArray, got geometry_msgs/Twist\n" +
          '  - r.yaml:21: teleop.topic: /cmd is the action topic, where deploy publishes its own commands; give the teleop commands a topic of their own\n' +
          '  - r.yaml:23: teleop.takeover_topic: /joint_states is an observation topic; give the takeover signal a topic of their own',
      },
    );
    assert.throws(
      () => parseRobotConfig(teleop('  topic: /teleop/cmd\n  type: std_msgs/Float64MultiArray'), 'r.yaml'),
      /teleop\.takeover_topic/,
    );
  });

  it('takes the teleop timeout from teleop.timeout_s, else the observation timeout but at least 0.15 s', () => {
    const teleop = (extra: string) =>
      parseRobotConfig(
        `${minimal(f64)}teleop:\n  topic: /teleop/cmd\n  type: std_msgs/Float64MultiArray\n  takeover_topic: /teleop/takeover\n${extra}`,
        'r.yaml',
      );
    const plain = teleop('');
    assert.equal(teleopTimeout(plain), Math.max(observationTimeout(plain), 0.15));
    assert.equal(teleopTimeout(teleop('  timeout_s: 0.4\n')), 0.4);
    assert.throws(() => teleop('  timeout_s: 0\n'), /r\.yaml:\d+: teleop\.timeout_s/);
  });

  it('reads a JointTrajectory or Twist teleop command of the action type by joint name or axis', () => {
    const twist = `
  type: geometry_msgs/Twist
  topic: /cmd_vel
  axes: [linear.x, angular.z]
  limits:
    linear.x: { low: -0.5, high: 0.5 }
    angular.z: { low: -1, high: 1 }
  safe_command: { kind: zero }`;
    const cfg = parseRobotConfig(
      `${minimal(twist)}teleop: { topic: /teleop/cmd_vel, type: geometry_msgs/Twist, takeover_topic: /takeover }\n`,
      't.yaml',
    );
    const sink = teleopSink(cfg)!;
    assert.equal(sink.topic, '/teleop/cmd_vel');
    const msg = { linear: { x: 0.2, y: 9, z: 9 }, angular: { x: 9, y: 9, z: -0.7 } };
    assert.deepEqual(Array.from(actionFromCommand(sink, msg)), [0.2, -0.7]);
    const traj = parseRobotConfig(
      `${minimal(f64.replace('std_msgs/Float64MultiArray', 'trajectory_msgs/JointTrajectory'))}teleop: { topic: /teleop/traj, type: trajectory_msgs/JointTrajectory, takeover_topic: /takeover }\n`,
      't.yaml',
    );
    const point = { positions: [2, 1], velocities: [], accelerations: [], effort: [] };
    assert.deepEqual(
      Array.from(actionFromCommand(teleopSink(traj)!, { joint_names: ['b', 'a'], points: [point] })),
      [1, 2],
    );
  });
});

/**
 * The message check the in-process bus applies (src/ros/message-check.ts): table-driven cases of what
 * rclnodejs refuses (and what it would silently get wrong), the delivered shape, and garbage in → a typed
 * error, never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GailBridgeError } from '../../src/core/errors.js';
import { messageDefinition, serviceDefinition } from '../../src/ros/interfaces.js';
import { conformMessage } from '../../src/ros/message-check.js';

const conform = (type: string, msg: unknown): Record<string, unknown> =>
  conformMessage(messageDefinition(type), msg);

const jointState = {
  header: { stamp: { sec: 1, nanosec: 5 }, frame_id: 'base' },
  name: ['a', 'b'],
  position: [0.5, -1],
  velocity: new Float64Array([1, 2]),
  effort: [],
};

const status = {
  header: { stamp: { sec: 1, nanosec: 0 }, frame_id: '' },
  mode: 1,
  state: 2,
  message: '',
  control_rate_hz: 125,
  achieved_rate_hz: 124.5,
  episode: 0,
  steps: 131n,
  deadline_misses: 0n,
  topics: [
    {
      topic: '/joint_states',
      type: 'sensor_msgs/msg/JointState',
      expected_rate_hz: 125,
      achieved_rate_hz: 125,
      received: 10n,
      late: 0n,
      missing: 0n,
      age_s: 0.001,
    },
  ],
};

describe('conformMessage', () => {
  it('accepts well-typed messages and delivers them as rclnodejs does (typed arrays, bigint, every field)', () => {
    const js = conform('sensor_msgs/msg/JointState', jointState);
    assert.ok(js['position'] instanceof Float64Array);
    assert.deepEqual(Array.from(js['position'] as Float64Array), [0.5, -1]);
    assert.deepEqual(js['name'], ['a', 'b']);
    const s = conform('gail_bridge_msgs/msg/BridgeStatus', status);
    assert.equal(s['steps'], 131n);
    const empty = conform('sensor_msgs/msg/Imu', {});
    assert.ok(empty['orientation_covariance'] instanceof Float64Array);
    assert.equal((empty['orientation_covariance'] as Float64Array).length, 9);
    assert.deepEqual(empty['header'], { stamp: { sec: 0, nanosec: 0 }, frame_id: '' });
    assert.deepEqual(conform('std_msgs/msg/UInt64MultiArray', { data: [1n] })['data'], [1n]);
  });

  const refused: [string, string, unknown, RegExp][] = [
    [
      'a uint64 given as a number (what deploy published on real ROS 2)',
      'gail_bridge_msgs/msg/BridgeStatus',
      { ...status, steps: 131 },
      /^field steps: expected a bigint \(uint64; rclnodejs refuses a number here: "must be type of bigint"; write BigInt\(n\)\), got number 131$/,
    ],
    [
      'a nested uint64 given as a number',
      'gail_bridge_msgs/msg/BridgeStatus',
      { ...status, topics: [{ ...status.topics[0], received: 10 }] },
      /^field topics\[0\]\.received: expected a bigint/,
    ],
    [
      'an int64 array element as a number',
      'std_msgs/msg/Int64MultiArray',
      { data: [1n, 2] },
      /^field data\[1\]: expected a bigint/,
    ],
    [
      'a fixed-size array of the wrong length',
      'sensor_msgs/msg/Imu',
      { orientation_covariance: [0, 0, 0] },
      /^field orientation_covariance: expected exactly 9 elements \(float64\[9\]\), got an array of length 3$/,
    ],
    [
      'a string field given a number',
      'sensor_msgs/msg/JointState',
      { ...jointState, name: ['a', 2] },
      /^field name\[1\]: expected a string \(string\), got number 2$/,
    ],
    [
      'a typed array of another element type',
      'std_msgs/msg/Float64MultiArray',
      { data: new Float32Array(3) },
      /^field data: expected an array of numbers or a Float64Array \(float64\[\]\), got a Float32Array$/,
    ],
    [
      'a view into a larger buffer (rclnodejs would send the whole buffer)',
      'std_msgs/msg/Float64MultiArray',
      { data: new Float64Array(8).subarray(2, 5) },
      /^field data: a Float64Array view into a larger buffer \(offset 16, 24 of 64 bytes\)/,
    ],
    [
      'a field the type does not have (rclnodejs drops it silently)',
      'geometry_msgs/msg/Twist',
      { linear: { x: 1, y: 0, z: 0 }, angualr: { x: 0, y: 0, z: 0 } },
      /^field angualr: geometry_msgs\/Twist has no such field \(fields: linear, angular\)$/,
    ],
    [
      'an integer field given a fraction',
      'gail_bridge_msgs/msg/EpisodeEvent',
      { episode: 1.5 },
      /^field episode: expected an integer \(uint32\), got number 1\.5$/,
    ],
    [
      'a uint8 out of range',
      'gail_bridge_msgs/msg/EpisodeEvent',
      { event: 256 },
      /^field event: out of range for uint8 \[0, 255\], got number 256$/,
    ],
    [
      'a nanosec that is negative',
      'rosgraph_msgs/msg/Clock',
      { clock: { sec: 1, nanosec: -1 } },
      /^field clock\.nanosec: out of range for uint32/,
    ],
    [
      'a bool given a number',
      'std_msgs/msg/Bool',
      { data: 1 },
      /^field data: expected a boolean \(bool\), got number 1$/,
    ],
    [
      'null for a nested message',
      'sensor_msgs/msg/JointState',
      { header: null },
      /^field header: expected an object/,
    ],
    ['a non-object message', 'std_msgs/msg/String', 'hello', /^message: expected an object/],
  ];
  for (const [what, type, msg, message] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => conform(type, msg),
        (err: unknown) => {
          assert.ok(err instanceof GailBridgeError, String(err));
          assert.equal(err.code, 'ros');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('refuses unknown types and services by name', () => {
    assert.throws(() => messageDefinition('sensor_msgs/msg/JointStates'), {
      code: 'ros',
      message:
        "message type sensor_msgs/msg/JointStates: not a known ROS 2 interface (expected pkg/msg/Name from ROS 2 Jazzy's common interfaces or gail_bridge_msgs)",
    });
    assert.throws(() => serviceDefinition('std_srvs/srv/Nope'), { code: 'ros' });
    assert.deepEqual(
      serviceDefinition('std_srvs/srv/Trigger').response.definitions.map((f) => [f.name, f.type]),
      [
        ['success', 'bool'],
        ['message', 'string'],
      ],
    );
  });

  it('copies: the delivered message shares nothing with the published one', () => {
    const data = [1, 2, 3];
    const out = conform('std_msgs/msg/Float64MultiArray', { data });
    data[0] = 99;
    assert.equal((out['data'] as Float64Array)[0], 1);
  });

  it('answers any garbage with a ros error or a conforming copy, never another exception', () => {
    const types = [
      'sensor_msgs/msg/JointState',
      'gail_bridge_msgs/msg/BridgeStatus',
      'std_msgs/msg/Float64MultiArray',
      'trajectory_msgs/msg/JointTrajectory',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.anything({ withBigInt: true, withTypedArray: true }),
        (type, v) => {
          try {
            conform(type, v);
          } catch (err) {
            assert.ok(err instanceof GailBridgeError, `${type}: ${String(err)}`);
            assert.equal(err.code, 'ros');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

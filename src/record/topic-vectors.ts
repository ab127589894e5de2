/**
 * Reading vectors out of ROS 2 messages for recording, by the robot mapping config: the observation from
 * its source topics (JointState by joint name, Imu, Odometry), and the action from the command topic the
 * teleop publishes on (the config's action sink read backwards: Float64MultiArray, Twist, or the first
 * point of a JointTrajectory). Every failure names the topic and what was wrong with the message.
 */

import {
  actionElementNames,
  IMU_FIELDS,
  type ObservationSource,
  ODOMETRY_FIELDS,
  type RobotConfig,
  sourceElementNames,
} from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import type {
  Float64MultiArray,
  Imu,
  JointState,
  JointTrajectory,
  Odometry,
  Twist,
} from '../ros/messages.js';

/** rclnodejs spelling of a config type name: `sensor_msgs/JointState` → `sensor_msgs/msg/JointState`. */
export function rosTypeName(configType: string): string {
  const parts = configType.split('/');
  return parts.length === 2 ? `${parts[0]}/msg/${parts[1]}` : configType;
}

/** One topic the recorder listens to. */
export interface RecordTopic {
  readonly topic: string;
  /** rclnodejs type name. */
  readonly type: string;
  readonly role: 'observation' | 'action';
}

/**
 * The distinct topics that make a recorded step, observation topics first (in config order), then the
 * action topic (`actionTopic` overrides the config's, e.g. a teleop publishing to /teleop/cmd_vel).
 */
export function recordTopics(cfg: RobotConfig, actionTopic?: string): RecordTopic[] {
  const out: RecordTopic[] = [];
  for (const src of cfg.observation) {
    const type = rosTypeName(src.type);
    const seen = out.find((t) => t.topic === src.topic);
    if (seen && seen.type !== type)
      throw new GailBridgeError(
        'config',
        `robot ${cfg.name}: topic ${src.topic} is listed as ${seen.type} and as ${type}; a topic has one type`,
      );
    if (!seen) out.push({ topic: src.topic, type, role: 'observation' });
  }
  const topic = actionTopic ?? cfg.action.topic;
  if (out.some((t) => t.topic === topic))
    throw new GailBridgeError(
      'config',
      `robot ${cfg.name}: the action topic ${topic} is also an observation topic; record the teleop command topic`,
    );
  out.push({ topic, type: rosTypeName(cfg.action.type), role: 'action' });
  return out;
}

function finiteArrayLike(what: string, v: unknown): ArrayLike<number> {
  if (v === null || typeof v !== 'object' || typeof (v as { length?: unknown }).length !== 'number')
    throw new GailBridgeError('ros', `${what}: expected an array of numbers, got ${typeof v}`);
  return v as ArrayLike<number>;
}

function num(what: string, v: unknown): number {
  if (typeof v !== 'number') throw new GailBridgeError('ros', `${what}: expected a number, got ${typeof v}`);
  return v;
}

/** Writes one observation source's elements into `out` at `offset`; returns the next offset. */
function writeSource(src: ObservationSource, msg: unknown, out: Float32Array, offset: number): number {
  const where = `topic ${src.topic}`;
  if (msg === null || typeof msg !== 'object') throw new GailBridgeError('ros', `${where}: no message`);
  switch (src.type) {
    case 'sensor_msgs/JointState': {
      const js = msg as JointState;
      const names = js.name;
      if (!Array.isArray(names)) throw new GailBridgeError('ros', `${where}: JointState without names`);
      const values = finiteArrayLike(`${where} ${src.field}`, js[src.field]);
      if (values.length !== names.length)
        throw new GailBridgeError(
          'ros',
          `${where}: ${src.field} has ${values.length} values for ${names.length} joint names`,
        );
      const [lo, hi] = src.clip ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
      const missing: string[] = [];
      for (const [i, joint] of src.joints.entries()) {
        const k = names.indexOf(joint);
        if (k < 0) {
          missing.push(joint);
          continue;
        }
        const v = values[k]!;
        // NaN is recorded as it came (stored bit-exactly); only finite values are clipped.
        out[offset + i] = Number.isNaN(v) ? v : Math.min(hi, Math.max(lo, v));
      }
      if (missing.length > 0)
        throw new GailBridgeError(
          'ros',
          `${where}: expected ${src.joints.length} joints, message lacks ${missing.join(', ')} (has ${names.join(', ')})`,
        );
      return offset + src.joints.length;
    }
    case 'sensor_msgs/Imu': {
      const imu = msg as Imu;
      for (const f of src.fields) {
        const part = imu[f] as unknown as Record<string, unknown> | undefined;
        if (!part) throw new GailBridgeError('ros', `${where}: Imu without ${f}`);
        for (const c of IMU_FIELDS[f].components) out[offset++] = num(`${where} ${f}.${c}`, part[c]);
      }
      return offset;
    }
    case 'nav_msgs/Odometry': {
      const odom = msg as Odometry;
      const parts: Record<string, unknown> = {
        position: odom.pose?.pose?.position,
        orientation: odom.pose?.pose?.orientation,
        linear_velocity: odom.twist?.twist?.linear,
        angular_velocity: odom.twist?.twist?.angular,
      };
      for (const f of src.fields) {
        const part = parts[f] as Record<string, unknown> | undefined;
        if (!part) throw new GailBridgeError('ros', `${where}: Odometry without ${f}`);
        for (const c of ODOMETRY_FIELDS[f].components) out[offset++] = num(`${where} ${f}.${c}`, part[c]);
      }
      return offset;
    }
  }
}

/** Observation dimension of a config (sum of its sources' element counts). */
export function observationDim(cfg: RobotConfig): number {
  return cfg.observation.reduce((n, s) => n + sourceElementNames(s).length, 0);
}

/**
 * Fills `out` (observationDim values) from the latest message of each observation topic. Throws a `ros`
 * error naming the topic when a message lacks a joint or field.
 */
export function observationFromMessages(
  cfg: RobotConfig,
  latest: ReadonlyMap<string, unknown>,
  out: Float32Array,
): void {
  let offset = 0;
  for (const src of cfg.observation) offset = writeSource(src, latest.get(src.topic), out, offset);
  if (offset !== out.length)
    throw new GailBridgeError(
      'shape',
      `observation: expected ${out.length} values, the config makes ${offset}`,
    );
}

/**
 * Checks that `msg` on `topic` can be read for every observation source on that topic (a JointState
 * with all the configured joints, …); throws the `ros` error that reading it would throw.
 */
export function checkObservationMessage(cfg: RobotConfig, topic: string, msg: unknown): void {
  for (const src of cfg.observation) {
    if (src.topic !== topic) continue;
    writeSource(src, msg, new Float32Array(sourceElementNames(src).length), 0);
  }
}

/**
 * Fills `out` (action dimension) from one command message on the action topic, read as the config's
 * action sink would have written it. Throws a `ros` error naming `topic` on a malformed command.
 */
export function actionFromMessage(cfg: RobotConfig, topic: string, msg: unknown, out: Float32Array): void {
  const act = cfg.action;
  const where = `topic ${topic}`;
  const dims = actionElementNames(act).length;
  if (out.length !== dims)
    throw new GailBridgeError('shape', `action: expected ${dims} values, got a buffer of ${out.length}`);
  if (msg === null || typeof msg !== 'object') throw new GailBridgeError('ros', `${where}: no message`);
  switch (act.type) {
    case 'std_msgs/Float64MultiArray': {
      const data = finiteArrayLike(`${where} data`, (msg as Float64MultiArray).data);
      if (data.length !== act.joints.length)
        throw new GailBridgeError(
          'ros',
          `${where}: expected ${act.joints.length} values (${act.joints.join(', ')}), got ${data.length}`,
        );
      for (let i = 0; i < data.length; i++) out[i] = data[i]!;
      return;
    }
    case 'geometry_msgs/Twist': {
      const tw = msg as Twist;
      for (const [i, axis] of act.axes.entries()) {
        const [part, c] = axis.split('.') as ['linear' | 'angular', 'x' | 'y' | 'z'];
        out[i] = num(`${where} ${axis}`, tw[part]?.[c]);
      }
      return;
    }
    case 'trajectory_msgs/JointTrajectory': {
      const jt = msg as JointTrajectory;
      const point = jt.points?.[0];
      if (!point) throw new GailBridgeError('ros', `${where}: JointTrajectory without points`);
      const field = { position: 'positions', velocity: 'velocities', effort: 'effort' } as const;
      const values = finiteArrayLike(
        `${where} points[0].${field[act.interface]}`,
        point[field[act.interface]],
      );
      const missing: string[] = [];
      for (const [i, joint] of act.joints.entries()) {
        const k = jt.joint_names.indexOf(joint);
        if (k < 0 || k >= values.length) missing.push(joint);
        else out[i] = values[k]!;
      }
      if (missing.length > 0)
        throw new GailBridgeError(
          'ros',
          `${where}: points[0].${field[act.interface]} lacks ${missing.join(', ')} (joint_names: ${jt.joint_names.join(', ')})`,
        );
      return;
    }
  }
}

/**
 * The ROS 2 message shapes the bridge reads and writes, as plain objects shaped like rclnodejs's
 * (`sensor_msgs/msg/JointState` → `{ header, name, position, velocity, effort }`). Numeric arrays may be
 * published as arrays or typed arrays and arrive as typed arrays (Float64Array for float64[]) over
 * rclnodejs and the in-process bus alike, so the types say `ArrayLike<number>`; 64-bit integers are bigint.
 */
import type { BridgeStatusMsg, EpisodeEventMsg, SimStepMsg } from './bridge-msgs.js';

export interface Time {
  readonly sec: number;
  readonly nanosec: number;
}

export interface Header {
  readonly stamp: Time;
  readonly frame_id: string;
}

export interface Vector3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

export interface Quaternion extends Vector3 {
  readonly w: number;
}

/** sensor_msgs/msg/JointState. */
export interface JointState {
  readonly header: Header;
  readonly name: readonly string[];
  readonly position: ArrayLike<number>;
  readonly velocity: ArrayLike<number>;
  readonly effort: ArrayLike<number>;
}

/** sensor_msgs/msg/Imu (covariances omitted by readers; writers fill zeros). */
export interface Imu {
  readonly header: Header;
  readonly orientation: Quaternion;
  readonly angular_velocity: Vector3;
  readonly linear_acceleration: Vector3;
}

/** nav_msgs/msg/Odometry (covariances are ignored by the bridge). */
export interface Odometry {
  readonly header: Header;
  readonly child_frame_id: string;
  readonly pose: { readonly pose: { readonly position: Vector3; readonly orientation: Quaternion } };
  readonly twist: { readonly twist: { readonly linear: Vector3; readonly angular: Vector3 } };
}

/** std_msgs/msg/Float64MultiArray, the command of ros2_control forward command controllers. */
export interface Float64MultiArray {
  readonly layout: {
    readonly dim: readonly { readonly label: string; readonly size: number; readonly stride: number }[];
    readonly data_offset: number;
  };
  readonly data: ArrayLike<number>;
}

export interface JointTrajectoryPoint {
  readonly positions: ArrayLike<number>;
  readonly velocities: ArrayLike<number>;
  readonly accelerations: ArrayLike<number>;
  readonly effort: ArrayLike<number>;
  readonly time_from_start: { readonly sec: number; readonly nanosec: number };
}

/** trajectory_msgs/msg/JointTrajectory. */
export interface JointTrajectory {
  readonly header: Header;
  readonly joint_names: readonly string[];
  readonly points: readonly JointTrajectoryPoint[];
}

/** geometry_msgs/msg/Twist. */
export interface Twist {
  readonly linear: Vector3;
  readonly angular: Vector3;
}

/** std_msgs/msg/UInt64 (64-bit integers travel as bigint in rclnodejs). */
export interface UInt64Msg {
  readonly data: bigint;
}

/** std_msgs/msg/String. */
export interface StringMsg {
  readonly data: string;
}

/** std_msgs/msg/Bool (deploy's teleop takeover signal). */
export interface BoolMsg {
  readonly data: boolean;
}

/** rosgraph_msgs/msg/Clock. */
export interface Clock {
  readonly clock: Time;
}

/** std_srvs/srv/Trigger. */
export type TriggerRequest = Record<string, never>;
export interface TriggerResponse {
  readonly success: boolean;
  readonly message: string;
}

/** Message types by their rclnodejs name, so a typed subscribe/publish can check the payload shape. */
export interface MessageTypes {
  'sensor_msgs/msg/JointState': JointState;
  'sensor_msgs/msg/Imu': Imu;
  'nav_msgs/msg/Odometry': Odometry;
  'std_msgs/msg/Float64MultiArray': Float64MultiArray;
  'trajectory_msgs/msg/JointTrajectory': JointTrajectory;
  'geometry_msgs/msg/Twist': Twist;
  'std_msgs/msg/String': StringMsg;
  'std_msgs/msg/Bool': BoolMsg;
  'std_msgs/msg/UInt64': UInt64Msg;
  'rosgraph_msgs/msg/Clock': Clock;
  'gail_bridge_msgs/msg/EpisodeEvent': EpisodeEventMsg;
  'gail_bridge_msgs/msg/BridgeStatus': BridgeStatusMsg;
  'gail_bridge_msgs/msg/SimStep': SimStepMsg;
}

/** Service types by rclnodejs name. */
export interface ServiceTypes {
  'std_srvs/srv/Trigger': { request: TriggerRequest; response: TriggerResponse };
}

/** Seconds (float) → builtin_interfaces/Time, nanoseconds rounded and carried. */
export function toTime(seconds: number): Time {
  let sec = Math.floor(seconds);
  let nanosec = Math.round((seconds - sec) * 1e9);
  if (nanosec >= 1e9) {
    sec += 1;
    nanosec -= 1e9;
  }
  return { sec, nanosec };
}

/** builtin_interfaces/Time → seconds. */
export function fromTime(t: Time): number {
  return t.sec + t.nanosec * 1e-9;
}

/** A header with the given stamp (seconds). */
export function header(stampSeconds: number, frameId = ''): Header {
  return { stamp: toTime(stampSeconds), frame_id: frameId };
}

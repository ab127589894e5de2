/**
 * Message ↔ vector mapping driven by a robot config: the observation vector from the latest message of each
 * source topic, the measured state of the action joints, and the action vector → command message. Joint
 * arrays are looked up by name in every JointState (robots publish joints in any order, and the order can
 * change between drivers); the index map is cached while the name list stays the same.
 */
import {
  type ActionSink,
  actionElementNames,
  IMU_FIELDS,
  measuredTopic,
  type ObservationSource,
  ODOMETRY_FIELDS,
  type RobotConfig,
  sourceElementNames,
} from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { header, type Imu, type JointState, type Odometry, toTime } from './messages.js';

/** rclnodejs type names of the config's short message names. */
export const ROS_TYPE = {
  'sensor_msgs/JointState': 'sensor_msgs/msg/JointState',
  'sensor_msgs/Imu': 'sensor_msgs/msg/Imu',
  'nav_msgs/Odometry': 'nav_msgs/msg/Odometry',
  'std_msgs/Float64MultiArray': 'std_msgs/msg/Float64MultiArray',
  'trajectory_msgs/JointTrajectory': 'trajectory_msgs/msg/JointTrajectory',
  'geometry_msgs/Twist': 'geometry_msgs/msg/Twist',
} as const;

/** One topic the bridge subscribes to, and the rclnodejs type it carries. */
export interface TopicSubscription {
  readonly topic: string;
  readonly type: (typeof ROS_TYPE)[keyof typeof ROS_TYPE];
}

/** Caches a JointState name → index map per topic, checking the joints a source needs are present. */
class JointIndex {
  private names: readonly string[] | undefined;
  private readonly indices = new Map<string, number>();
  /**
   * Resolved index lists per `joints` list (the config's arrays, so identity is a stable key), cleared
   * when the driver's name[] changes: the steady state looks up without allocating (deploy cycles).
   */
  private readonly resolved = new Map<readonly string[], readonly number[]>();

  /** Indices of `joints` in `msg.name`; a `ros` error naming the topic and the missing joints. */
  lookup(topic: string, msg: JointState, joints: readonly string[]): readonly number[] {
    if (!sameNames(this.names, msg.name)) {
      this.indices.clear();
      this.resolved.clear();
      msg.name.forEach((n, i) => {
        this.indices.set(n, i);
      });
      this.names = [...msg.name];
    }
    const hit = this.resolved.get(joints);
    if (hit) return hit;
    const out: number[] = [];
    const missing: string[] = [];
    for (const j of joints) {
      const i = this.indices.get(j);
      if (i === undefined) missing.push(j);
      else out.push(i);
    }
    if (missing.length > 0)
      throw new GailBridgeError(
        'ros',
        `topic ${topic}: expected joints ${joints.join(', ')} in name[], got ${msg.name.length} (missing: ${missing.join(', ')})`,
      );
    this.resolved.set(joints, out);
    return out;
  }
}

function sameNames(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads JointState `field` of `joints` into `out` at `offset`, checking array lengths. */
function readJoints(
  topic: string,
  msg: JointState,
  index: JointIndex,
  joints: readonly string[],
  field: 'position' | 'velocity' | 'effort',
  out: Float64Array,
  offset: number,
  clip?: readonly [number, number],
): void {
  const idx = index.lookup(topic, msg, joints);
  const arr = msg[field];
  if (arr.length !== msg.name.length)
    throw new GailBridgeError(
      'ros',
      `topic ${topic}: ${field}[] has ${arr.length} values for ${msg.name.length} names (the driver does not publish ${field})`,
    );
  for (let k = 0; k < idx.length; k++) {
    let v = arr[idx[k]!]!;
    // Clip only finite values: NaN must reach the finiteness check, not be hidden by a comparison.
    if (clip && Number.isFinite(v)) v = Math.min(clip[1], Math.max(clip[0], v));
    out[offset + k] = v;
  }
}

/** The topics a config needs, deduplicated, the first observation topic first (it triggers the cycle). */
export function configTopics(cfg: RobotConfig): TopicSubscription[] {
  const seen = new Map<string, TopicSubscription>();
  const add = (topic: string, type: TopicSubscription['type']): void => {
    const prev = seen.get(topic);
    if (prev && prev.type !== type)
      throw new GailBridgeError(
        'config',
        `robot ${cfg.name}: topic ${topic} is used as ${prev.type} and ${type}`,
      );
    seen.set(topic, { topic, type });
  };
  for (const s of cfg.observation) add(s.topic, ROS_TYPE[s.type]);
  const mt = measuredTopic(cfg);
  if (mt) add(mt, 'sensor_msgs/msg/JointState');
  return [...seen.values()];
}

/** Builds observation vectors and measured action-joint states from the latest message per topic. */
export class ObservationMapper {
  readonly dim: number;
  /** Action-joint count read from the measured topic (0 without a measurement). */
  readonly measuredDim: number;
  private readonly indices = new Map<string, JointIndex>();
  private readonly offsets: number[];
  private readonly measured:
    | { topic: string; joints: readonly string[]; field: 'position' | 'velocity' | 'effort' }
    | undefined;

  constructor(readonly config: RobotConfig) {
    let off = 0;
    this.offsets = config.observation.map((s) => {
      const o = off;
      off += sourceElementNames(s).length;
      return o;
    });
    this.dim = off;
    const mt = measuredTopic(config);
    const act = config.action;
    if (mt && act.type !== 'geometry_msgs/Twist') {
      const field = act.interface === 'normalized' ? 'effort' : act.interface;
      this.measured = { topic: mt, joints: act.joints, field };
      this.measuredDim = act.joints.length;
    } else {
      this.measured = undefined;
      this.measuredDim = 0;
    }
  }

  private index(topic: string): JointIndex {
    let i = this.indices.get(topic);
    if (!i) {
      i = new JointIndex();
      this.indices.set(topic, i);
    }
    return i;
  }

  /**
   * Fills `out` (length `dim`) from `latest` (topic → newest message). A missing message, joint or array
   * is a `ros` error naming the topic; non-finite values are copied as they are (the caller checks).
   */
  observe(latest: ReadonlyMap<string, unknown>, out: Float64Array): void {
    // An indexed loop, not forEach with a closure: this runs every control cycle and allocates nothing.
    const sources = this.config.observation;
    for (let k = 0; k < sources.length; k++) {
      const src = sources[k]!;
      const msg = latest.get(src.topic);
      if (msg === undefined) throw new GailBridgeError('ros', `topic ${src.topic}: no message received yet`);
      readSource(src, msg, this.index(src.topic), out, this.offsets[k]!);
    }
  }

  /** Fills `out` with the measured state of the action joints; false when there is no measurement. */
  measure(latest: ReadonlyMap<string, unknown>, out: Float64Array): boolean {
    const m = this.measured;
    if (!m) return false;
    const msg = latest.get(m.topic) as JointState | undefined;
    if (!msg) return false;
    readJoints(m.topic, msg, this.index(m.topic), m.joints, m.field, out, 0);
    return true;
  }
}

function readSource(
  src: ObservationSource,
  msg: unknown,
  index: JointIndex,
  out: Float64Array,
  offset: number,
): void {
  switch (src.type) {
    case 'sensor_msgs/JointState':
      readJoints(src.topic, msg as JointState, index, src.joints, src.field, out, offset, src.clip);
      return;
    case 'sensor_msgs/Imu': {
      const m = msg as Imu;
      let o = offset;
      for (const f of src.fields) {
        const part = m[f] as unknown as Record<string, number>;
        for (const c of IMU_FIELDS[f].components) out[o++] = part[c]!;
      }
      return;
    }
    case 'nav_msgs/Odometry': {
      const m = msg as Odometry;
      const parts = {
        position: m.pose.pose.position,
        orientation: m.pose.pose.orientation,
        linear_velocity: m.twist.twist.linear,
        angular_velocity: m.twist.twist.angular,
      } as const;
      let o = offset;
      for (const f of src.fields) {
        const part = parts[f] as unknown as Record<string, number>;
        for (const c of ODOMETRY_FIELDS[f].components) out[o++] = part[c]!;
      }
      return;
    }
  }
}

/** Builds the command message for `action` (already inside the safety envelope). */
export function commandMessage(
  sink: ActionSink,
  action: ArrayLike<number>,
  stampSeconds: number,
  periodS: number,
): unknown {
  const values = Array.from(action);
  switch (sink.type) {
    case 'std_msgs/Float64MultiArray':
      return { layout: { dim: [], data_offset: 0 }, data: values };
    case 'trajectory_msgs/JointTrajectory': {
      const field = { position: 'positions', velocity: 'velocities', effort: 'effort' }[sink.interface];
      const point = {
        positions: [],
        velocities: [],
        accelerations: [],
        effort: [],
        [field]: values,
        time_from_start: toTime(sink.time_from_start_s ?? periodS),
      };
      return { header: header(stampSeconds), joint_names: [...sink.joints], points: [point] };
    }
    case 'geometry_msgs/Twist': {
      const twist = { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } };
      sink.axes.forEach((axis, i) => {
        const [part, c] = axis.split('.') as ['linear' | 'angular', 'x' | 'y' | 'z'];
        twist[part][c] = values[i]!;
      });
      return twist;
    }
  }
}

/** Reads an action vector back from a command message (the sim node's side, and tests). */
export function actionFromCommand(sink: ActionSink, msg: unknown): Float64Array {
  const out = new Float64Array(actionElementNames(sink).length);
  commandReader(sink)(msg, out);
  return out;
}

/** JointTrajectory point field of each joint interface. */
const TRAJECTORY_FIELDS = { position: 'positions', velocity: 'velocities', effort: 'effort' } as const;

/**
 * A reader of `sink`'s command messages into action vectors (`out`, one value per action element),
 * with everything per sink worked out once, so that a read allocates nothing (deploy reads the teleop
 * command inside its control cycle). A malformed message throws a `ros` error naming the topic.
 */
export function commandReader(sink: ActionSink): (msg: unknown, out: Float64Array) => void {
  const n = actionElementNames(sink).length;
  switch (sink.type) {
    case 'std_msgs/Float64MultiArray':
      return (msg, out) => {
        const data = (msg as { data: ArrayLike<number> }).data;
        if (data.length !== n)
          throw new GailBridgeError(
            'ros',
            `topic ${sink.topic}: expected ${n} command values, got ${data.length}`,
          );
        for (let i = 0; i < n; i++) out[i] = data[i]!;
      };
    case 'trajectory_msgs/JointTrajectory': {
      const field = TRAJECTORY_FIELDS[sink.interface];
      const joints = sink.joints;
      return (msg, out) => {
        const m = msg as {
          joint_names: readonly string[];
          points: readonly Record<string, ArrayLike<number>>[];
        };
        const p = m.points[0];
        if (!p) throw new GailBridgeError('ros', `topic ${sink.topic}: trajectory has no points`);
        const vals = p[field] ?? [];
        for (let i = 0; i < joints.length; i++) {
          const k = m.joint_names.indexOf(joints[i]!);
          if (k < 0 || k >= vals.length)
            throw new GailBridgeError(
              'ros',
              `topic ${sink.topic}: trajectory has no ${field} for joint ${joints[i]}`,
            );
          out[i] = vals[k]!;
        }
      };
    }
    case 'geometry_msgs/Twist': {
      const parts = sink.axes.map((axis) => axis.split('.') as ['linear' | 'angular', 'x' | 'y' | 'z']);
      return (msg, out) => {
        const t = msg as Record<'linear' | 'angular', Record<'x' | 'y' | 'z', number>>;
        for (let i = 0; i < parts.length; i++) {
          const [part, c] = parts[i]!;
          out[i] = t[part][c];
        }
      };
    }
  }
}

/**
 * Robot mapping config (`config/robots/*.yaml`): which ROS 2 topics make the observation vector, which
 * message carries the action, and the safety envelope around it. One record drives deploy, record and
 * rosbag import; `robotSpec` derives the core `Spec` that policies and demo files are checked against.
 *
 * Keys are snake_case, as in ROS parameter files. Every field is documented with its unit and default.
 */
import { z } from 'zod';
import { GailBridgeError } from '../core/errors.js';
import { makeSpaceSpec, type Spec } from '../core/spec.js';
import { PRODUCER } from '../version.js';
import { loadYamlConfig, parseYamlConfig } from './load.js';
import { QOS_PRESET_NAMES, type QosPreset } from './qos.js';

const name = z.string().min(1);
const topic = z
  .string()
  .regex(/^~?\/?[A-Za-z_][A-Za-z0-9_/]*$/, 'expected a ROS 2 topic name like /joint_states');
const presetName = z.enum(QOS_PRESET_NAMES as [QosPreset, ...QosPreset[]]);
const qos = z.union(
  [presetName, z.strictObject({ preset: presetName.optional(), depth: z.int().positive().optional() })],
  { error: `expected a QoS preset (${QOS_PRESET_NAMES.join(', ')}) or { preset, depth }` },
);

/** A unit for every element, or one unit for all. */
const units = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Optional explicit element names (one per element); defaults are built from the topic fields. */
const names = z.array(name).min(1);

const JOINT_FIELDS = ['position', 'velocity', 'effort'] as const;
export type JointField = (typeof JOINT_FIELDS)[number];
const DEFAULT_JOINT_UNITS: Record<JointField, string> = { position: 'rad', velocity: 'rad/s', effort: 'N·m' };

/** Components of each sensor_msgs/Imu part, in vector order. */
export const IMU_FIELDS = {
  orientation: { components: ['x', 'y', 'z', 'w'], unit: '1' },
  angular_velocity: { components: ['x', 'y', 'z'], unit: 'rad/s' },
  linear_acceleration: { components: ['x', 'y', 'z'], unit: 'm/s^2' },
} as const;
export type ImuField = keyof typeof IMU_FIELDS;

/** Components of each nav_msgs/Odometry part, in vector order. */
export const ODOMETRY_FIELDS = {
  position: { components: ['x', 'y', 'z'], unit: 'm' },
  orientation: { components: ['x', 'y', 'z', 'w'], unit: '1' },
  linear_velocity: { components: ['x', 'y', 'z'], unit: 'm/s' },
  angular_velocity: { components: ['x', 'y', 'z'], unit: 'rad/s' },
} as const;
export type OdometryField = keyof typeof ODOMETRY_FIELDS;

const clip = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo < hi, 'clip: expected [low, high] with low < high');

const jointStateSource = z.strictObject({
  /** Message type. */
  type: z.literal('sensor_msgs/JointState'),
  topic,
  /** Which array of the message: position (rad or m), velocity (rad/s or m/s), effort (N·m or N). */
  field: z.enum(JOINT_FIELDS),
  /** Joint names, in the order they enter the vector; looked up by name in each message. */
  joints: z.array(name).min(1),
  /** Clamp each value into [low, high] before the policy sees it (Gymnasium Hopper clips qvel to ±10). */
  clip: clip.optional(),
  names: names.optional(),
  /** Default: rad, rad/s or N·m by field. */
  units: units.optional(),
});

const imuSource = z.strictObject({
  type: z.literal('sensor_msgs/Imu'),
  topic,
  /** Parts of the message, in vector order: orientation (x, y, z, w), angular_velocity, linear_acceleration. */
  fields: z.array(z.enum(Object.keys(IMU_FIELDS) as [ImuField, ...ImuField[]])).min(1),
  names: names.optional(),
  units: units.optional(),
});

const odometrySource = z.strictObject({
  type: z.literal('nav_msgs/Odometry'),
  topic,
  /** Parts, in vector order: position, orientation (x, y, z, w), linear_velocity, angular_velocity. */
  fields: z.array(z.enum(Object.keys(ODOMETRY_FIELDS) as [OdometryField, ...OdometryField[]])).min(1),
  names: names.optional(),
  units: units.optional(),
});

const observationSource = z.discriminatedUnion('type', [jointStateSource, imuSource, odometrySource]);
export type ObservationSource = z.output<typeof observationSource>;

const limit = z
  .strictObject({
    /** Absolute lower bound of the command (action units). */
    low: z.number(),
    /** Absolute upper bound of the command (action units). */
    high: z.number(),
    /** Largest |command − measured state| per cycle (action units); against the last command without a measurement. */
    max_change: z.number().positive().optional(),
    /** Largest change between consecutive published commands, in action units per second. */
    max_rate: z.number().positive().optional(),
  })
  .refine((l) => l.low <= l.high, { message: 'low must be <= high', path: ['low'] });
export type DimLimit = z.output<typeof limit>;

const safeCommand = z.discriminatedUnion('kind', [
  /** All zeros: zero velocity / zero effort. */
  z.strictObject({ kind: z.literal('zero') }),
  /** The measured joint positions of the action joints (position interface only). */
  z.strictObject({ kind: z.literal('hold_position') }),
  /** A fixed vector, one value per action dimension, within the limits. */
  z.strictObject({ kind: z.literal('fixed'), values: z.array(z.number()).min(1) }),
]);
export type SafeCommand = z.output<typeof safeCommand>;

const ACTION_INTERFACES = ['position', 'velocity', 'effort', 'normalized'] as const;
/** What an action element commands; `normalized` is a unitless actuator control in [-1, 1] (MuJoCo ctrl). */
export type ActionInterface = (typeof ACTION_INTERFACES)[number];

const TWIST_AXES = ['linear.x', 'linear.y', 'linear.z', 'angular.x', 'angular.y', 'angular.z'] as const;
export type TwistAxis = (typeof TWIST_AXES)[number];

const actionCommon = {
  topic,
  /** Per-dimension limits keyed by action element name; every dimension must have one. */
  limits: z.record(name, limit),
  safe_command: safeCommand,
  names: names.optional(),
  units: units.optional(),
  /**
   * JointState topic whose `interface` field is the measured state for the per-step change limit, the first
   * command and `hold_position`. Default: the first JointState observation topic. `none`: no measurement.
   */
  measured_topic: z.union([topic, z.literal('none')]).optional(),
};

const float64Sink = z.strictObject({
  type: z.literal('std_msgs/Float64MultiArray'),
  interface: z.enum(ACTION_INTERFACES),
  joints: z.array(name).min(1),
  ...actionCommon,
});
const trajectorySink = z.strictObject({
  type: z.literal('trajectory_msgs/JointTrajectory'),
  /** Which point field is filled: positions, velocities or effort. */
  interface: z.enum(['position', 'velocity', 'effort'] as const),
  joints: z.array(name).min(1),
  /** time_from_start of the single point, seconds (default: one control period). */
  time_from_start_s: z.number().nonnegative().optional(),
  ...actionCommon,
});
const twistSink = z.strictObject({
  type: z.literal('geometry_msgs/Twist'),
  /** Twist components, in vector order. */
  axes: z.array(z.enum(TWIST_AXES)).min(1),
  ...actionCommon,
});
const actionSink = z.discriminatedUnion('type', [float64Sink, trajectorySink, twistSink]);
export type ActionSink = z.output<typeof actionSink>;

/** The command message types a config knows (action sinks, and teleop commands read like them). */
const COMMAND_TYPES = [
  'std_msgs/Float64MultiArray',
  'trajectory_msgs/JointTrajectory',
  'geometry_msgs/Twist',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/**
 * HG-DAgger takeover during `deploy` (Kelly et al. 2019): a person's teleop commands on their own topic,
 * and a std_msgs/Bool topic saying who drives. While the last takeover message is `true`, the teleop
 * command replaces the policy's action and goes through the same safety envelope; `deploy --corrections
 * FILE` records each (observation, teleop command) pair. The teleop topic must then be fresh like an
 * observation topic, or the safe command is published.
 */
const teleopSection = z.strictObject({
  /** Topic of the person's commands, in the action's elements and units. */
  topic,
  /**
   * Message type of the teleop commands: the action's own type, or std_msgs/Float64MultiArray with one
   * value per action element, in action order.
   */
  type: z.enum(COMMAND_TYPES),
  /**
   * std_msgs/Bool topic: `true` hands the robot to the teleop command, `false` gives it back to the
   * policy. The last message holds (a latch, e.g. a joystick button's state published on change).
   */
  takeover_topic: topic,
  /**
   * How old the last teleop command may be while the person drives before the safe command replaces it;
   * default `teleopTimeout`: the observation timeout, but at least 0.15 s.
   */
  timeout_s: z.number().positive().optional(),
});
export type TeleopSection = z.output<typeof teleopSection>;

/** The robot mapping record, as validated at load. */
export const robotConfigSchema = z
  .strictObject({
    /** Robot name, for logs and spec sources. */
    name,
    description: z.string().optional(),
    /** Control loop rate, Hz: one observation → action cycle per period. */
    control_rate_hz: z.number().positive().max(10000),
    /** An observation older than this is stale, seconds. Default max(3 periods, 50 ms). */
    observation_timeout_s: z.number().positive().optional(),
    /** Fresh, finite cycles in a row before leaving the safe command (default 3). */
    recover_cycles: z.int().positive().default(3),
    /** Non-finite observations or actions in a row before the runner faults and stops (default 10). */
    max_non_finite_in_row: z.int().positive().default(10),
    /** Deadline misses (control-loop overruns) in a row before the runner faults (default 10). */
    max_deadline_misses_in_row: z.int().positive().default(10),
    qos: z
      .strictObject({
        /** QoS of observation subscriptions (default sensor_data). */
        observation: qos.default('sensor_data'),
        /** QoS of the command publisher (default reliable). */
        command: qos.default('reliable'),
      })
      .default({ observation: 'sensor_data', command: 'reliable' }),
    /** Observation sources in vector order. */
    observation: z.array(observationSource).min(1),
    action: actionSink,
    /** Optional: a person may take over during deploy (HG-DAgger); see `teleopSection`. */
    teleop: teleopSection.optional(),
  })
  .superRefine((cfg, ctx) => {
    for (const [i, src] of cfg.observation.entries()) {
      const n = baseSourceNames(src).length;
      if (src.names && src.names.length !== n)
        ctx.addIssue({
          code: 'custom',
          path: ['observation', i, 'names'],
          message: `expected ${n} names (one per element), got ${src.names.length}`,
        });
      if (Array.isArray(src.units) && src.units.length !== n)
        ctx.addIssue({
          code: 'custom',
          path: ['observation', i, 'units'],
          message: `expected ${n} units (one per element), got ${src.units.length}`,
        });
    }
    const act = cfg.action;
    const dims = actionElementNames(act);
    if (act.names && act.names.length !== baseActionNames(act).length)
      ctx.addIssue({
        code: 'custom',
        path: ['action', 'names'],
        message: `expected ${baseActionNames(act).length} names (one per element), got ${act.names.length}`,
      });
    const missing = dims.filter((d) => !Object.hasOwn(act.limits, d));
    const extra = Object.keys(act.limits).filter((d) => !dims.includes(d));
    if (missing.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['action', 'limits'],
        message: `every action dimension needs limits; missing: ${missing.join(', ')}`,
      });
    if (extra.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['action', 'limits'],
        message: `limits for unknown action dimensions: ${extra.join(', ')} (dimensions: ${dims.join(', ')})`,
      });
    const safe = act.safe_command;
    if (safe.kind === 'fixed') {
      if (safe.values.length !== dims.length)
        ctx.addIssue({
          code: 'custom',
          path: ['action', 'safe_command', 'values'],
          message: `expected ${dims.length} values (one per action dimension), got ${safe.values.length}`,
        });
      for (const [i, v] of safe.values.entries()) {
        const l = act.limits[dims[i] ?? ''];
        if (l && !(v >= l.low && v <= l.high))
          ctx.addIssue({
            code: 'custom',
            path: ['action', 'safe_command', 'values', i],
            message: `${v} is outside the limits of ${dims[i]} [${l.low}, ${l.high}]`,
          });
      }
    }
    if (safe.kind === 'zero') {
      for (const d of dims) {
        const l = act.limits[d];
        if (l && !(0 >= l.low && 0 <= l.high))
          ctx.addIssue({
            code: 'custom',
            path: ['action', 'safe_command'],
            message: `zero is outside the limits of ${d} [${l.low}, ${l.high}]; use kind: fixed`,
          });
      }
    }
    if (safe.kind === 'hold_position') {
      if (act.type === 'geometry_msgs/Twist' || act.interface !== 'position')
        ctx.addIssue({
          code: 'custom',
          path: ['action', 'safe_command'],
          message: 'hold_position needs a position interface (joints commanded in position)',
        });
      if (measuredTopic(cfg) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['action', 'measured_topic'],
          message: 'hold_position needs a measured JointState topic (none configured)',
        });
    }
    const mt = act.measured_topic;
    if (mt !== undefined && mt !== 'none' && act.type === 'geometry_msgs/Twist')
      ctx.addIssue({
        code: 'custom',
        path: ['action', 'measured_topic'],
        message: 'a Twist command has no joint measurement; remove measured_topic',
      });
    const teleop = cfg.teleop;
    if (teleop) {
      if (teleop.type !== act.type && teleop.type !== 'std_msgs/Float64MultiArray')
        ctx.addIssue({
          code: 'custom',
          path: ['teleop', 'type'],
          message: `a teleop command carries the action's elements (${dims.join(', ')}): expected ${act.type === 'std_msgs/Float64MultiArray' ? act.type : `${act.type} (the action's type) or std_msgs/Float64MultiArray`}, got ${teleop.type}`,
        });
      const inputs = new Set([...cfg.observation.map((o) => o.topic), measuredTopic(cfg)]);
      const clash = (field: 'topic' | 'takeover_topic', t: string) => {
        const what =
          t === act.topic
            ? 'the action topic, where deploy publishes its own commands'
            : inputs.has(t)
              ? 'an observation topic'
              : field === 'takeover_topic' && t === teleop.topic
                ? 'the teleop command topic'
                : undefined;
        if (what !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['teleop', field],
            message: `${t} is ${what}; give the ${field === 'topic' ? 'teleop commands' : 'takeover signal'} a topic of their own`,
          });
      };
      clash('topic', teleop.topic);
      clash('takeover_topic', teleop.takeover_topic);
    }
  });

/** The validated robot config. */
export type RobotConfig = z.output<typeof robotConfigSchema>;

/** Action element names before any `names` override: joint names, or Twist axes. */
function baseActionNames(act: ActionSink): readonly string[] {
  return act.type === 'geometry_msgs/Twist' ? act.axes : act.joints;
}

/** Action element names as they appear in the spec and in `limits`. */
export function actionElementNames(act: ActionSink): readonly string[] {
  return act.names ?? baseActionNames(act);
}

/** Observation element names of a source: its `names`, else the defaults of `baseSourceNames`. */
export function sourceElementNames(src: ObservationSource): readonly string[] {
  return src.names ?? baseSourceNames(src);
}

/** Default element names, as the simulator names qpos and qvel (sim/task.ts): `joint`, `joint.vel`, `joint.effort`; `imu.part.x`, `odom.part.x`. */
function baseSourceNames(src: ObservationSource): readonly string[] {
  switch (src.type) {
    case 'sensor_msgs/JointState': {
      const suffix = { position: '', velocity: '.vel', effort: '.effort' }[src.field];
      return src.joints.map((j) => `${j}${suffix}`);
    }
    case 'sensor_msgs/Imu':
      return src.fields.flatMap((f) => IMU_FIELDS[f].components.map((c) => `imu.${f}.${c}`));
    case 'nav_msgs/Odometry':
      return src.fields.flatMap((f) => ODOMETRY_FIELDS[f].components.map((c) => `odom.${f}.${c}`));
  }
}

function sourceUnits(src: ObservationSource): readonly string[] {
  const n = sourceElementNames(src).length;
  if (Array.isArray(src.units)) return src.units;
  if (typeof src.units === 'string') return Array(n).fill(src.units);
  switch (src.type) {
    case 'sensor_msgs/JointState':
      return Array(n).fill(DEFAULT_JOINT_UNITS[src.field]);
    case 'sensor_msgs/Imu':
      return src.fields.flatMap((f) => IMU_FIELDS[f].components.map(() => IMU_FIELDS[f].unit));
    case 'nav_msgs/Odometry':
      return src.fields.flatMap((f) => ODOMETRY_FIELDS[f].components.map(() => ODOMETRY_FIELDS[f].unit));
  }
}

function actionUnits(act: ActionSink): readonly string[] {
  const n = actionElementNames(act).length;
  if (Array.isArray(act.units)) return act.units;
  if (typeof act.units === 'string') return Array(n).fill(act.units);
  if (act.type === 'geometry_msgs/Twist')
    return act.axes.map((a) => (a.startsWith('linear') ? 'm/s' : 'rad/s'));
  const unit = { position: 'rad', velocity: 'rad/s', effort: 'N·m', normalized: '1' }[act.interface];
  return Array(n).fill(unit);
}

/**
 * The JointState topic measuring the action joints (for the change limit, first command and
 * hold_position), or undefined when there is none (Twist, or `measured_topic: none`).
 */
export function measuredTopic(cfg: RobotConfig): string | undefined {
  const act = cfg.action;
  if (act.type === 'geometry_msgs/Twist' || act.measured_topic === 'none') return undefined;
  if (act.measured_topic !== undefined) return act.measured_topic;
  return cfg.observation.find((s) => s.type === 'sensor_msgs/JointState')?.topic;
}

/**
 * The action sink a teleop command is read as: the action's own (on the teleop topic), or, for
 * std_msgs/Float64MultiArray, one value per action element in action order. Undefined without `teleop`.
 */
export function teleopSink(cfg: RobotConfig): ActionSink | undefined {
  const teleop = cfg.teleop;
  if (!teleop) return undefined;
  if (teleop.type === cfg.action.type) return { ...cfg.action, topic: teleop.topic };
  return {
    type: 'std_msgs/Float64MultiArray',
    interface: 'normalized',
    joints: [...actionElementNames(cfg.action)],
    topic: teleop.topic,
    limits: cfg.action.limits,
    safe_command: cfg.action.safe_command,
  };
}

/** Seconds after which an observation is stale: the configured timeout, else max(3 periods, 50 ms). */
export function observationTimeout(cfg: RobotConfig): number {
  return cfg.observation_timeout_s ?? Math.max(3 / cfg.control_rate_hz, 0.05);
}

/**
 * Seconds a teleop command stays valid during a takeover: `teleop.timeout_s`, else the observation
 * timeout but at least 0.15 s. Teleop comes at a person's device rate, not the robot's: ROS's `joy` node
 * repeats a held stick at 20 Hz by default, and on the real graph a 20 Hz teleop against the 125 Hz
 * simulated Hopper (observation timeout 50 ms, one teleop period) flapped between takeover and the safe
 * command 13 times in 10 s. 0.15 s is three such periods (twist_mux, for comparison, defaults to 0.5 s).
 */
export function teleopTimeout(cfg: RobotConfig): number {
  return cfg.teleop?.timeout_s ?? Math.max(observationTimeout(cfg), 0.15);
}

/** Per-dimension limits in action order (validated to exist for every dimension). */
export function actionLimits(cfg: RobotConfig): readonly DimLimit[] {
  return actionElementNames(cfg.action).map((d) => {
    const l = cfg.action.limits[d];
    if (!l) throw new GailBridgeError('config', `robot ${cfg.name}: action.limits.${d} is missing`);
    return l;
  });
}

/** The core Spec of the robot: observation and action layouts, bounds from the limits, control rate. */
export function robotSpec(cfg: RobotConfig, configPath: string = cfg.name): Spec {
  const limits = actionLimits(cfg);
  return {
    observation: makeSpaceSpec({
      names: cfg.observation.flatMap((s) => [...sourceElementNames(s)]),
      units: cfg.observation.flatMap((s) => [...sourceUnits(s)]),
      low: cfg.observation.flatMap((s) =>
        sourceElementNames(s).map(() =>
          s.type === 'sensor_msgs/JointState' && s.clip ? s.clip[0] : -Infinity,
        ),
      ),
      high: cfg.observation.flatMap((s) =>
        sourceElementNames(s).map(() =>
          s.type === 'sensor_msgs/JointState' && s.clip ? s.clip[1] : Infinity,
        ),
      ),
    }),
    action: makeSpaceSpec({
      names: [...actionElementNames(cfg.action)],
      units: [...actionUnits(cfg.action)],
      low: limits.map((l) => l.low),
      high: limits.map((l) => l.high),
    }),
    controlRateHz: cfg.control_rate_hz,
    source: { kind: 'robot', config: configPath },
    producer: PRODUCER,
  };
}

/** Validates a robot config from YAML text; errors name the file, field path and line. */
export function parseRobotConfig(text: string, file: string): RobotConfig {
  return parseYamlConfig(text, file, robotConfigSchema);
}

/** Loads and validates `config/robots/NAME.yaml` (or any path). */
export function loadRobotConfig(file: string): RobotConfig {
  return loadYamlConfig(file, robotConfigSchema);
}

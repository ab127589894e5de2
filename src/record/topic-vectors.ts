/**
 * What the recorder reads from ROS 2, by the robot mapping config: the observation from its source
 * topics and the action from the command topic the teleop publishes on (the config's action sink read
 * backwards). The reading itself is src/ros/mapping.ts, shared with deploy and the sim node; this adds
 * the topic list with roles and a check of each message as it arrives, so an unreadable message is
 * reported with its topic when it comes, not at some later tick.
 */
import { actionElementNames, type RobotConfig } from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { actionFromCommand, ObservationMapper, ROS_TYPE } from '../ros/mapping.js';

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
    const type = ROS_TYPE[src.type];
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
  out.push({ topic, type: ROS_TYPE[cfg.action.type], role: 'action' });
  return out;
}

/** Reads observation and action vectors (float32, as demo files store them) from the newest messages. */
export class StepReader {
  readonly obsDim: number;
  readonly actDim: number;
  readonly #cfg: RobotConfig;
  readonly #actionTopic: string;
  readonly #mapper: ObservationMapper;
  /** One mapper per observation topic, over only that topic's sources, to check a message alone. */
  readonly #perTopic = new Map<string, ObservationMapper>();
  readonly #obs64: Float64Array;

  constructor(cfg: RobotConfig, actionTopic?: string) {
    this.#cfg = cfg;
    this.#actionTopic = actionTopic ?? cfg.action.topic;
    this.#mapper = new ObservationMapper(cfg);
    this.obsDim = this.#mapper.dim;
    this.#obs64 = new Float64Array(this.obsDim);
    for (const t of recordTopics(cfg, actionTopic)) {
      if (t.role !== 'observation') continue;
      const only = { ...cfg, observation: cfg.observation.filter((s) => s.topic === t.topic) };
      this.#perTopic.set(t.topic, new ObservationMapper(only));
    }
    this.actDim = actionElementNames(cfg.action).length;
  }

  /**
   * Throws a `ros` error naming the topic when `msg` cannot be read (a configured joint missing, an
   * array of the wrong length, a malformed command).
   */
  check(topic: string, msg: unknown): void {
    if (topic === this.#actionTopic) {
      this.action(msg);
      return;
    }
    const mapper = this.#perTopic.get(topic);
    if (!mapper) return;
    try {
      mapper.observe(new Map([[topic, msg]]), new Float64Array(mapper.dim));
    } catch (err) {
      if (err instanceof GailBridgeError) throw err;
      throw new GailBridgeError('ros', `topic ${topic}: cannot read the message (${String(err)})`, {
        cause: err,
      });
    }
  }

  /** The observation from the newest message of every observation topic. */
  observation(latest: ReadonlyMap<string, unknown>): Float32Array {
    this.#mapper.observe(latest, this.#obs64);
    return Float32Array.from(this.#obs64);
  }

  /** The action a command message carries. */
  action(msg: unknown): Float32Array {
    const sink = { ...this.#cfg.action, topic: this.#actionTopic };
    if (msg === null || typeof msg !== 'object')
      throw new GailBridgeError('ros', `topic ${this.#actionTopic}: no command received`);
    try {
      return Float32Array.from(actionFromCommand(sink, msg));
    } catch (err) {
      if (err instanceof GailBridgeError) throw err;
      throw new GailBridgeError(
        'ros',
        `topic ${this.#actionTopic}: cannot read the command (${String(err)})`,
        {
          cause: err,
        },
      );
    }
  }
}

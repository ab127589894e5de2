/**
 * ROS 2 as a rollout source (DESIGN "ROS 2 as a rollout source"): a `BatchEnv` over the Bus with one env
 * per robot or simulator namespace, so the same envSource → collector → trainer learns from simulator
 * nodes in other processes or on other hosts (DDS), or from a robot.
 *
 * Each env is one robot mapping config (config/robots/*.yaml) under a namespace: its topics are the
 * config's with `/<namespace>` in front. Observations come from the mapped topics; actions go out through
 * the same `SafetyEnvelope` as deploy's, never around it. Two timings:
 *
 * - **lock-step** (simulator nodes, `gail-bridge sim --ros`): the learner advances each simulator one env
 *   step per command and reads the step's state, reward and end from its `gail_bridge_msgs/SimStep`
 *   stream (`~/steps`), which also carries the final state of an episode; resets go through the
 *   simulator's `~/reset` service. A run is then independent of wall clock and reproducible with the
 *   simulators' seeds, and N simulators step side by side.
 * - **real time** (robots): every control period the command goes out and the newest observation is read
 *   at the next tick; episode ends come from the robot's EpisodeEvent topic (terminated vs truncated as
 *   the robot says); an input silent past the observation timeout ends the episode `interrupted`, which
 *   is never learned from; a new episode starts when the robot (or a person, through its record-style
 *   Trigger services) says so with a `started` event.
 *
 * Faults: a node that stops answering mid-round ends its open episode `interrupted`; the learner goes on
 * with the rest and says so; it joins again at a later step once its services answer. A simulator whose
 * spec (observation and action names) differs from the first one's is refused with the difference.
 */
import { QOS_PRESETS, resolveQos } from '../config/qos.js';
import { actionLimits, observationTimeout, type RobotConfig } from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { SafetyEnvelope } from '../deploy/envelope.js';
import {
  BRIDGE_MSG_TYPES,
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
  type SimStepMsg,
} from '../ros/bridge-msgs.js';
import type { Bus, Publisher, ServiceClient } from '../ros/bus.js';
import { commandMessage, configTopics, ObservationMapper } from '../ros/mapping.js';
import type { JointState } from '../ros/messages.js';
import { namespacePrefix, type SimSpecMsg, simNodeNames } from '../ros/sim-node.js';
import type { BatchEnv, BatchStepResult } from './env-source.js';
import { END_CODES, type EndCode } from './step-batch.js';

/** How a ROS 2 env advances: one env step per command (simulators) or at the control rate (robots). */
export type RosTiming = 'lockstep' | 'realtime';

export interface RosEnvOptions {
  readonly bus: Bus;
  /** The robot mapping config every env shares. */
  readonly config: RobotConfig;
  /** One env per namespace ('' for none: the config's topics as they are). */
  readonly namespaces: readonly string[];
  readonly timing: RosTiming;
  /** Lock-step: the simulator node's name (its ~/steps, ~/reset, ~/spec); default gail_bridge_sim. */
  readonly simNode?: string;
  /** Lock-step: a simulator that does not answer a command within this long is taken as gone; 5000 ms. */
  readonly stepTimeoutMs?: number;
  /** How long reset() waits for at least one env to answer; default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /**
   * Real time: the EpisodeEvent topic under each namespace that opens and ends episodes (default: the
   * simulator node's, `/<ns>/<simNode>/episode_events`; a robot's driver or teleop node may publish its
   * own). A person can also use the learner's Trigger services `/<ns>/gail_bridge_train/start|done|stop`.
   */
  readonly eventsTopic?: string;
  /** Real time: how long to wait for an episode to start before the env counts as gone; 60 000 ms. */
  readonly episodeStartTimeoutMs?: number;
  /** Progress and fault lines (default: none). */
  readonly log?: (line: string) => void;
  /** Wall clock in ms (tests inject one); default performance.now. */
  readonly now?: () => number;
  /** Waits `ms` (tests inject one); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const EPISODE_ENDS_BY_CODE: Readonly<Record<number, EndCode>> = {
  [EPISODE_EVENT_ENDS.terminated]: END_CODES.terminated,
  [EPISODE_EVENT_ENDS.truncated]: END_CODES.truncated,
  [EPISODE_EVENT_ENDS.diverged]: END_CODES.diverged,
  [EPISODE_EVENT_ENDS.interrupted]: END_CODES.interrupted,
};

/** What one env delivers for one step. */
interface EnvStep {
  readonly nextObs: Float64Array;
  readonly obs: Float64Array;
  readonly reward: number;
  readonly end: EndCode;
}

/** The topics of `config` under `namespace` (every absolute topic name gets the prefix). */
export function namespacedConfig(config: RobotConfig, namespace: string): RobotConfig {
  const p = namespacePrefix(namespace);
  if (p === '') return config;
  const t = (topic: string): string => `${p}${topic.startsWith('/') ? topic : `/${topic}`}`;
  return {
    ...config,
    observation: config.observation.map((s) => ({ ...s, topic: t(s.topic) })),
    action: {
      ...config.action,
      topic: t(config.action.topic),
      ...(config.action.measured_topic && config.action.measured_topic !== 'none'
        ? { measured_topic: t(config.action.measured_topic) }
        : {}),
    },
  } as RobotConfig;
}

/** One robot or simulator: its command publisher, envelope state and observation mapping. */
abstract class RobotLink {
  readonly name: string;
  alive = false;
  /** Refused for good (its spec differs from the others'): never retried. */
  refused = false;
  protected readonly cfg: RobotConfig;
  protected readonly mapper: ObservationMapper;
  protected readonly envelope: SafetyEnvelope;
  protected readonly command: Float64Array;
  protected readonly measured: Float64Array;
  protected lastCommand: Float64Array | undefined;
  protected readonly commandPub: Publisher<Record<string, unknown>>;
  /** The last observation handed out (what a dead env repeats). */
  lastObs: Float64Array;

  constructor(
    protected readonly o: RosEnvOptions,
    readonly namespace: string,
  ) {
    this.name = namespace === '' ? '(no namespace)' : `/${namespace.replace(/^\/+|\/+$/g, '')}`;
    this.cfg = namespacedConfig(o.config, namespace);
    this.mapper = new ObservationMapper(this.cfg);
    this.envelope = new SafetyEnvelope(actionLimits(this.cfg), 1 / this.cfg.control_rate_hz);
    this.command = new Float64Array(this.envelope.dim);
    this.measured = new Float64Array(this.mapper.measuredDim);
    this.lastObs = new Float64Array(this.mapper.dim);
    this.commandPub = o.bus.publisher(
      this.cfg.action.topic,
      COMMAND_TYPES[this.cfg.action.type],
      resolveQos(this.cfg.qos.command),
    ) as Publisher<Record<string, unknown>>;
  }

  /** Publishes `action` through the safety envelope (measured state as the change reference). */
  protected send(action: ArrayLike<number>, latest: ReadonlyMap<string, unknown> | undefined): void {
    let measuredOk = false;
    if (latest) {
      try {
        measuredOk = this.mapper.measure(latest, this.measured);
      } catch {
        measuredOk = false;
      }
    }
    const finite = this.envelope.applyInto(
      action,
      measuredOk ? this.measured : undefined,
      this.lastCommand,
      this.command,
      new Uint8Array(this.envelope.dim),
    );
    // A non-finite action never leaves: the robot keeps its last command (lock-step: it waits).
    if (!finite)
      throw new GailBridgeError(
        'nonFinite',
        `${this.name}: the policy's action is not finite; nothing was sent`,
      );
    this.commandPub.publish(
      commandMessage(
        this.cfg.action,
        this.command,
        this.o.bus.clock.now(),
        1 / this.cfg.control_rate_hz,
      ) as Record<string, unknown>,
    );
    this.lastCommand ??= new Float64Array(this.command.length);
    this.lastCommand.set(this.command);
  }

  protected observe(latest: ReadonlyMap<string, unknown>): Float64Array {
    const out = new Float64Array(this.mapper.dim);
    this.mapper.observe(latest, out);
    return out;
  }

  abstract start(): Promise<Float64Array | undefined>;
  abstract step(action: ArrayLike<number>): Promise<EnvStep | undefined>;
  /** True when the env may answer again (a gone env is retried then). */
  abstract reachable(): boolean;
  dispose(): void {
    this.commandPub.dispose();
  }
}

const COMMAND_TYPES: Readonly<Record<RobotConfig['action']['type'], string>> = {
  'std_msgs/Float64MultiArray': 'std_msgs/msg/Float64MultiArray',
  'trajectory_msgs/JointTrajectory': 'trajectory_msgs/msg/JointTrajectory',
  'geometry_msgs/Twist': 'geometry_msgs/msg/Twist',
};

/** A simulator node in lock-step: SimStep stream, reset service, spec. */
class LockstepLink extends RobotLink {
  private readonly queue: SimStepMsg[] = [];
  private waiter: (() => void) | undefined;
  private readonly reset: ServiceClient<Record<string, never>, { success: boolean; message: string }>;
  private readonly subs: { unsubscribe(): void }[] = [];
  private episode = -1;
  private stepIndex = 0;
  spec: SimSpecMsg | undefined;
  private readonly obsTopics: readonly string[];

  constructor(o: RosEnvOptions, namespace: string) {
    super(o, namespace);
    for (const s of o.config.observation)
      if (s.type !== 'sensor_msgs/JointState')
        throw new GailBridgeError(
          'config',
          `robot ${o.config.name}: lock-step reads the observation from the simulator's SimStep (a JointState); ` +
            `observation topic ${s.topic} is ${s.type}: use real-time timing for it`,
        );
    this.obsTopics = [...new Set(this.cfg.observation.map((s) => s.topic))];
    const names = simNodeNames(o.simNode ?? 'gail_bridge_sim', namespace);
    this.subs.push(
      o.bus
        .subscribe(names.steps, BRIDGE_MSG_TYPES.simStep, {
          depth: 1000,
          reliability: 'reliable',
          durability: 'volatile',
        })
        .subscribe((m) => {
          this.queue.push(m);
          this.waiter?.();
        }),
      o.bus.subscribe(names.spec, 'std_msgs/msg/String', QOS_PRESETS.transient_local).subscribe((m) => {
        try {
          this.spec = JSON.parse(m.data) as SimSpecMsg;
        } catch {
          o.log?.(`ros env: ${this.name}: unreadable spec ${m.data.slice(0, 80)}`);
        }
      }),
    );
    this.reset = o.bus.serviceClient(names.reset, 'std_srvs/srv/Trigger');
  }

  /** The latest-message map the mapper reads, from a SimStep's joint state. */
  private latestOf(state: JointState): Map<string, unknown> {
    return new Map(this.obsTopics.map((t) => [t, state]));
  }

  /** The next queued SimStep that `accept` takes (older ones dropped), or undefined after `timeoutMs`. */
  private async next(accept: (m: SimStepMsg) => boolean, timeoutMs: number): Promise<SimStepMsg | undefined> {
    const now = this.o.now ?? (() => performance.now());
    const deadline = now() + timeoutMs;
    for (;;) {
      while (this.queue.length > 0) {
        const m = this.queue.shift()!;
        if (accept(m)) return m;
      }
      const left = deadline - now();
      if (left <= 0) return undefined;
      // A simulator that shut down (Ctrl-C under ros2 launch reaches it too) takes its reset service
      // with it: checked every 100 ms, so the learner does not wait out the whole timeout for it.
      if (timeoutMs - left >= 100 && !this.reset.isServiceAvailable()) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** Resets the simulator and returns the first observation; undefined when it does not answer. */
  async start(): Promise<Float64Array | undefined> {
    const timeout = this.o.stepTimeoutMs ?? 5000;
    if (!(await this.reset.waitForService(Math.min(timeout, 1000)))) return undefined;
    let res: { success: boolean; message: string };
    try {
      res = await this.reset.call({}, timeout);
    } catch {
      return undefined;
    }
    const episode = Number(/episode (\d+) started/.exec(res.message)?.[1]);
    if (!res.success || !Number.isInteger(episode)) return undefined;
    const first = await this.next((m) => m.episode === episode && m.step === 0, timeout);
    if (!first) return undefined;
    this.episode = first.episode;
    this.stepIndex = 0;
    this.alive = true;
    this.lastObs = this.observe(this.latestOf(first.state));
    return this.lastObs;
  }

  async step(action: ArrayLike<number>): Promise<EnvStep | undefined> {
    const timeout = this.o.stepTimeoutMs ?? 5000;
    this.send(action, undefined);
    const want = this.stepIndex + 1;
    const episode = this.episode;
    const m = await this.next((x) => x.episode === episode && x.step === want, timeout);
    if (!m) return undefined;
    const nextObs = this.observe(this.latestOf(m.state));
    if (m.end === EPISODE_EVENT_ENDS.none) {
      this.stepIndex = want;
      this.lastObs = nextObs;
      return { nextObs, obs: nextObs, reward: m.reward, end: END_CODES.none };
    }
    // The episode ended at this final state; the simulator has reset: its next SimStep is step 0.
    const first = await this.next((x) => x.episode > episode && x.step === 0, timeout);
    if (!first) return undefined;
    this.episode = first.episode;
    this.stepIndex = 0;
    this.lastCommand = undefined;
    this.lastObs = this.observe(this.latestOf(first.state));
    return {
      nextObs,
      obs: this.lastObs,
      reward: m.reward,
      end: EPISODE_ENDS_BY_CODE[m.end] ?? END_CODES.interrupted,
    };
  }

  /** True when the simulator's reset service answers (it may have come back). */
  reachable(): boolean {
    return this.reset.isServiceAvailable();
  }

  override dispose(): void {
    for (const s of this.subs) s.unsubscribe();
    this.reset.dispose();
    super.dispose();
  }
}

/**
 * A robot in real time: commands at the control rate, the newest observation at the next tick, episode
 * ends from EpisodeEvents (or the learner's start/done/stop services), silence past the observation
 * timeout ends the episode `interrupted`. Between episodes the config's safe command is published every
 * period, as deploy does, until the next episode starts.
 */
class RealtimeLink extends RobotLink {
  private readonly latest = new Map<string, unknown>();
  private readonly receivedAt = new Map<string, number>();
  private readonly topics: readonly { topic: string; type: string }[];
  private readonly subs: { unsubscribe(): void }[] = [];
  private readonly servers: { dispose(): void }[] = [];
  private readonly periodMs: number;
  private readonly timeoutMs: number;
  private nextTick = 0;
  /** Events since the last step, in order: the robot's or the start/done/stop services'. */
  private pending: { kind: 'started' | 'ended'; end: EndCode }[] = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: RosEnvOptions, namespace: string) {
    super(o, namespace);
    this.now = o.now ?? (() => performance.now());
    this.sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    this.periodMs = 1000 / this.cfg.control_rate_hz;
    this.timeoutMs = observationTimeout(this.cfg) * 1000;
    this.topics = configTopics(this.cfg);
    const qos = resolveQos(this.cfg.qos.observation);
    for (const t of this.topics)
      this.subs.push(
        o.bus.subscribe(t.topic, t.type, qos).subscribe((m) => {
          this.latest.set(t.topic, m);
          this.receivedAt.set(t.topic, this.now());
        }),
      );
    const p = namespacePrefix(namespace);
    const events = o.eventsTopic
      ? `${p}${o.eventsTopic}`
      : simNodeNames(o.simNode ?? 'gail_bridge_sim', namespace).events;
    this.subs.push(
      o.bus.subscribe(events, BRIDGE_MSG_TYPES.episodeEvent, QOS_PRESETS.reliable).subscribe((e) => {
        if (e.event === EPISODE_EVENT_KINDS.started)
          this.pending.push({ kind: 'started', end: END_CODES.none });
        else if (e.event === EPISODE_EVENT_KINDS.ended)
          this.pending.push({ kind: 'ended', end: EPISODE_ENDS_BY_CODE[e.end] ?? END_CODES.interrupted });
        else if (e.event === EPISODE_EVENT_KINDS.discarded)
          this.pending.push({ kind: 'ended', end: END_CODES.interrupted });
      }),
    );
    const service = (verb: string, kind: 'started' | 'ended', end: EndCode, message: string) =>
      o.bus.serviceServer(`${p}/gail_bridge_train/${verb}`, 'std_srvs/srv/Trigger', () => {
        this.pending.push({ kind, end });
        return { success: true, message };
      });
    this.servers.push(
      service('start', 'started', END_CODES.none, 'episode starts'),
      service('done', 'ended', END_CODES.terminated, 'episode ends terminated (the task was done)'),
      service('stop', 'ended', END_CODES.truncated, 'episode ends truncated (stopped)'),
    );
  }

  private fresh(): boolean {
    const t = this.now();
    return this.topics.every((x) => {
      const r = this.receivedAt.get(x.topic);
      return r !== undefined && t - r < this.timeoutMs;
    });
  }

  /** The safe command, once (the learner's update is about to block the loop). */
  holdSafe(): void {
    this.sendSafe();
  }

  /** The safe command, once (zero, fixed, or the last measured position), as deploy sends it. */
  private sendSafe(): void {
    const safe = this.cfg.action.safe_command;
    const v = new Float64Array(this.envelope.dim);
    if (safe.kind === 'fixed') v.set(safe.values);
    else if (safe.kind === 'hold_position') {
      let measured = false;
      try {
        measured = this.mapper.measure(this.latest, this.measured);
      } catch {
        measured = false;
      }
      if (!measured) return;
      v.set(this.measured);
    }
    for (let i = 0; i < v.length; i++) {
      const l = this.envelope.limits[i]!;
      v[i] = Math.min(l.high, Math.max(l.low, v[i]!));
    }
    this.commandPub.publish(
      commandMessage(this.cfg.action, v, this.o.bus.clock.now(), 1 / this.cfg.control_rate_hz) as Record<
        string,
        unknown
      >,
    );
    this.lastCommand = undefined;
  }

  /** Waits, sending the safe command every period, until an episode starts with fresh input. */
  private async awaitEpisode(): Promise<Float64Array | undefined> {
    const deadline = this.now() + (this.o.episodeStartTimeoutMs ?? 60_000);
    for (;;) {
      const started = this.pending.findIndex((e) => e.kind === 'started');
      if (started >= 0 && this.fresh()) {
        this.pending = this.pending.slice(started + 1);
        this.alive = true;
        this.nextTick = this.now() + this.periodMs;
        this.lastObs = this.observe(this.latest);
        return this.lastObs;
      }
      if (this.now() >= deadline) return undefined;
      this.sendSafe();
      await this.sleep(this.periodMs);
    }
  }

  start(): Promise<Float64Array | undefined> {
    // A robot already in an episode (its `started` came before we listened) is taken as started.
    if (this.fresh() && !this.pending.some((e) => e.kind === 'started'))
      this.pending.push({ kind: 'started', end: END_CODES.none });
    return this.awaitEpisode();
  }

  async step(action: ArrayLike<number>): Promise<EnvStep | undefined> {
    this.send(action, this.latest);
    const wait = this.nextTick - this.now();
    if (wait > 0) await this.sleep(wait);
    this.nextTick = Math.max(this.nextTick + this.periodMs, this.now());
    const ended = this.pending.find((e) => e.kind === 'ended');
    const stale = !this.fresh();
    if (!ended && !stale) {
      this.lastObs = this.observe(this.latest);
      return { nextObs: this.lastObs, obs: this.lastObs, reward: 0, end: END_CODES.none };
    }
    // The episode ended (as the robot says), or its input went silent: interrupted, never learned from.
    const nextObs = stale ? this.lastObs : this.observe(this.latest);
    const end = stale ? END_CODES.interrupted : ended!.end;
    // Events up to and with this end are spent; a `started` after it opens the next episode.
    this.pending = ended ? this.pending.slice(this.pending.indexOf(ended) + 1) : [];
    const obs = await this.awaitEpisode();
    if (!obs) return undefined;
    return { nextObs, obs, reward: 0, end };
  }

  reachable(): boolean {
    return this.fresh();
  }

  override dispose(): void {
    for (const s of this.subs) s.unsubscribe();
    for (const s of this.servers) s.dispose();
    super.dispose();
  }
}

/**
 * N robots or simulators as one `BatchEnv` (see the file comment). The env's spec is the robot config's;
 * every env must answer `reset` within the start timeout or it starts as gone (joining later).
 */
export class RosBatchEnv implements BatchEnv {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  private readonly links: RobotLink[];
  private disposed = false;
  /** Lines said about faults and joins, for the trainer's log (and tests). */
  readonly events: string[] = [];

  constructor(private readonly o: RosEnvOptions) {
    if (o.namespaces.length === 0)
      throw new GailBridgeError('config', 'ros env: at least one namespace (or "" for none) is needed');
    if (new Set(o.namespaces).size !== o.namespaces.length)
      throw new GailBridgeError('config', `ros env: namespaces repeat: ${o.namespaces.join(', ')}`);
    this.links = o.namespaces.map((ns) =>
      o.timing === 'lockstep' ? new LockstepLink(o, ns) : new RealtimeLink(o, ns),
    );
    const mapper = new ObservationMapper(o.config);
    this.numEnvs = this.links.length;
    this.obsDim = mapper.dim;
    this.actDim = actionLimits(o.config).length;
  }

  private say(line: string): void {
    this.events.push(line);
    this.o.log?.(`ros env: ${line}`);
  }

  /**
   * Runs `f` for `l`; an error (its messages cannot be read with the robot config: a missing joint, a
   * short array) refuses that env with the error, instead of stopping the whole run.
   */
  private async guard<T>(l: RobotLink, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof GailBridgeError)) throw err;
      l.alive = false;
      l.refused = true;
      this.say(`${l.name} refused: ${err.message}`);
      return undefined;
    }
  }

  /** A spec that differs from the first live env's is refused: that env counts as gone. */
  private checkSpecs(): void {
    const links = this.links.filter((l): l is LockstepLink => l instanceof LockstepLink && l.alive);
    const ref = links.find((l) => l.spec !== undefined);
    for (const l of links) {
      if (!l.spec || !ref?.spec || l === ref) continue;
      const diff = specDifference(ref.spec, l.spec);
      if (diff) {
        l.alive = false;
        l.refused = true;
        this.say(`${l.name} refused: its spec differs from ${ref.name}'s (${diff})`);
      }
    }
  }

  async reset(): Promise<Float32Array> {
    const now = this.o.now ?? (() => performance.now());
    const deadline = now() + (this.o.startTimeoutMs ?? 30_000);
    const out = new Float32Array(this.numEnvs * this.obsDim);
    let first: (Float64Array | undefined)[] = [];
    for (;;) {
      first = await Promise.all(
        this.links.map((l) =>
          l.alive ? Promise.resolve(l.lastObs) : l.refused ? undefined : this.guard(l, () => l.start()),
        ),
      );
      if (first.some((x) => x !== undefined) || now() >= deadline) break;
      await (this.o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(250);
    }
    if (first.every((x) => x === undefined))
      throw new GailBridgeError(
        'ros',
        `ros env: no simulator answered on ${this.links.map((l) => l.name).join(', ')} within ${((this.o.startTimeoutMs ?? 30_000) / 1000).toFixed(0)} s; ` +
          'start them (gail-bridge sim --task T --ros [--namespace NAME]) with gail_bridge_msgs built and sourced',
      );
    this.checkSpecs();
    this.links.forEach((l, i) => {
      if (!l.alive && !l.refused)
        this.say(`${l.name} did not answer; going on without it (it joins when it does)`);
      out.set(l.alive ? l.lastObs : new Float64Array(this.obsDim), i * this.obsDim);
    });
    return out;
  }

  async step(actions: Float32Array): Promise<BatchStepResult> {
    const N = this.numEnvs;
    const nextObs = new Float32Array(N * this.obsDim);
    const obs = new Float32Array(N * this.obsDim);
    const rewards = new Float32Array(N);
    const ends = new Uint8Array(N);
    const results = await Promise.all(
      this.links.map(async (l, i) => {
        if (!l.alive) return undefined;
        return this.guard(l, () => l.step(actions.subarray(i * this.actDim, (i + 1) * this.actDim)));
      }),
    );
    if (results.every((r) => r === undefined) && this.links.every((l) => !l.reachable()))
      throw new GailBridgeError(
        'ros',
        `every env stopped answering (${this.links.map((l) => l.name).join(', ')}): nothing left to collect from; ` +
          'are the simulators (or robots) still running, on this ROS_DOMAIN_ID?',
      );
    for (let i = 0; i < N; i++) {
      const l = this.links[i]!;
      const r = results[i];
      if (r) {
        nextObs.set(r.nextObs, i * this.obsDim);
        obs.set(r.obs, i * this.obsDim);
        rewards[i] = r.reward;
        ends[i] = r.end;
        continue;
      }
      // Gone (now or before): its open episode is interrupted (left out); it rejoins once reachable.
      if (l.alive) {
        l.alive = false;
        const live = this.links.filter((x) => x.alive).length;
        this.say(
          `${l.name} stopped answering (${((this.o.stepTimeoutMs ?? 5000) / 1000).toFixed(1)} s without a step): ` +
            `its open episode is left out; going on with ${live} of ${N}`,
        );
      }
      ends[i] = END_CODES.interrupted;
      nextObs.set(l.lastObs, i * this.obsDim);
      obs.set(l.lastObs, i * this.obsDim);
      if (!l.refused && l.reachable()) {
        const back = await this.guard(l, () => l.start());
        if (back) {
          this.checkSpecs();
          if (l.alive) {
            this.say(`${l.name} answers again: it joins`);
            obs.set(back, i * this.obsDim);
          }
        }
      }
    }
    return { nextObs, obs, rewards, ends };
  }

  /**
   * Real time: puts every robot on its safe command now, before the learner's update blocks the loop
   * (a forward command controller would otherwise apply the last policy command for the whole update).
   * The next `step` commands them again. Lock-step simulators wait anyway: nothing to do.
   */
  holdSafe(): void {
    for (const l of this.links) if (l instanceof RealtimeLink && l.alive) l.holdSafe();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.links) l.dispose();
  }
}

/** What differs between two simulators' specs ('' when nothing does). */
export function specDifference(a: SimSpecMsg, b: SimSpecMsg): string {
  const parts: string[] = [];
  const list = (what: string, x: readonly string[], y: readonly string[]) => {
    if (x.length !== y.length || x.some((v, i) => v !== y[i]))
      parts.push(`${what}: [${x.join(', ')}] vs [${y.join(', ')}]`);
  };
  list('observation', a.observation, b.observation);
  list('action', a.action, b.action);
  if (a.dt !== b.dt) parts.push(`dt: ${a.dt} vs ${b.dt}`);
  return parts.join('; ');
}

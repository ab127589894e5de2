/**
 * The deploy runner: the policy drives a robot over the `Bus`, inside the safety envelope (DESIGN
 * "Deploy safety"; specs/failure-cases.md, Deploy). Every cycle, in this order:
 *
 *   observation finite and fresh → policy → action finite → absolute limits → per-step change limit
 *   against the measured state → rate limit → publish
 *
 * With a `teleop` section in the robot config (HG-DAgger, Kelly et al. 2019), a person can take over:
 * while the last std_msgs/Bool on its takeover topic is true, the teleop command replaces the policy in
 * that order — observation finite and fresh (the teleop command included) → teleop command → action
 * finite → the same limits → publish — and each (observation, teleop command) pair goes to the
 * corrections recorder (corrections.ts), episodes cut at takeover start and end. The envelope, the safe
 * command and the recovery are the policy's; the takeover only changes where the action comes from.
 *
 * A cycle runs when a new message arrives on the trigger topic (the first observation source), at most
 * once per control period of robot time (header stamps), so a simulator in lockstep and a robot driver
 * publishing faster than the control rate both work. A watchdog ticks every control period on the
 * scheduler, on absolute deadlines (start + k periods, so timer jitter does not accumulate): when any
 * input is stale (no message for max(3 periods, 50 ms), or the configured timeout), it publishes the safe
 * command — within one period of the data going stale, and every period after — because rclnodejs cannot
 * set a QoS deadline and ros2_control's forward controllers apply the last command forever. After stale or non-finite input the safe command continues until `recover_cycles`
 * fresh, finite cycles in a row have been seen. `stop()` (SIGINT/SIGTERM) publishes the safe command for
 * at least 3 periods before anything is torn down.
 *
 * All timing runs on an injected rxjs scheduler and clock, so tests run on virtual time.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { resolveQos } from '../config/qos.js';
import {
  actionLimits,
  observationTimeout,
  type RobotConfig,
  robotSpec,
  teleopSink,
  teleopTimeout,
} from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { assertSpecsMatch, type Spec } from '../core/spec.js';
import type { Policy } from '../learn/types.js';
import { BRIDGE_MODES, BRIDGE_STATES, type BridgeStatusMsg } from '../ros/bridge-msgs.js';
import type { Bus, Publisher } from '../ros/bus.js';
import { commandMessage, commandReader, configTopics, ObservationMapper, ROS_TYPE } from '../ros/mapping.js';
import { fromTime, header, type JointState } from '../ros/messages.js';
import type { CorrectionRecorder } from './corrections.js';
import {
  allFinite,
  CLAMPED_ABSOLUTE,
  CLAMPED_CHANGE,
  CLAMPED_RATE,
  clamp,
  SafetyEnvelope,
} from './envelope.js';
import { type LatencySummary, LatencyWindow } from './latency.js';
import { hasMeanInto } from './record-policy.js';

/** Runner states; one map so logs, status messages and tests share the words (STYLE 8). */
export const DEPLOY_MODES = {
  waiting: 'no complete observation yet: nothing is published',
  active: 'publishing policy commands',
  takeover: "publishing the person's teleop commands (HG-DAgger takeover), through the envelope",
  safe: 'publishing the safe command (stale or non-finite input, or recovering)',
  stopping: 'publishing the safe command before teardown (stop or fault)',
  stopped: 'torn down',
} as const;
export type DeployMode = keyof typeof DEPLOY_MODES;

/** Why the runner published the safe command. */
export type SafeReason =
  | 'stale'
  | 'non_finite_observation'
  | 'non_finite_action'
  | 'recovering'
  | 'deadline'
  | 'stopping';

/** Counters since start (printed at exit and published on the status topic). */
export interface DeployCounters {
  /** Cycles run (trigger messages accepted). */
  cycles: number;
  /** Commands published (policy and safe). */
  published: number;
  /** Of which safe commands. */
  safePublished: number;
  /** Watchdog ticks or cycles that found an input stale. */
  stale: number;
  nonFiniteObservations: number;
  /** Messages the mapping could not read (missing joint, short array). */
  invalidObservations: number;
  nonFiniteActions: number;
  /** Cycles whose compute (trigger receipt → command ready) overran one period: the control-loop deadline. */
  deadlineMisses: number;
  /** Watchdog ticks starting more than one period late (event loop stalled). */
  watchdogLate: number;
  /** Trigger messages within one period of robot time after the last cycle (driver faster than control). */
  skippedTriggers: number;
  /** Commands published from the teleop during takeovers (counted in `published` too). */
  teleopPublished: number;
  /** Takeovers started (cycles that published a teleop command after one that did not). */
  takeovers: number;
  /** Per action dimension: cycles in which each limit changed the value. */
  clampedAbsolute: number[];
  clampedChange: number[];
  clampedRate: number[];
}

/** How a run ended. */
export interface DeployResult {
  readonly reason: 'stopped' | 'fault';
  readonly message: string;
  readonly counters: DeployCounters;
  /** Trigger receipt → command published, seconds. */
  readonly latency: LatencySummary;
}

/** A mode change, for logs and tests. */
export interface DeployEvent {
  readonly at: number;
  readonly mode: DeployMode;
  readonly reason: string;
}

export interface DeployOptions {
  readonly bus: Bus;
  readonly config: RobotConfig;
  /** Where the config came from, for messages (default: its name). */
  readonly configLabel?: string;
  readonly policy: Policy;
  /** The spec the policy was trained with (from its policy file); checked against the robot's. */
  readonly policySpec: Spec;
  readonly policyLabel?: string;
  /** Timers: watchdog ticks and shutdown cycles (default asyncScheduler). */
  readonly scheduler?: SchedulerLike;
  /** Seconds, for receipt times and latency (default: the scheduler's clock if one is given, else performance.now). */
  readonly now?: () => number;
  /** Periods of safe command on stop, at least 3 (default 3). */
  readonly shutdownCycles?: number;
  /** Status topic (gail_bridge_msgs/BridgeStatus, about once per second); null to disable. */
  readonly statusTopic?: string | null;
  readonly onWarning?: (line: string) => void;
  readonly onEvent?: (event: DeployEvent) => void;
  /** Called after each publish with the command and whether it was the safe command (logs, benches). */
  readonly onPublish?: (command: Float64Array, safe: boolean) => void;
  /**
   * Where takeover steps go (`deploy --corrections`); needs the config's `teleop` section. Without it a
   * takeover still drives the robot, and nothing is recorded.
   */
  readonly corrections?: CorrectionRecorder;
}

/** Checks that policy and robot agree; throws a `spec` error with the diff (refuse to start). */
export function checkPolicyAgainstRobot(
  options: Pick<DeployOptions, 'config' | 'configLabel' | 'policy' | 'policySpec' | 'policyLabel'>,
): Spec {
  const robot = robotSpec(options.config, options.configLabel ?? options.config.name);
  assertSpecsMatch(
    `policy ${options.policyLabel ?? '(policy)'} vs robot ${options.configLabel ?? options.config.name}`,
    options.policySpec,
    robot,
  );
  const { policy } = options;
  if (policy.obsDim !== robot.observation.names.length || policy.actDim !== robot.action.names.length)
    throw new GailBridgeError(
      'spec',
      `policy ${options.policyLabel ?? ''}: network is ${policy.obsDim} → ${policy.actDim}, robot needs ${robot.observation.names.length} → ${robot.action.names.length}`,
    );
  return robot;
}

/** Runs one policy on one robot until `stop()` or a fault. */
export class DeployRunner {
  readonly periodS: number;
  readonly timeoutS: number;
  /** Teleop command timeout during a takeover (`teleopTimeout`). */
  readonly teleopTimeoutS: number;
  readonly counters: DeployCounters;
  /** Resolves once the runner has torn down. */
  readonly done: Promise<DeployResult>;

  private mode: DeployMode = 'waiting';
  private readonly scheduler: SchedulerLike;
  private readonly now: () => number;
  private readonly mapper: ObservationMapper;
  private readonly envelope: SafetyEnvelope;
  private readonly latency = new LatencyWindow();
  private readonly topics: readonly string[];
  private readonly triggerTopic: string;
  private readonly latest = new Map<string, unknown>();
  /**
   * Per topic (index into `topics`; NaN before the first message): receipt time of the last message whose
   * stamp advanced, and that stamp. Typed arrays, not Maps: a double stored in a Map is boxed, i.e. an
   * allocation on every message (see `cycle` on why the control path allocates nothing).
   */
  private readonly receivedAt: Float64Array;
  private readonly lastStamp: Float64Array;
  private readonly obs: Float64Array;
  private readonly obs32: Float32Array;
  private readonly measured: Float64Array;
  /** The last finite measurement of the action joints (what hold_position holds). */
  private readonly goodMeasured: Float64Array;
  private hasGoodMeasurement = false;
  private readonly command: Float64Array;
  /** The policy's action before the envelope (when it offers `meanInto`), and what the envelope clamped. */
  private readonly action: Float64Array;
  private readonly clampFlags: Uint8Array;
  /** The policy's allocation-free mean action, when it has one (RecordPolicy does). */
  private readonly meanInto: ((obs: ArrayLike<number>, out: Float64Array) => void) | undefined;
  private readonly safeVector: Float64Array;
  /** HG-DAgger takeover: the teleop command reader and its topic's index in `topics`, when configured. */
  private readonly teleop:
    | { readonly read: (msg: unknown, out: Float64Array) => void; readonly k: number }
    | undefined;
  /** Observation inputs: `topics[0 … inputs − 1]` (the teleop topic, if any, comes after them). */
  private readonly inputs: number;
  /** The last takeover signal (std_msgs/Bool), and whether the last cycle published a teleop command. */
  private takeoverRequested = false;
  private takeoverOpen = false;
  private lastCommand: Float64Array | undefined;
  private lastCycleStamp = Number.NEGATIVE_INFINITY;
  private lastCycleAt = Number.NEGATIVE_INFINITY;
  private lastPublishAt = Number.NEGATIVE_INFINITY;
  private freshStreak = 0;
  private nonFiniteStreak = 0;
  private missStreak = 0;
  private stopCyclesLeft = 0;
  private endReason: DeployResult['reason'] = 'stopped';
  private endMessage = '';
  private readonly subs: Subscription[] = [];
  private commandPub: Publisher<Record<string, unknown>> | undefined;
  private statusPub: Publisher<BridgeStatusMsg> | undefined;
  private tickIndex = 0;
  private startedAt = 0;
  /** When the next watchdog tick is due (seconds on `now`); ticks are start + k periods. */
  private nextTickDue = 0;
  private tickBase = 0;
  private ticksSinceBase = 0;
  private tickTimer: Subscription | undefined;
  /**
   * Per input topic, for BridgeStatus's TopicStatus: messages received, control ticks at which the newest
   * sample was older than one period (late) or than the timeout (missing), and the received count at the
   * last status (for the rate over the status window).
   */
  private readonly receivedCount: Float64Array;
  private readonly lateTicks: Float64Array;
  private readonly missingTicks: Float64Array;
  private readonly countAtStatus: Float64Array;
  private lastStatusAt = 0;
  private readonly topicTypes: readonly string[];
  private warnedPublishers = false;
  /** Whether `safeVector` holds a command (false for hold_position until a measurement was latched). */
  private safeReady: boolean;
  private resolveDone!: (r: DeployResult) => void;
  private readonly opts: DeployOptions;

  /** Validates the pairing (refuses to start on any spec difference) and allocates; `start()` connects. */
  constructor(options: DeployOptions) {
    this.opts = options;
    checkPolicyAgainstRobot(options);
    const cfg = options.config;
    this.scheduler = options.scheduler ?? asyncScheduler;
    const sched = this.scheduler;
    this.now = options.now ?? (options.scheduler ? () => sched.now() / 1000 : () => performance.now() / 1000);
    this.periodS = 1 / cfg.control_rate_hz;
    this.timeoutS = observationTimeout(cfg);
    this.teleopTimeoutS = teleopTimeout(cfg);
    this.mapper = new ObservationMapper(cfg);
    const limits = actionLimits(cfg);
    this.envelope = new SafetyEnvelope(limits, this.periodS);
    const inputs = configTopics(cfg);
    this.inputs = inputs.length;
    const sink = teleopSink(cfg);
    if (sink) inputs.push({ topic: sink.topic, type: ROS_TYPE[sink.type] });
    this.teleop = sink ? { read: commandReader(sink), k: this.inputs } : undefined;
    if (options.corrections && !sink)
      throw new GailBridgeError(
        'config',
        `${options.configLabel ?? cfg.name}: corrections need a teleop section (teleop: topic, type, takeover_topic) to take over from`,
      );
    this.topics = inputs.map((t) => t.topic);
    this.topicTypes = inputs.map((t) => t.type);
    this.receivedCount = new Float64Array(this.topics.length);
    this.lateTicks = new Float64Array(this.topics.length);
    this.missingTicks = new Float64Array(this.topics.length);
    this.countAtStatus = new Float64Array(this.topics.length);
    this.receivedAt = new Float64Array(this.topics.length).fill(Number.NaN);
    this.lastStamp = new Float64Array(this.topics.length).fill(Number.NaN);
    this.triggerTopic = cfg.observation[0]!.topic;
    this.obs = new Float64Array(this.mapper.dim);
    this.obs32 = new Float32Array(this.mapper.dim);
    this.measured = new Float64Array(this.mapper.measuredDim);
    this.goodMeasured = new Float64Array(this.mapper.measuredDim);
    this.command = new Float64Array(limits.length);
    this.action = new Float64Array(limits.length);
    this.clampFlags = new Uint8Array(limits.length);
    const policy = options.policy;
    this.meanInto = hasMeanInto(policy) ? (obs, out) => policy.meanInto(obs, out) : undefined;
    this.safeVector = new Float64Array(limits.length);
    const zeros = (): number[] => limits.map(() => 0);
    this.counters = {
      cycles: 0,
      published: 0,
      safePublished: 0,
      stale: 0,
      nonFiniteObservations: 0,
      invalidObservations: 0,
      nonFiniteActions: 0,
      teleopPublished: 0,
      takeovers: 0,
      deadlineMisses: 0,
      watchdogLate: 0,
      skippedTriggers: 0,
      clampedAbsolute: zeros(),
      clampedChange: zeros(),
      clampedRate: zeros(),
    };
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const safe = cfg.action.safe_command;
    if (safe.kind === 'fixed') this.safeVector.set(safe.values);
    this.safeReady = safe.kind !== 'hold_position';
  }

  /** Current mode. */
  get currentMode(): DeployMode {
    return this.mode;
  }

  /** Subscribes to the inputs, creates the command publisher (warning about other publishers) and starts the watchdog. */
  start(): void {
    if (this.commandPub) throw new GailBridgeError('state', 'deploy runner: start() called twice');
    const { bus, config } = this.opts;
    const cmdTopic = config.action.topic;
    const others = bus.countPublishers(cmdTopic);
    if (others > 0) this.warnPublishers(others);
    this.commandPub = bus.publisher(
      cmdTopic,
      commandType(config),
      resolveQos(config.qos.command),
    ) as Publisher<Record<string, unknown>>;
    if (this.opts.statusTopic !== null) {
      const topic = this.opts.statusTopic ?? `/${bus.name}/status`;
      try {
        this.statusPub = bus.publisher(topic, 'gail_bridge_msgs/msg/BridgeStatus', resolveQos('reliable'));
      } catch (err) {
        this.opts.onWarning?.(
          `status topic ${topic} disabled: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const qos = resolveQos(config.qos.observation);
    for (const [k, topic] of this.topics.entries())
      this.subs.push(
        bus.subscribe(topic, this.topicTypes[k]!, qos).subscribe((msg) => this.onMessage(k, msg)),
      );
    if (config.teleop)
      this.subs.push(
        bus
          .subscribe(config.teleop.takeover_topic, 'std_msgs/msg/Bool', resolveQos('reliable'))
          .subscribe((msg) => {
            this.takeoverRequested = msg.data === true;
          }),
      );
    this.startedAt = this.now();
    this.lastStatusAt = this.startedAt;
    this.tickBase = this.startedAt;
    this.ticksSinceBase = 1;
    this.nextTickDue = this.startedAt + this.periodS;
    this.scheduleTick();
  }

  /**
   * Arms the watchdog for `nextTickDue`. A fixed-delay timer re-armed after each tick drifts by the
   * callback's latency every period, and a tick that lands early after a late one used to find the last
   * safe command "less than a period ago" and skip: on real ROS 2 at 125 Hz the stale command went out
   * every ~15 ms instead of every 8 ms.
   */
  private scheduleTick(): void {
    // Rounded to the microsecond so that virtual-time tests see whole periods, not 190.00000000000003 ms.
    const delayMs = Math.max(0, Math.round((this.nextTickDue - this.now()) * 1e6) / 1e3);
    this.tickTimer = this.scheduler.schedule(() => {
      this.onTick();
      if (this.mode !== 'stopped') this.scheduleTick();
    }, delayMs);
  }

  /**
   * Stops: publishes the safe command now and for `shutdownCycles − 1` more periods, then tears down.
   * Idempotent; resolves with the result.
   */
  stop(message = 'stopped by request'): Promise<DeployResult> {
    if (this.mode !== 'stopping' && this.mode !== 'stopped') {
      this.endMessage = message;
      this.enterStopping();
    }
    return this.done;
  }

  /** The latest latency summary. */
  latencySummary(): LatencySummary {
    return this.latency.summary();
  }

  private setMode(mode: DeployMode, reason: string): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.opts.onEvent?.({ at: this.now(), mode, reason });
  }

  private warnPublishers(n: number): void {
    if (this.warnedPublishers) return;
    this.warnedPublishers = true;
    this.opts.onWarning?.(
      `command topic ${this.opts.config.action.topic} has ${n} other publisher(s): another node may be commanding this robot`,
    );
  }

  private onMessage(k: number, msg: unknown): void {
    const t = this.now();
    const topic = this.topics[k]!;
    this.latest.set(topic, msg);
    this.receivedCount[k]!++;
    // A message counts as fresh data only when its header stamp advanced (or it has none): a stuck driver
    // republishing its last message would otherwise look alive forever. A stamp more than a second back is
    // a clock reset (simulator restart) and counts as new.
    const stamp = stampOf(msg);
    const prev = this.lastStamp[k]!;
    if (stamp === 0 || Number.isNaN(prev) || stamp > prev || stamp < prev - 1) {
      this.receivedAt[k] = t;
      this.lastStamp[k] = stamp;
    }
    if (topic === this.triggerTopic) this.cycle(t, msg);
  }

  /**
   * True when every input has a message newer than the timeout at time `t`: the observation topics, and
   * the teleop command while a takeover is requested (a silent teleop never drives the robot).
   */
  private fresh(t: number): boolean {
    const n = this.takeoverRequested && this.teleop ? this.receivedAt.length : this.inputs;
    for (let k = 0; k < n; k++) {
      const r = this.receivedAt[k]!;
      if (Number.isNaN(r) || t - r >= this.timeoutOf(k)) return false;
    }
    return true;
  }

  /** Input k's timeout: the teleop command's own (a person's device rate), else the observation timeout. */
  private timeoutOf(k: number): number {
    return k === this.teleop?.k ? this.teleopTimeoutS : this.timeoutS;
  }

  /**
   * One control cycle, from the trigger's receipt to the command. It allocates (almost) nothing in steady
   * state (preallocated buffers, `meanInto`, `applyInto`): V8 starts a young-generation collection at an
   * allocation, so one can hardly start inside the deadline window (`bench/probes/deploy-window.ts`:
   * 2000 B a cycle at the median before, 48 B after, the clock reads among them).
   */
  private cycle(receivedAt: number, trigger: unknown): void {
    if (this.mode === 'stopping' || this.mode === 'stopped') return;
    // At most one cycle per control period: a trigger is skipped when it is a repeat (its stamp did not
    // advance) or when it comes within 0.9 period of the last cycle both in robot time (stamps) and in
    // wall time (receipt), i.e. the driver publishes faster than the control rate. Either clock alone
    // would misjudge a simulator running faster (lockstep) or slower than real time.
    const stamp = stampOf(trigger);
    const repeat = stamp !== 0 && stamp === this.lastCycleStamp;
    const tooSoon =
      stamp - this.lastCycleStamp < 0.9 * this.periodS &&
      stamp >= this.lastCycleStamp &&
      receivedAt - this.lastCycleAt < 0.9 * this.periodS;
    if (repeat || tooSoon) {
      this.counters.skippedTriggers++;
      return;
    }
    this.lastCycleStamp = stamp;
    this.lastCycleAt = receivedAt;
    this.counters.cycles++;
    if (!this.fresh(receivedAt)) {
      this.counters.stale++;
      this.publishSafe('stale', receivedAt);
      return;
    }
    let measuredOk = false;
    try {
      this.mapper.observe(this.latest, this.obs);
      measuredOk = this.mapper.measure(this.latest, this.measured);
    } catch (err) {
      if (!(err instanceof GailBridgeError)) throw err;
      this.counters.invalidObservations++;
      this.nonFinite('non_finite_observation', receivedAt, err.message);
      return;
    }
    if (!allFinite(this.obs) || (measuredOk && !allFinite(this.measured))) {
      this.counters.nonFiniteObservations++;
      this.nonFinite('non_finite_observation', receivedAt, 'non-finite observation');
      return;
    }
    if (measuredOk) {
      this.goodMeasured.set(this.measured);
      this.hasGoodMeasurement = true;
    }
    if (this.mode === 'safe') {
      this.freshStreak++;
      if (this.freshStreak <= this.opts.config.recover_cycles) {
        this.nonFiniteStreak = 0;
        this.publishSafe('recovering', receivedAt);
        return;
      }
    }
    // The policy sees float32 observations, as in training (and corrections store them so).
    this.obs32.set(this.obs);
    // The command source: the policy, or the person while a takeover is requested. A takeover that
    // ends here ends its corrections episode with this observation, the one its last command led to.
    const takeover = this.teleop !== undefined && this.takeoverRequested;
    if (this.takeoverOpen && !takeover) {
      this.takeoverOpen = false;
      this.opts.corrections?.end(this.obs32, receivedAt);
    }
    let action: ArrayLike<number> | undefined;
    try {
      if (takeover) {
        this.teleop!.read(this.latest.get(this.topics[this.teleop!.k]!), this.action);
        action = this.action;
      } else if (this.meanInto) {
        this.meanInto(this.obs32, this.action);
        action = this.action;
      } else action = this.opts.policy.act(this.obs32, 1, 'deterministic').actions;
    } catch (err) {
      this.opts.onWarning?.(
        `${takeover ? 'teleop command unreadable' : 'policy failed'}: ${err instanceof Error ? err.message : String(err)}`,
      );
      action = undefined;
    }
    const finite =
      action !== undefined &&
      this.envelope.applyInto(
        action,
        measuredOk ? this.measured : undefined,
        this.lastCommand,
        this.command,
        this.clampFlags,
      );
    if (!finite) {
      this.counters.nonFiniteActions++;
      this.nonFinite('non_finite_action', receivedAt, 'non-finite action');
      return;
    }
    this.nonFiniteStreak = 0;
    const c = this.counters;
    for (let i = 0; i < this.clampFlags.length; i++) {
      const bits = this.clampFlags[i]!;
      if (bits & CLAMPED_ABSOLUTE) c.clampedAbsolute[i]!++;
      if (bits & CLAMPED_CHANGE) c.clampedChange[i]!++;
      if (bits & CLAMPED_RATE) c.clampedRate[i]!++;
    }
    // A cycle whose compute overran the period holds the safe command instead of a late action.
    const elapsed = this.now() - receivedAt;
    if (elapsed > this.periodS) {
      this.counters.deadlineMisses++;
      this.missStreak++;
      if (this.missStreak >= this.opts.config.max_deadline_misses_in_row) {
        this.fault(
          `${this.missStreak} deadline misses in a row (compute ${(elapsed * 1e3).toFixed(2)} ms > period)`,
        );
        return;
      }
      this.publishSafe('deadline', receivedAt);
      return;
    }
    this.missStreak = 0;
    // Mode first: a publish hook may call stop(), which must not be overridden afterwards.
    if (takeover) {
      if (!this.takeoverOpen) this.counters.takeovers++;
      this.takeoverOpen = true;
      this.counters.teleopPublished++;
      this.setMode('takeover', 'teleop takeover');
      // The person's command as given (the label of HG-DAgger), in the state it was given in.
      this.opts.corrections?.step(this.obs32, this.action, receivedAt);
    } else this.setMode('active', 'fresh, finite input');
    this.publish(this.command, receivedAt, false);
  }

  private nonFinite(reason: SafeReason, receivedAt: number, what: string): void {
    this.nonFiniteStreak++;
    if (this.nonFiniteStreak >= this.opts.config.max_non_finite_in_row) {
      this.fault(`${this.nonFiniteStreak} non-finite or invalid cycles in a row (last: ${what})`);
      return;
    }
    this.publishSafe(reason, receivedAt);
  }

  private fault(message: string): void {
    this.endReason = 'fault';
    this.endMessage = `fault: ${message}`;
    this.opts.onWarning?.(this.endMessage);
    this.enterStopping();
  }

  private enterStopping(): void {
    // From active, hold where the robot is now; from safe, keep the command already being sent.
    if (this.mode !== 'safe') this.latchSafe();
    this.setMode('stopping', this.endMessage);
    this.stopCyclesLeft = Math.max(3, this.opts.shutdownCycles ?? 3);
    this.stopCycle();
    // The rest on their own timer, one per period from now, so the shutdown spans the full periods.
    if (this.mode === 'stopping') {
      const periodMs = this.periodS * 1000;
      this.subs.push(
        this.scheduler.schedule(
          function (this: { schedule(s?: unknown, d?: number): void }, runner?: DeployRunner) {
            runner!.stopCycle();
            if (runner!.mode === 'stopping') this.schedule(runner, periodMs);
          },
          periodMs,
          this,
        ),
      );
    }
  }

  private stopCycle(): void {
    const sent = this.publishSafe('stopping', undefined);
    this.stopCyclesLeft--;
    // Without a safe command to send (hold_position before any measurement) there is nothing to repeat.
    if (this.stopCyclesLeft <= 0 || !sent) this.teardown();
  }

  /** Publishes the safe command, entering safe mode; false when none can be computed yet. */
  private publishSafe(reason: SafeReason, receivedAt: number | undefined): boolean {
    if (this.takeoverOpen) {
      this.takeoverOpen = false;
      this.opts.corrections?.cut();
    }
    if (this.mode !== 'stopping' && this.mode !== 'safe') {
      if (this.mode === 'waiting' && reason === 'stale') {
        // Never commanded yet: keep quiet until a complete observation arrives.
        return false;
      }
      this.setMode('safe', reason);
      this.latchSafe();
    }
    if (this.mode === 'safe' && reason !== 'recovering') this.freshStreak = 0;
    if (!this.safeReady) return false;
    this.publish(this.safeVector, receivedAt, true);
    return true;
  }

  /** Computes the safe vector on entering safe mode; hold_position latches the last good measurement. */
  private latchSafe(): void {
    const safe = this.opts.config.action.safe_command;
    if (safe.kind === 'zero') this.safeVector.fill(0);
    else if (safe.kind === 'hold_position' && this.hasGoodMeasurement) {
      this.safeVector.set(this.goodMeasured);
      this.safeReady = true;
    }
    // zero and fixed are within the limits (validated at load); a latched position may not be.
    for (let i = 0; i < this.safeVector.length; i++) {
      const l = this.envelope.limits[i]!;
      this.safeVector[i] = clamp(this.safeVector[i]!, l.low, l.high);
    }
  }

  private publish(values: Float64Array, receivedAt: number | undefined, safe: boolean): void {
    const pub = this.commandPub;
    if (!pub) return;
    // Last line of defence: nothing non-finite or outside the absolute limits ever reaches the wire.
    if (!this.envelope.withinLimits(values)) {
      throw new GailBridgeError(
        'state',
        `deploy: refusing to publish ${Array.from(values).join(', ')} (outside limits)`,
      );
    }
    const t = this.now();
    pub.publish(
      commandMessage(this.opts.config.action, values, this.opts.bus.clock.now(), this.periodS) as Record<
        string,
        unknown
      >,
    );
    this.lastPublishAt = t;
    this.counters.published++;
    if (safe) this.counters.safePublished++;
    this.lastCommand ??= new Float64Array(values.length);
    this.lastCommand.set(values);
    if (receivedAt !== undefined) this.latency.add(t - receivedAt);
    this.opts.onPublish?.(values, safe);
  }

  private onTick(): void {
    const t = this.now();
    const due = this.nextTickDue;
    this.tickIndex++;
    // A tick that starts more than one whole period after it was due means the event loop was blocked;
    // counted apart from control-loop deadline misses, and the ticks it missed are not made up in a burst.
    if (t - due > this.periodS) {
      this.counters.watchdogLate++;
      this.tickBase = t;
      this.ticksSinceBase = 0;
    }
    this.ticksSinceBase++;
    // From a base time, not by adding a period per tick, so rounding does not accumulate.
    this.nextTickDue = this.tickBase + this.ticksSinceBase * this.periodS;
    if (this.mode === 'stopped') return;
    if (this.mode === 'stopping') return;
    for (let k = 0; k < this.receivedAt.length; k++) {
      const age = t - this.receivedAt[k]!;
      if (age >= this.timeoutOf(k)) this.missingTicks[k]!++;
      else if (age > this.periodS) this.lateTicks[k]!++;
    }
    // Stale input: the safe command once per tick, unless a cycle published within the last half period
    // (ticks are a period apart, so a command sent at the previous tick never suppresses this one).
    if (!this.fresh(t) && t - this.lastPublishAt >= 0.5 * this.periodS) {
      if (this.mode !== 'waiting') this.counters.stale++;
      this.publishSafe('stale', undefined);
    }
    const ticksPerSecond = Math.max(1, Math.round(1 / this.periodS));
    if (this.tickIndex % ticksPerSecond === 0) this.publishStatus(t);
    // Takeover steps reach the file here, off the control cycle.
    if (this.opts.corrections) void this.opts.corrections.flush();
  }

  private publishStatus(t: number): void {
    const n = this.opts.bus.countPublishers(this.opts.config.action.topic);
    if (n > 1) this.warnPublishers(n - 1);
    if (!this.statusPub) return;
    const states = { waiting: 0, active: 2, takeover: 2, safe: 3, stopping: 3, stopped: 4 } as const;
    const elapsed = t - this.startedAt;
    const window = t - this.lastStatusAt;
    const message: BridgeStatusMsg = {
      header: header(this.opts.bus.clock.now()),
      mode: BRIDGE_MODES.deploy,
      state: this.endReason === 'fault' ? BRIDGE_STATES.fault : states[this.mode],
      message: `${this.mode}: ${JSON.stringify(this.counters)}`,
      control_rate_hz: this.opts.config.control_rate_hz,
      achieved_rate_hz: elapsed > 0 ? this.counters.cycles / elapsed : 0,
      episode: 0,
      // uint64 fields travel as bigint: rclnodejs refuses numbers there.
      steps: BigInt(this.counters.cycles),
      deadline_misses: BigInt(this.counters.deadlineMisses),
      topics: this.topics.map((topic, k) => ({
        topic,
        type: this.topicTypes[k]!,
        expected_rate_hz: this.opts.config.control_rate_hz,
        achieved_rate_hz: window > 0 ? (this.receivedCount[k]! - this.countAtStatus[k]!) / window : 0,
        received: BigInt(this.receivedCount[k]!),
        late: BigInt(this.lateTicks[k]!),
        missing: BigInt(this.missingTicks[k]!),
        age_s: t - this.receivedAt[k]!,
      })),
    };
    this.countAtStatus.set(this.receivedCount);
    this.lastStatusAt = t;
    this.statusPub.publish(message);
  }

  private teardown(): void {
    if (this.mode === 'stopped') return;
    this.tickTimer?.unsubscribe();
    for (const s of this.subs) s.unsubscribe();
    this.subs.length = 0;
    this.commandPub?.dispose();
    this.statusPub?.dispose();
    this.setMode('stopped', this.endMessage);
    this.resolveDone({
      reason: this.endReason,
      message: this.endMessage,
      counters: this.counters,
      latency: this.latency.summary(),
    });
  }
}

/** rclnodejs type of the command message. */
function commandType(cfg: RobotConfig): string {
  return {
    'std_msgs/Float64MultiArray': 'std_msgs/msg/Float64MultiArray',
    'trajectory_msgs/JointTrajectory': 'trajectory_msgs/msg/JointTrajectory',
    'geometry_msgs/Twist': 'geometry_msgs/msg/Twist',
  }[cfg.action.type];
}

/** header.stamp in seconds, or 0 when the message has none. */
function stampOf(msg: unknown): number {
  const h = (msg as Partial<JointState> | undefined)?.header;
  return h?.stamp ? fromTime(h.stamp) : 0;
}

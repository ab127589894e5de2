/**
 * `Recorder`: teleoperation demonstrations from ROS 2 topics into a demo file, as they happen.
 *
 * Every control period (1 / control_rate_hz, on an injected scheduler) the recorder looks at the newest
 * message of each topic: the observation topics of the robot config and the teleop command topic (the
 * config's action topic). Per topic and tick a sample is
 *   fresh    a message arrived since the previous tick,
 *   late     the newest message is older than that but younger than the timeout (held and counted), or
 *   missing  nothing arrived for longer than the timeout (or ever).
 * A step (observation, action) is recorded on a tick only when no topic is missing: a silent topic is
 * never filled in. While an episode is open, a missing topic cuts it: the episode ends `interrupted`
 * with a mark naming the topic, and the operator starts the next one. Steps carry the tick's time on the
 * monotonic clock, so the file shows the rate the data really had.
 *
 * A step is written one tick late, once the observation that follows its action is known; so every
 * written step has a next observation, and a cut drops only the unfinished step.
 *
 * Operator commands (keyboard, the `<ns>/command` std_msgs/String topic, or std_srvs/Trigger services
 * `<ns>/start|done|stop|discard|rerecord`) take effect at the next tick:
 *   start     open an episode
 *   done      end it `terminated`: the task was completed (an absorbing state, Kostrikov et al. 2019)
 *   stop      end it `truncated`: the operator stopped; the task would have continued
 *   discard   drop the open episode, or the last finished one
 *   rerecord  discard, then start again
 * Discarded episodes are ended `interrupted` in the file as it is written and left out by `compactDemoFile`
 * when the recording finishes (see record-file.ts).
 */
import { asyncScheduler, interval, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { QOS_PRESETS } from '../config/qos.js';
import { observationTimeout, type RobotConfig } from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import type { Spec } from '../core/spec.js';
import type { EpisodeEnd } from '../core/trajectory.js';
import {
  BRIDGE_MSG_TYPES,
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
  type EpisodeEventMsg,
} from '../ros/bridge-msgs.js';
import type { Bus, ServiceServer } from '../ros/bus.js';
import { fromTime, type Header, type StringMsg } from '../ros/messages.js';
import { type RecordTopic, recordTopics, StepReader } from './topic-vectors.js';

/** Operator commands, one map (STYLE 8): name → what it does. */
export const RECORDER_COMMANDS = {
  start: 'open an episode',
  done: 'end the episode as terminated (task completed)',
  stop: 'end the episode as truncated (operator stop; the task would have continued)',
  discard: 'drop the open episode, or the last finished one',
  rerecord: 'discard, then start again',
} as const;
export type RecorderCommand = keyof typeof RECORDER_COMMANDS;
export const RECORDER_COMMAND_NAMES = Object.keys(RECORDER_COMMANDS) as RecorderCommand[];

export function isRecorderCommand(x: unknown): x is RecorderCommand {
  return typeof x === 'string' && Object.hasOwn(RECORDER_COMMANDS, x);
}

/** The demo writer calls the recorder makes (`DemoWriter` implements them). Callers await each call. */
export interface DemoSink {
  beginEpisode(metadata?: Readonly<Record<string, string>>): Promise<number>;
  writeStep(step: { obs: Float32Array; action: Float32Array; timeS?: number }): Promise<void>;
  endEpisode(end: EpisodeEnd, finalObs: Float32Array, finalTimeS?: number): Promise<void>;
}

export interface RecorderOptions {
  readonly bus: Bus;
  readonly config: RobotConfig;
  /** The spec the file is written with (robotSpec of the config); checked against the config's dims. */
  readonly spec: Spec;
  readonly sink: DemoSink;
  /** Runs the control ticks and the start timeout. Default: asyncScheduler (real time). */
  readonly scheduler?: SchedulerLike;
  /** Monotonic time in seconds. Default: the scheduler's clock when one is given, else performance.now. */
  readonly now?: () => number;
  /** Teleop command topic, when it differs from the config's action topic. */
  readonly actionTopic?: string;
  /** Seconds of silence after which a topic is missing. Default: `observationTimeout(config)` (as import, deploy). */
  readonly topicTimeoutS?: number;
  /** Seconds to wait at start for every topic's first message. Default 5. */
  readonly startTimeoutS?: number;
  /** Start even when topics are silent at start (they are reported; no step is recorded without them). */
  readonly allowMissingTopics?: boolean;
  /** Namespace of the command topic and services; `false` advertises none. Default `/gail_bridge/record`. */
  readonly controlNamespace?: string | false;
  /**
   * Follow a robot's gail_bridge_msgs/EpisodeEvent topic (e.g. `gail-bridge sim`'s): each `started`
   * opens an episode at the next tick and each `ended` closes the open one with the robot's end
   * (terminated ≠ truncated), so takes line up with the robot's episodes without an operator.
   */
  readonly followEpisodes?: string;
  /** Header stamps further than this ahead of the bus clock count as future stamps, seconds. Default 1. */
  readonly futureStampToleranceS?: number;
}

/** Per-topic counts, for the report and BridgeStatus. */
export interface TopicReport {
  readonly topic: string;
  readonly type: string;
  readonly role: 'observation' | 'action';
  /** Messages received since start (readable or not). */
  readonly received: number;
  /** received / seconds since start, Hz. */
  readonly achievedRateHz: number;
  /** Recording ticks that used a held (not fresh) sample. */
  readonly late: number;
  /** Recording ticks at which the topic was silent past the timeout (no step written). */
  readonly missing: number;
  /** Messages that could not be read (missing joint, wrong array length): ignored, first reason kept. */
  readonly invalid: number;
  readonly firstInvalid?: string;
  /** Header stamps that were zero, went backwards, or lay in the future (messages with a header only). */
  readonly zeroStamps: number;
  readonly backwardStamps: number;
  readonly futureStamps: number;
}

/** One episode as recorded. */
export interface EpisodeReport {
  readonly index: number;
  readonly end: EpisodeEnd;
  readonly steps: number;
  readonly discarded: boolean;
  /** Why the episode was cut, or what was odd about it. */
  readonly marks: readonly string[];
}

export interface RecorderReport {
  readonly controlRateHz: number;
  /** Control ticks per second over the run, Hz. */
  readonly achievedRateHz: number;
  readonly ticks: number;
  /** Ticks that came more than 1.5 periods after the previous one. */
  readonly overruns: number;
  readonly seconds: number;
  readonly episodes: readonly EpisodeReport[];
  readonly topics: readonly TopicReport[];
}

/** What the recorder tells the operator as it goes. */
export type RecorderEvent =
  | { readonly kind: 'ready'; readonly missing: readonly string[] }
  | { readonly kind: 'started'; readonly episode: number; readonly timeS: number }
  | {
      readonly kind: 'ended';
      readonly episode: number;
      readonly end: EpisodeEnd;
      readonly steps: number;
      readonly marks: readonly string[];
      readonly timeS: number;
    }
  | { readonly kind: 'discarded'; readonly episode: number; readonly timeS: number }
  | { readonly kind: 'warning'; readonly message: string };

/** Result of a command once applied (also the Trigger service response). */
export interface CommandResult {
  readonly success: boolean;
  readonly message: string;
}

interface TopicState {
  readonly spec: RecordTopic;
  latest: unknown;
  /** Receive time of `latest`, seconds (monotonic). */
  receivedAt: number;
  received: number;
  late: number;
  missing: number;
  invalid: number;
  firstInvalid: string | undefined;
  lastStamp: number | undefined;
  zeroStamps: number;
  backwardStamps: number;
  futureStamps: number;
}

interface OpenEpisode {
  readonly index: number;
  steps: number;
  readonly marks: string[];
  /** The step waiting for its next observation. */
  pending: { obs: Float32Array; action: Float32Array; timeS: number } | undefined;
}

interface Finished {
  index: number;
  end: EpisodeEnd;
  steps: number;
  discarded: boolean;
  marks: string[];
}

type TopicStatus = 'fresh' | 'late' | 'missing';

/** What a tick saw, for commands and episode ends. */
interface TickSample {
  readonly now: number;
  /** Every topic has a readable message younger than the timeout. */
  readonly allPresent: boolean;
  /** Every observation topic does (the action topic may not). */
  readonly obsPresent: boolean;
  /** Which topics are missing, for messages. */
  readonly silentText: string;
}

export class Recorder {
  /** Operator-facing events; completes when the recorder finishes. */
  readonly events: Subject<RecorderEvent> = new Subject();
  readonly topics: readonly RecordTopic[];
  readonly periodS: number;
  readonly timeoutS: number;
  readonly #o: RecorderOptions;
  readonly #scheduler: SchedulerLike;
  readonly #now: () => number;
  readonly #state: TopicState[];
  readonly #reader: StepReader;
  readonly #obsDim: number;
  readonly #subs: Subscription[] = [];
  readonly #servers: ServiceServer[] = [];
  readonly #queue: { cmd: RecorderCommand; resolve: (r: CommandResult) => void }[] = [];
  readonly #episodes: Finished[] = [];
  #ticker: Subscription | undefined;
  #open: OpenEpisode | undefined;
  #writes: Promise<void> = Promise.resolve();
  #writeError: unknown;
  #startedAt = 0;
  #lastTick: number | undefined;
  #ticks = 0;
  #overruns = 0;
  #finished: Promise<RecorderReport> | undefined;
  #started = false;

  constructor(options: RecorderOptions) {
    this.#o = options;
    const cfg = options.config;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#now =
      options.now ??
      (options.scheduler ? () => this.#scheduler.now() / 1000 : () => performance.now() / 1000);
    this.topics = recordTopics(cfg, options.actionTopic);
    this.periodS = 1 / cfg.control_rate_hz;
    this.timeoutS = options.topicTimeoutS ?? observationTimeout(cfg);
    if (!(this.timeoutS > 0))
      throw new GailBridgeError('config', `record: topic timeout must be > 0 s, got ${this.timeoutS}`);
    this.#reader = new StepReader(cfg, options.actionTopic);
    this.#obsDim = this.#reader.obsDim;
    const { observation, action } = options.spec;
    if (observation.names.length !== this.#obsDim || action.names.length !== this.#reader.actDim)
      throw new GailBridgeError(
        'spec',
        `record: the spec has ${observation.names.length} observation and ${action.names.length} action ` +
          `elements, robot ${cfg.name} makes ${this.#obsDim} and ${this.#reader.actDim}`,
      );
    this.#state = this.topics.map((spec) => ({
      spec,
      latest: undefined,
      receivedAt: Number.NEGATIVE_INFINITY,
      received: 0,
      late: 0,
      missing: 0,
      invalid: 0,
      firstInvalid: undefined,
      lastStamp: undefined,
      zeroStamps: 0,
      backwardStamps: 0,
      futureStamps: 0,
    }));
  }

  /**
   * Subscribes to every topic and waits (scheduler time) for each one's first readable message, then
   * starts the control ticks and advertises the command topic and services. Rejects with a `ros` error
   * listing each silent or unreadable topic (with its publisher count and what to check), unless
   * `allowMissingTopics`; rejects at once when a topic carries another type than the config says.
   */
  async start(): Promise<void> {
    if (this.#started) throw new GailBridgeError('state', 'recorder: start() called twice');
    this.#started = true;
    const { bus } = this.#o;
    const typeErrors: string[] = [];
    for (const st of this.#state) {
      // Best effort, volatile: matches every publisher (reliable or not), so no QoS mismatch can hide data.
      const sub = bus.subscribe(st.spec.topic, st.spec.type, QOS_PRESETS.sensor_data).subscribe({
        next: (msg) => this.#receive(st, msg),
        error: (err: unknown) => {
          const text = err instanceof Error ? err.message : String(err);
          if (!this.#ticker) typeErrors.push(text);
          else this.events.next({ kind: 'warning', message: `topic ${st.spec.topic}: ${text}` });
        },
      });
      this.#subs.push(sub);
    }
    if (typeErrors.length > 0) {
      this.#teardown();
      throw new GailBridgeError(
        'ros',
        `record: cannot subscribe (expected types from the robot config):\n  - ${typeErrors.join('\n  - ')}`,
      );
    }
    this.#startedAt = this.#now();
    const startTimeoutS = this.#o.startTimeoutS ?? 5;
    const periodMs = this.periodS * 1000;
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (this.#allReadable() || this.#now() - this.#startedAt >= startTimeoutS) resolve();
        else this.#subs.push(this.#scheduler.schedule(poll, periodMs));
      };
      this.#subs.push(this.#scheduler.schedule(poll, 0));
    });
    const problems = this.#state.flatMap((st) => {
      if (st.latest !== undefined) return [];
      if (st.firstInvalid !== undefined) return [`${st.spec.topic}: unreadable: ${st.firstInvalid}`];
      return [this.#silentReason(st)];
    });
    if (problems.length > 0 && !this.#o.allowMissingTopics) {
      this.#teardown();
      throw new GailBridgeError(
        'ros',
        `record: required topics are not publishing after ${startTimeoutS} s:\n  - ${problems.join('\n  - ')}\n` +
          'Start them, or pass --allow-missing to record once they appear.',
      );
    }
    this.#advertise();
    this.#startedAt = this.#now();
    this.#ticker = interval(this.periodS * 1000, this.#scheduler).subscribe(() => this.#tick());
    this.events.next({ kind: 'ready', missing: problems });
  }

  /** Queues an operator command for the next tick; resolves with what it did. */
  command(cmd: RecorderCommand): Promise<CommandResult> {
    if (!isRecorderCommand(cmd))
      return Promise.resolve({
        success: false,
        message: `unknown command "${String(cmd)}" (one of ${RECORDER_COMMAND_NAMES.join(', ')})`,
      });
    if (!this.#ticker || this.#finished)
      return Promise.resolve({ success: false, message: 'the recorder is not running' });
    return new Promise((resolve) => this.#queue.push({ cmd, resolve }));
  }

  /** True while an episode is open. */
  get recording(): boolean {
    return this.#open !== undefined;
  }

  /** Counts so far (see RecorderReport). */
  report(): RecorderReport {
    const seconds = Math.max(this.#now() - this.#startedAt, 1e-9);
    return {
      controlRateHz: this.#o.config.control_rate_hz,
      achievedRateHz: this.#ticks / seconds,
      ticks: this.#ticks,
      overruns: this.#overruns,
      seconds,
      episodes: this.#episodes.map((e) => ({ ...e, marks: [...e.marks] })),
      topics: this.#state.map((st) => ({
        topic: st.spec.topic,
        type: st.spec.type,
        role: st.spec.role,
        received: st.received,
        achievedRateHz: st.received / seconds,
        late: st.late,
        missing: st.missing,
        invalid: st.invalid,
        ...(st.firstInvalid !== undefined ? { firstInvalid: st.firstInvalid } : {}),
        zeroStamps: st.zeroStamps,
        backwardStamps: st.backwardStamps,
        futureStamps: st.futureStamps,
      })),
    };
  }

  /** Resolves when every write queued so far has been made; rejects with the first write error. */
  async drain(): Promise<void> {
    await this.#writes;
    if (this.#writeError !== undefined) throw this.#writeError;
  }

  /**
   * Stops ticking, ends an open episode `interrupted` (its unfinished step dropped), waits for the
   * writes, and frees every subscription, service and publisher. Idempotent. The caller closes the sink.
   */
  finish(): Promise<RecorderReport> {
    this.#finished ??= (async () => {
      this.#ticker?.unsubscribe();
      this.#ticker = undefined;
      for (const q of this.#queue.splice(0)) q.resolve({ success: false, message: 'the recorder finished' });
      if (this.#open) this.#endOpen('interrupted', undefined, ['recording finished (Ctrl-C)']);
      this.#teardown();
      try {
        await this.drain();
      } finally {
        this.events.complete();
      }
      return this.report();
    })();
    return this.#finished;
  }

  #teardown(): void {
    for (const s of this.#subs.splice(0)) s.unsubscribe();
    for (const s of this.#servers.splice(0)) s.dispose();
  }

  #advertise(): void {
    const { bus } = this.#o;
    if (this.#o.followEpisodes !== undefined) {
      const topic = this.#o.followEpisodes;
      this.#subs.push(
        bus.subscribe(topic, BRIDGE_MSG_TYPES.episodeEvent, QOS_PRESETS.reliable).subscribe({
          next: (m) => this.#robotEvent(m as unknown as EpisodeEventMsg),
          error: (err: unknown) => this.events.next({ kind: 'warning', message: `${topic}: ${String(err)}` }),
        }),
      );
    }
    const ns = this.#o.controlNamespace ?? '/gail_bridge/record';
    if (ns === false) return;
    const sub = bus.subscribe(`${ns}/command`, 'std_msgs/msg/String', QOS_PRESETS.reliable).subscribe({
      next: (msg) => {
        const word = String((msg as StringMsg).data ?? '').trim();
        void this.command(word as RecorderCommand).then((r) => {
          if (!r.success)
            this.events.next({ kind: 'warning', message: `${ns}/command "${word}": ${r.message}` });
        });
      },
      error: (err: unknown) =>
        this.events.next({ kind: 'warning', message: `${ns}/command: ${String(err)}` }),
    });
    this.#subs.push(sub);
    for (const cmd of RECORDER_COMMAND_NAMES) {
      this.#servers.push(bus.serviceServer(`${ns}/${cmd}`, 'std_srvs/srv/Trigger', () => this.command(cmd)));
    }
  }

  /**
   * A robot episode boundary. `ended` acts at once, before the robot's next state arrives: the robot does
   * not publish its terminal state, so the pending step (whose next observation that would be) is dropped
   * and the last recorded observation is the final one, with the robot's end. `started` opens the next
   * episode at the next tick, on the new episode's first state.
   */
  #robotEvent(m: EpisodeEventMsg): void {
    if (!this.#ticker) return;
    if (m.event === EPISODE_EVENT_KINDS.ended && this.#open) {
      const end = (Object.entries(EPISODE_EVENT_ENDS).find(([, v]) => v === m.end)?.[0] ?? 'none') as
        | EpisodeEnd
        | 'none';
      this.#endOpen(end === 'none' ? 'interrupted' : end, undefined, [], false, true);
    } else if (m.event === EPISODE_EVENT_KINDS.started && !this.#open) {
      void this.command('start').then((r) => {
        if (!r.success)
          this.events.next({ kind: 'warning', message: `robot episode ${m.episode}: ${r.message}` });
      });
    }
  }

  #silentReason(st: TopicState): string {
    const n = this.#o.bus.countPublishers(st.spec.topic);
    const hint =
      n === 0
        ? st.spec.role === 'action'
          ? 'no publisher: is the teleop node running and publishing on this topic?'
          : 'no publisher: is the robot (or `gail-bridge sim --ros`) running?'
        : `${n} publisher${n === 1 ? '' : 's'} but no message: the type may differ from ${st.spec.type} ` +
          `(check \`ros2 topic info -v ${st.spec.topic}\`)`;
    return `${st.spec.topic} (${st.spec.type}): ${hint}`;
  }

  #allReadable(): boolean {
    return this.#state.every((st) => st.latest !== undefined);
  }

  #receive(st: TopicState, msg: unknown): void {
    const t = this.#now();
    st.received++;
    const header = (msg as { header?: Header } | null)?.header;
    if (header?.stamp) {
      const stamp = fromTime(header.stamp);
      if (stamp === 0) st.zeroStamps++;
      else {
        if (st.lastStamp !== undefined && stamp < st.lastStamp) st.backwardStamps++;
        if (stamp > this.#o.bus.clock.now() + (this.#o.futureStampToleranceS ?? 1)) st.futureStamps++;
        st.lastStamp = stamp;
      }
    }
    // An unreadable message is counted and ignored: the previous one is held, and the topic goes late,
    // then missing, as if the message had not come. Its first reason is reported with the topic.
    try {
      this.#reader.check(st.spec.topic, msg);
    } catch (err) {
      st.invalid++;
      if (st.firstInvalid === undefined) {
        st.firstInvalid = err instanceof Error ? err.message : String(err);
        this.events.next({ kind: 'warning', message: st.firstInvalid });
      }
      return;
    }
    st.latest = msg;
    st.receivedAt = t;
  }

  #status(st: TopicState, now: number, prevTick: number): TopicStatus {
    if (st.latest === undefined || now - st.receivedAt > this.timeoutS) return 'missing';
    return st.receivedAt > prevTick ? 'fresh' : 'late';
  }

  /** This tick's observation from the newest readable messages (all observation topics present). */
  #observation(): Float32Array {
    const latest = new Map<string, unknown>();
    for (const st of this.#state) latest.set(st.spec.topic, st.latest);
    return this.#reader.observation(latest);
  }

  /** This tick's action from the newest readable command (the action topic present). */
  #action(): Float32Array {
    return this.#reader.action(this.#state.find((s) => s.spec.role === 'action')!.latest);
  }

  #tick(): void {
    const now = this.#now();
    const prev = this.#lastTick ?? now - this.periodS;
    if (this.#lastTick !== undefined && now - this.#lastTick > 1.5 * this.periodS) this.#overruns++;
    this.#lastTick = now;
    this.#ticks++;

    const statuses = this.#state.map((st) => this.#status(st, now, prev));
    const silent = this.#state.filter((_, i) => statuses[i] === 'missing');
    const obsPresent = !silent.some((st) => st.spec.role === 'observation');
    const silentText = silent
      .map((st) => {
        const age = now - st.receivedAt;
        return Number.isFinite(age)
          ? `${st.spec.topic} silent ${age.toFixed(2)} s > timeout ${this.timeoutS.toFixed(2)} s`
          : `${st.spec.topic} has no readable message`;
      })
      .join('; ');
    const tick: TickSample = { now, allPresent: silent.length === 0, obsPresent, silentText };

    // Commands first: they act on this tick's sample. An episode they open has taken this tick's step.
    const before = this.#open;
    for (const { cmd, resolve } of this.#queue.splice(0)) resolve(this.#apply(cmd, tick));
    const ep = this.#open;
    if (!ep || ep !== before) return;
    for (const [i, st] of this.#state.entries()) {
      if (statuses[i] === 'late') st.late++;
      if (statuses[i] === 'missing') st.missing++;
    }
    if (!tick.allPresent) {
      this.#endOpen('interrupted', tick, [`cut at step ${ep.steps}: ${silentText}`]);
      return;
    }
    this.#stepOpen(ep, this.#observation(), this.#action(), now);
  }

  /** Writes the pending step (its next observation is now known) and makes this tick's the pending one. */
  #stepOpen(ep: OpenEpisode, obs: Float32Array, action: Float32Array, now: number): void {
    const pending = ep.pending;
    if (pending) {
      ep.steps++;
      this.#write((sink) => sink.writeStep(pending));
    }
    ep.pending = { obs, action, timeS: now };
  }

  /**
   * Ends the open episode. When this tick has every observation topic, the pending step is written and
   * this tick's observation is the final one; otherwise the pending step is dropped, its observation is
   * the final one (nothing follows it), and the end is `interrupted` whatever was asked.
   */
  #endOpen(
    end: EpisodeEnd,
    tick: TickSample | undefined,
    marks: string[],
    discarded = false,
    /** The end is known from the robot, not from a stale sample: keep it. */
    endFromRobot = false,
  ): Finished {
    const ep = this.#open!;
    this.#open = undefined;
    ep.marks.push(...marks);
    const now = tick?.now ?? this.#now();
    let finalObs: Float32Array;
    let finalTime: number;
    let why = end;
    if (tick?.obsPresent) {
      if (ep.pending) {
        ep.steps++;
        const p = ep.pending;
        this.#write((sink) => sink.writeStep(p));
      }
      finalObs = this.#observation();
      finalTime = now;
    } else if (ep.pending) {
      finalObs = ep.pending.obs;
      finalTime = ep.pending.timeS;
      if (endFromRobot)
        ep.marks.push(
          `ended ${why} by the robot; its terminal state is not published, so the last step is dropped`,
        );
      else {
        if (why !== 'interrupted')
          ep.marks.push(`ended ${why} without a fresh observation: recorded as interrupted`);
        why = 'interrupted';
      }
    } else {
      finalObs = new Float32Array(this.#obsDim).fill(Number.NaN);
      finalTime = now;
      why = 'interrupted';
    }
    ep.pending = undefined;
    this.#write((sink) => sink.endEpisode(why, finalObs, finalTime));
    const done: Finished = { index: ep.index, end: why, steps: ep.steps, discarded, marks: ep.marks };
    this.#episodes.push(done);
    if (discarded) this.events.next({ kind: 'discarded', episode: ep.index, timeS: now });
    else
      this.events.next({
        kind: 'ended',
        episode: ep.index,
        end: why,
        steps: ep.steps,
        marks: [...ep.marks],
        timeS: now,
      });
    return done;
  }

  #apply(cmd: RecorderCommand, tick: TickSample): CommandResult {
    switch (cmd) {
      case 'start': {
        if (this.#open)
          return { success: false, message: `episode ${this.#open.index} is already recording` };
        if (!tick.allPresent) return { success: false, message: `cannot start: ${tick.silentText}` };
        const index = this.#episodes.length;
        const ep: OpenEpisode = { index, steps: 0, marks: [], pending: undefined };
        this.#open = ep;
        const robot = this.#o.config.name;
        this.#write(async (sink) => {
          const written = await sink.beginEpisode({ source: 'teleop', robot });
          if (written !== index)
            throw new GailBridgeError(
              'state',
              `record: the demo file numbered episode ${index} as ${written}`,
            );
        });
        this.#stepOpen(ep, this.#observation(), this.#action(), tick.now);
        this.events.next({ kind: 'started', episode: index, timeS: tick.now });
        return { success: true, message: `episode ${index} started` };
      }
      case 'done':
      case 'stop': {
        if (!this.#open) return { success: false, message: 'no episode is recording' };
        const end: EpisodeEnd = cmd === 'done' ? 'terminated' : 'truncated';
        const f = this.#endOpen(end, tick, []);
        const note = f.end !== end ? ` (${f.marks.at(-1)})` : '';
        return { success: true, message: `episode ${f.index} ended ${f.end} after ${f.steps} steps${note}` };
      }
      case 'discard': {
        if (this.#open) {
          const f = this.#endOpen('interrupted', undefined, ['discarded by the operator'], true);
          return { success: true, message: `episode ${f.index} discarded` };
        }
        const last = this.#episodes.at(-1);
        if (!last || last.discarded) return { success: false, message: 'no episode to discard' };
        last.discarded = true;
        last.marks.push('discarded by the operator');
        this.events.next({ kind: 'discarded', episode: last.index, timeS: tick.now });
        return { success: true, message: `episode ${last.index} discarded` };
      }
      case 'rerecord': {
        const d = this.#apply('discard', tick);
        const s = this.#apply('start', tick);
        return { success: s.success, message: `${d.message}; ${s.message}` };
      }
    }
  }

  /** Queues a writer call after the previous ones (the writer's contract); keeps the first error. */
  #write(op: (sink: DemoSink) => Promise<unknown>): void {
    this.#writes = this.#writes.then(async () => {
      if (this.#writeError !== undefined) return;
      try {
        await op(this.#o.sink);
      } catch (err) {
        this.#writeError = err;
        this.events.next({
          kind: 'warning',
          message: `writing the demo file failed: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });
  }
}

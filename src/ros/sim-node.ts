/**
 * A MuJoCo task as a ROS 2 node over the `Bus` (`gail-bridge sim --task T --ros`): publishes
 * sensor_msgs/JointState (names, positions, velocities, actuator efforts) of every hinge and slide joint,
 * episode events (gail_bridge_msgs/EpisodeEvent: terminated ≠ truncated), optionally /clock; applies
 * std_msgs/Float64MultiArray commands (MuJoCo ctrl, as a ros2_control forward command controller takes
 * it); resets on a std_srvs/Trigger service.
 *
 * Two timings:
 * - lockstep (default): each command steps the env once, then the new joint state is published, so a
 *   controller over the bus reproduces a direct rollout exactly, as fast as both sides can go;
 * - realtime: the env steps at `rateHz` on the scheduler with the latest command held (zero before the
 *   first), as a robot would.
 * Simulation time (the JointState stamps and /clock) advances by one env dt per step and per reset, so
 * stamps strictly increase across episodes.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { QOS_PRESETS } from '../config/qos.js';
import { GailBridgeError } from '../core/errors.js';
import { episodeSeed } from '../core/rng.js';
import type { LoadedModel } from '../sim/model.js';
import type { Env, StepEnd } from '../sim/types.js';
import {
  BRIDGE_MSG_TYPES,
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
  type EpisodeEventKind,
  type EpisodeEventMsg,
  openEpisodeEvents,
  type SimStepMsg,
} from './bridge-msgs.js';
import type { Bus, Publisher } from './bus.js';

import { header, type JointState, toTime } from './messages.js';

/** An env whose MuJoCo state can be read (MujocoEnv). */
export type InspectableEnv = Env & { readonly model: LoadedModel };

export interface SimNodeOptions {
  readonly bus: Bus;
  /** The env; the node steps it but does not own it (the caller disposes it). */
  readonly env: InspectableEnv;
  /** Default /joint_states. */
  readonly jointStatesTopic?: string;
  /** Default /forward_command_controller/commands (the Hopper robot config's command topic). */
  readonly commandTopic?: string;
  /** Default /<node>/episode_events. */
  readonly eventsTopic?: string;
  /** Default /<node>/reset. */
  readonly resetService?: string;
  /** Step on a timer at `rateHz` holding the last command, instead of one step per command. */
  readonly realtime?: boolean;
  /** Steps per second in realtime mode (default 1 / env dt). */
  readonly rateHz?: number;
  /** Publish rosgraph_msgs/Clock with the simulation time. */
  readonly publishClock?: boolean;
  /**
   * Root seed of the episodes: the k-th reset (the first at start, then one per episode end or reset
   * call) is seeded `episodeSeed(seed, k)`, as envsAsBatch seeds its episodes. Without it the env's own
   * stream continues.
   */
  readonly seed?: number;
  /** Finish after this many episodes (default: run until disposed). */
  readonly episodes?: number;
  /** Lockstep: republish the current state when no command came for this long, ms (lost first message). */
  readonly idleRepublishMs?: number;
  readonly scheduler?: SchedulerLike;
  /** Told when something is left out (default: a line on stderr). */
  readonly onWarning?: (line: string) => void;
  /**
   * Serve under this namespace: every default topic and service name gets `/<namespace>` in front
   * (`/sim_a/joint_states`, `/sim_a/gail_bridge_sim/steps`), so that several simulators share a graph.
   */
  readonly namespace?: string;
}

/** What a simulator says about itself on `~/spec` (std_msgs/String, JSON, transient local). */
export interface SimSpecMsg {
  readonly observation: readonly string[];
  readonly action: readonly string[];
  readonly joints: readonly string[];
  readonly dt: number;
  readonly horizon: number;
  readonly source: string;
}

/** The prefix of a namespace's names: '' for none, else `/name` (slashes around it dropped). */
export function namespacePrefix(namespace: string | undefined): string {
  const ns = (namespace ?? '').replace(/^\/+|\/+$/g, '');
  return ns === '' ? '' : `/${ns}`;
}

/** The topic and service names a simulator node serves, for `node` under `namespace`. */
export function simNodeNames(node: string, namespace?: string) {
  const p = namespacePrefix(namespace);
  return {
    jointStates: `${p}/joint_states`,
    command: `${p}/forward_command_controller/commands`,
    events: `${p}/${node}/episode_events`,
    reset: `${p}/${node}/reset`,
    steps: `${p}/${node}/steps`,
    spec: `${p}/${node}/spec`,
  };
}

/**
 * SimSteps are a stream a learner must see whole: reliable, and deep enough that a learner busy with an
 * update for a while does not lose any from a realtime simulator (1000 steps: 8 s of Hopper).
 */
const SIM_STEP_QOS = { depth: 1000, reliability: 'reliable', durability: 'volatile' } as const;

/** One finished episode. */
export interface SimEpisode {
  readonly return: number;
  readonly length: number;
  readonly end: StepEnd;
}

/** Serves one env on the bus until `episodes` are done or `dispose()`. */
export class SimNode {
  /** Resolves with the finished episodes once `episodes` are done or the node is disposed. */
  readonly done: Promise<SimEpisode[]>;
  readonly episodes: SimEpisode[] = [];
  /** Commands that could not be applied (wrong length, non-finite), each answered by a warning line. */
  rejectedCommands = 0;

  private readonly scheduler: SchedulerLike;
  private readonly joints: { name: string; qpos: number; dof: number }[];
  private readonly jointPub: Publisher<JointState>;
  /** Undefined when gail_bridge_msgs is not available to rclnodejs (the sim still serves the robot). */
  private readonly eventPub: Publisher<EpisodeEventMsg> | undefined;
  /** SimStep per step and reset (training in lock-step); undefined without gail_bridge_msgs. */
  private readonly stepPub: Publisher<SimStepMsg> | undefined;
  private readonly clockPub: Publisher<{ clock: { sec: number; nanosec: number } }> | undefined;
  private readonly subs: Subscription[] = [];
  private readonly disposers: { dispose(): void }[] = [];
  private readonly action: Float64Array;
  private simTime = 0;
  private episodeReturn = 0;
  private episodeSteps = 0;
  private episodeIndex = 0;
  /** Resets so far (the k of the next episode's seed). */
  private resets = 0;
  private disposed = false;
  private idle: Subscription | undefined;
  private resolveDone!: (e: SimEpisode[]) => void;
  private readonly dt: number;

  constructor(private readonly options: SimNodeOptions) {
    const { bus, env } = options;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.dt = env.spec.dt;
    const info = env.model.info;
    this.joints = info.jointNames
      .map((name, j) => ({
        name,
        type: info.jointTypes[j],
        qpos: info.jointQposAdr[j]!,
        dof: info.jointDofAdr[j]!,
      }))
      .filter((j) => j.type === 'hinge' || j.type === 'slide');
    this.action = new Float64Array(env.spec.action.names.length);
    const names = simNodeNames(bus.name, options.namespace);
    this.jointPub = bus.publisher(
      options.jointStatesTopic ?? names.jointStates,
      'sensor_msgs/msg/JointState',
      QOS_PRESETS.reliable,
    );
    // Without gail_bridge_msgs the robot side still works (joint states, commands, reset); only the
    // episode events and steps are missing, which `record --follow-episodes` and `train --ros` need:
    // say so, with the fix.
    const events = openEpisodeEvents(bus, options.eventsTopic ?? names.events);
    this.eventPub = events.available ? events.publisher : undefined;
    if (!events.available)
      (options.onWarning ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        `gail-bridge sim: not publishing episode events or steps: ${events.hint}`,
      );
    this.stepPub = events.available
      ? bus.publisher(names.steps, BRIDGE_MSG_TYPES.simStep, SIM_STEP_QOS)
      : undefined;
    const specPub = bus.publisher(names.spec, 'std_msgs/msg/String', QOS_PRESETS.transient_local);
    const spec: SimSpecMsg = {
      observation: env.spec.observation.names,
      action: env.spec.action.names,
      joints: this.joints.map((j) => j.name),
      dt: env.spec.dt,
      horizon: env.spec.horizon,
      source: JSON.stringify(env.spec.source),
    };
    specPub.publish({ data: JSON.stringify(spec) });
    this.disposers.push(
      this.jointPub,
      specPub,
      ...(this.eventPub ? [this.eventPub] : []),
      ...(this.stepPub ? [this.stepPub] : []),
    );
    if (options.publishClock) {
      this.clockPub = bus.publisher('/clock', 'rosgraph_msgs/msg/Clock', QOS_PRESETS.reliable);
      this.disposers.push(this.clockPub);
    }
    this.disposers.push(
      bus.serviceServer(options.resetService ?? names.reset, 'std_srvs/srv/Trigger', () => {
        if (this.disposed) return { success: false, message: 'sim node is shutting down' };
        this.endEpisode('truncated');
        this.startEpisode();
        return { success: true, message: `episode ${this.episodeIndex} started` };
      }),
    );
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const commands = bus
      .subscribe(
        options.commandTopic ?? names.command,
        'std_msgs/msg/Float64MultiArray',
        QOS_PRESETS.reliable,
      )
      .subscribe((m) => this.onCommand(m.data));
    this.subs.push(commands);
  }

  /** Resets the env and publishes the first state; in realtime mode starts the stepping timer. */
  start(): void {
    this.startEpisode();
    if (this.options.realtime) {
      const periodMs = 1000 / (this.options.rateHz ?? 1 / this.dt);
      this.subs.push(
        this.scheduler.schedule(
          function (this: { schedule(s?: unknown, d?: number): void }, node?: SimNode) {
            if (node!.disposed) return;
            node!.step();
            if (!node!.disposed) this.schedule(node, periodMs);
          },
          periodMs,
          this,
        ),
      );
    }
  }

  private onCommand(data: ArrayLike<number>): void {
    if (this.disposed) return;
    if (data.length !== this.action.length) {
      this.reject(
        `expected ${this.action.length} values (${this.options.env.spec.actuatorNames.join(', ')}), got ${data.length}`,
      );
      return;
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        // As ros2_control's forward controllers do: a non-finite command is ignored, the last one stays.
        this.reject(`element ${i} is ${data[i]}`);
        return;
      }
    }
    this.action.set(Array.from(data));
    if (!this.options.realtime) this.step();
  }

  private reject(why: string): void {
    this.rejectedCommands++;
    process.stderr.write(`gail-bridge sim: command ignored: ${why}\n`);
  }

  private step(): void {
    const r = this.options.env.step(this.action);
    this.simTime += this.dt;
    this.episodeReturn += r.reward;
    this.episodeSteps++;
    if (r.terminated || r.truncated || r.diverged) {
      // The terminal state is not published on /joint_states: a controller would answer it with a command
      // that lands in the next episode. The episode event carries the end, the SimStep the final state
      // (a learner needs it: truncation bootstraps from it); the next state is the new episode's first.
      const end: StepEnd = r.diverged ? 'diverged' : r.terminated ? 'terminated' : 'truncated';
      this.publishStep(this.jointState(), r.reward, end);
      this.endEpisode(end);
      if (this.disposed) return;
      this.simTime += this.dt;
      this.startEpisode();
      return;
    }
    this.publishState(r.reward);
  }

  private startEpisode(): void {
    const seed = this.options.seed;
    this.options.env.reset(seed === undefined ? undefined : episodeSeed(seed, this.resets));
    this.resets++;
    this.episodeReturn = 0;
    this.episodeSteps = 0;
    this.action.fill(0);
    this.event('started', 'none', 0);
    this.publishState();
  }

  private endEpisode(end: StepEnd): void {
    const length = this.episodeSteps;
    this.episodes.push({ return: this.episodeReturn, length, end });
    this.event('ended', end, length);
    this.episodeIndex++;
    if (this.options.episodes !== undefined && this.episodes.length >= this.options.episodes) this.dispose();
  }

  private event(kind: EpisodeEventKind, end: StepEnd | 'none', steps: number): void {
    this.eventPub?.publish({
      header: header(this.simTime),
      event: EPISODE_EVENT_KINDS[kind],
      episode: this.episodeIndex,
      end: EPISODE_EVENT_ENDS[end],
      steps,
      marks: [],
    });
  }

  /** The current state on /joint_states, and as a SimStep (step reward `reward`) for learners. */
  private publishState(reward = 0): void {
    const js = this.jointState();
    this.clockPub?.publish({ clock: toTime(this.simTime) });
    this.jointPub.publish(js);
    this.publishStep(js, reward, 'none');
    this.armIdle();
  }

  private publishStep(state: JointState, reward: number, end: StepEnd | 'none'): void {
    this.stepPub?.publish({
      header: state.header,
      episode: this.episodeIndex,
      step: this.episodeSteps,
      reward,
      end: EPISODE_EVENT_ENDS[end],
      state,
    });
  }

  private jointState(): JointState {
    const model = this.options.env.model;
    const v = model.views();
    const force = (model.data as unknown as { qfrc_actuator?: Float64Array }).qfrc_actuator;
    const n = this.joints.length;
    const position = new Float64Array(n);
    const velocity = new Float64Array(n);
    const effort = new Float64Array(n);
    this.joints.forEach((j, i) => {
      position[i] = v.qpos[j.qpos]!;
      velocity[i] = v.qvel[j.dof]!;
      effort[i] = force?.[j.dof] ?? 0;
    });
    return {
      header: header(this.simTime),
      name: this.joints.map((j) => j.name),
      position,
      velocity,
      effort,
    };
  }

  /** Lockstep only: if no command arrives, republish the same state (same stamp) so a late subscriber starts. */
  private armIdle(): void {
    if (this.options.realtime || this.disposed) return;
    this.idle?.unsubscribe();
    const ms = this.options.idleRepublishMs ?? 100;
    const stamp = this.simTime;
    this.idle = this.scheduler.schedule(() => {
      // /joint_states only: a SimStep is one per step, never repeated.
      if (!this.disposed && this.simTime === stamp) this.jointPub.publish(this.jointState());
    }, ms);
  }

  /** Stops stepping and destroys the node's entities (not the env, not the bus). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.idle?.unsubscribe();
    for (const s of this.subs) s.unsubscribe();
    for (const d of this.disposers) d.dispose();
    this.resolveDone(this.episodes);
  }
}

/** Throws unless the env can be served (at least one hinge or slide joint). */
export function assertServable(env: InspectableEnv): void {
  const types = env.model.info.jointTypes;
  if (!types.some((t) => t === 'hinge' || t === 'slide'))
    throw new GailBridgeError(
      'ros',
      'sim node: the model has no hinge or slide joints to publish in JointState',
    );
}

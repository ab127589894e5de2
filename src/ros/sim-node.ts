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
import type { LoadedModel } from '../sim/model.js';
import type { Env, StepEnd } from '../sim/types.js';
import {
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
  type EpisodeEventKind,
  type EpisodeEventMsg,
  openEpisodeEvents,
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
  /** Seed of the first reset (later resets continue the env's stream). */
  readonly seed?: number;
  /** Finish after this many episodes (default: run until disposed). */
  readonly episodes?: number;
  /** Lockstep: republish the current state when no command came for this long, ms (lost first message). */
  readonly idleRepublishMs?: number;
  readonly scheduler?: SchedulerLike;
  /** Told when something is left out (default: a line on stderr). */
  readonly onWarning?: (line: string) => void;
}

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
  private readonly clockPub: Publisher<{ clock: { sec: number; nanosec: number } }> | undefined;
  private readonly subs: Subscription[] = [];
  private readonly disposers: { dispose(): void }[] = [];
  private readonly action: Float64Array;
  private simTime = 0;
  private episodeReturn = 0;
  private episodeSteps = 0;
  private episodeIndex = 0;
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
    const ns = `/${bus.name}`;
    this.jointPub = bus.publisher(
      options.jointStatesTopic ?? '/joint_states',
      'sensor_msgs/msg/JointState',
      QOS_PRESETS.reliable,
    );
    // Without gail_bridge_msgs the robot side still works (joint states, commands, reset); only the
    // episode events are missing, which `record --follow-episodes` needs: say so, with the fix.
    const events = openEpisodeEvents(bus, options.eventsTopic ?? `${ns}/episode_events`);
    this.eventPub = events.available ? events.publisher : undefined;
    if (!events.available)
      (options.onWarning ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        `gail-bridge sim: not publishing episode events: ${events.hint}`,
      );
    this.disposers.push(this.jointPub, ...(this.eventPub ? [this.eventPub] : []));
    if (options.publishClock) {
      this.clockPub = bus.publisher('/clock', 'rosgraph_msgs/msg/Clock', QOS_PRESETS.reliable);
      this.disposers.push(this.clockPub);
    }
    this.disposers.push(
      bus.serviceServer(options.resetService ?? `${ns}/reset`, 'std_srvs/srv/Trigger', () => {
        if (this.disposed) return { success: false, message: 'sim node is shutting down' };
        this.endEpisode('truncated');
        this.startEpisode(undefined);
        return { success: true, message: `episode ${this.episodeIndex} started` };
      }),
    );
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    const commands = bus
      .subscribe(
        options.commandTopic ?? '/forward_command_controller/commands',
        'std_msgs/msg/Float64MultiArray',
        QOS_PRESETS.reliable,
      )
      .subscribe((m) => this.onCommand(m.data));
    this.subs.push(commands);
  }

  /** Resets the env and publishes the first state; in realtime mode starts the stepping timer. */
  start(): void {
    this.startEpisode(this.options.seed);
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
      // The terminal state is not published: a controller would answer it with a command that lands in
      // the next episode. The episode event carries the end; the next state is the new episode's first.
      this.endEpisode(r.diverged ? 'diverged' : r.terminated ? 'terminated' : 'truncated');
      if (this.disposed) return;
      this.simTime += this.dt;
      this.startEpisode(undefined);
      return;
    }
    this.publishState();
  }

  private startEpisode(seed: number | undefined): void {
    this.options.env.reset(seed);
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

  private publishState(): void {
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
    this.clockPub?.publish({ clock: toTime(this.simTime) });
    this.jointPub.publish({
      header: header(this.simTime),
      name: this.joints.map((j) => j.name),
      position,
      velocity,
      effort,
    });
    this.armIdle();
  }

  /** Lockstep only: if no command arrives, republish the same state (same stamp) so a late subscriber starts. */
  private armIdle(): void {
    if (this.options.realtime || this.disposed) return;
    this.idle?.unsubscribe();
    const ms = this.options.idleRepublishMs ?? 100;
    const stamp = this.simTime;
    this.idle = this.scheduler.schedule(() => {
      if (!this.disposed && this.simTime === stamp) this.publishState();
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

/**
 * A simulated robot world for recorder tests, on a virtual clock (rxjs VirtualTimeScheduler): a robot
 * node publishing JointState and a scripted teleop publishing Float64MultiArray commands over the
 * in-process bus, plus an in-memory demo sink.
 */
import assert from 'node:assert/strict';
import { type Subscription, VirtualTimeScheduler } from 'rxjs';
import { QOS_PRESETS } from '../../src/config/qos.js';
import { parseRobotConfig, type RobotConfig, robotSpec } from '../../src/config/robot.js';
import type { EpisodeEnd } from '../../src/core/trajectory.js';
import {
  type DemoSink,
  Recorder,
  type RecorderEvent,
  type RecorderOptions,
} from '../../src/record/recorder.js';
import { type InProcessBus, InProcessGraph } from '../../src/ros/in-process-bus.js';
import { toTime } from '../../src/ros/messages.js';

export const CONFIG = `
name: two_joint
control_rate_hz: 10
observation_timeout_s: 0.3
observation:
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: position
    joints: [a, b]
action:
  type: std_msgs/Float64MultiArray
  topic: /cmd
  interface: position
  joints: [a, b]
  limits:
    a: { low: -100, high: 100 }
    b: { low: -100, high: 100 }
  safe_command: { kind: hold_position }
`;

export type Call =
  | { op: 'begin' }
  | { op: 'step'; obs: number[]; action: number[]; timeS: number | undefined }
  | { op: 'end'; end: EpisodeEnd; finalObs: number[]; finalTimeS: number | undefined };

/** An in-memory DemoSink that records the calls and checks they are awaited one at a time. */
export class MemorySink implements DemoSink {
  readonly calls: Call[] = [];
  #busy = false;
  #episodes = 0;
  async #one<T>(body: () => T): Promise<T> {
    assert.equal(this.#busy, false, 'sink called before the previous call finished');
    this.#busy = true;
    await Promise.resolve();
    this.#busy = false;
    return body();
  }
  beginEpisode(): Promise<number> {
    return this.#one(() => {
      this.calls.push({ op: 'begin' });
      return this.#episodes++;
    });
  }
  writeStep(step: { obs: Float32Array; action: Float32Array; timeS?: number }): Promise<void> {
    return this.#one(() => {
      this.calls.push({ op: 'step', obs: [...step.obs], action: [...step.action], timeS: step.timeS });
    });
  }
  endEpisode(end: EpisodeEnd, finalObs: Float32Array, finalTimeS?: number): Promise<void> {
    return this.#one(() => {
      this.calls.push({ op: 'end', end, finalObs: [...finalObs], finalTimeS });
    });
  }
  steps(): Extract<Call, { op: 'step' }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: 'step' }> => c.op === 'step');
  }
  ends(): Extract<Call, { op: 'end' }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: 'end' }> => c.op === 'end');
  }
}

/**
 * A world on a virtual clock: robot and teleop publish every 100 ms from 0 ms; a recorder started at
 * 50 ms sees its first messages at 100 ms, is ready at its 150 ms poll, and ticks at 250, 350, …
 */
export class World {
  readonly scheduler = new VirtualTimeScheduler();
  readonly graph = new InProcessGraph(this.scheduler);
  readonly config: RobotConfig = parseRobotConfig(CONFIG, 'two_joint.yaml');
  readonly robot: InProcessBus = this.graph.node('robot');
  readonly teleop: InProcessBus = this.graph.node('teleop');
  readonly recorderBus: InProcessBus = this.graph.node('recorder');
  readonly sink = new MemorySink();
  readonly events: RecorderEvent[] = [];
  /** k of the last robot publish (position = [k, -k]). */
  k = -1;
  robotOn = true;
  teleopOn = true;
  readonly #loops: Subscription[] = [];

  constructor(options: { teleopType?: string; robotJoints?: string[] } = {}) {
    const js = this.robot.publisher('/joint_states', 'sensor_msgs/msg/JointState', QOS_PRESETS.sensor_data);
    const joints = options.robotJoints ?? ['b', 'a', 'c'];
    this.every(0, () => {
      if (!this.robotOn) return;
      this.k++;
      const k = this.k;
      const pos: Record<string, number> = { a: k, b: -k, c: 99 };
      js.publish({
        header: { stamp: toTime(this.scheduler.now() / 1000), frame_id: '' },
        name: joints,
        position: joints.map((j) => pos[j]!),
        velocity: [],
        effort: [],
      });
    });
    const type = options.teleopType ?? 'std_msgs/msg/Float64MultiArray';
    const cmd = this.teleop.publisher('/cmd', type);
    this.every(0, () => {
      if (!this.teleopOn) return;
      // The scripted teleop answers the newest observation: action = [k / 10, 1] (a Twist teleop, used to
      // test a type mismatch with the config, sends the same numbers as linear x/y).
      cmd.publish(
        (type === 'geometry_msgs/msg/Twist'
          ? { linear: { x: this.k / 10, y: 1, z: 0 }, angular: { x: 0, y: 0, z: 0 } }
          : { layout: { dim: [], data_offset: 0 }, data: [this.k / 10, 1] }) as never,
      );
    });
  }

  /** Runs `f` at `phaseMs` and every 100 ms after. */
  every(phaseMs: number, f: () => void): void {
    const sch = this.scheduler;
    this.#loops.push(
      sch.schedule(function (this: { schedule(s?: undefined, d?: number): void }) {
        f();
        this.schedule(undefined, 100);
      }, phaseMs),
    );
  }

  /**
   * Advances virtual time to exactly `ms`, one due time at a time, letting promises settle after each
   * (as they would between real timer callbacks).
   */
  async advanceTo(ms: number): Promise<void> {
    // A no-op at `ms` so that the clock lands there even when nothing else is due.
    this.scheduler.schedule(() => {}, Math.max(ms - this.scheduler.now(), 0));
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const next = this.scheduler.actions[0]?.delay ?? Number.POSITIVE_INFINITY;
      if (next > ms) break;
      this.scheduler.maxFrames = next;
      this.scheduler.flush();
    }
  }

  recorder(options: Partial<RecorderOptions> = {}): Recorder {
    const r = new Recorder({
      bus: this.recorderBus,
      config: this.config,
      spec: robotSpec(this.config),
      sink: this.sink,
      scheduler: this.scheduler,
      startTimeoutS: 1,
      ...options,
    });
    r.events.subscribe((e) => this.events.push(e));
    return r;
  }

  /** Starts a recorder at 50 ms (between publishes), resolving once it is ticking (150 ms). */
  async started(options: Partial<RecorderOptions> = {}): Promise<Recorder> {
    await this.advanceTo(50);
    const r = this.recorder(options);
    const p = r.start();
    await this.advanceTo(150);
    await p;
    return r;
  }

  dispose(): void {
    for (const l of this.#loops) l.unsubscribe();
    this.robot.dispose();
    this.teleop.dispose();
    this.recorderBus.dispose();
  }
}

/** Sends `cmd` so that it applies at the tick of `atMs`, and returns its result. */
export async function commandAt(
  w: World,
  r: Recorder,
  cmd: Parameters<Recorder['command']>[0],
  atMs: number,
) {
  await w.advanceTo(atMs - 1);
  const p = r.command(cmd);
  await w.advanceTo(atMs);
  return p;
}

/**
 * A robot and a deploy node on one in-process graph with a virtual clock: the robot publishes
 * /joint_states on a schedule the test chooses (optionally through fault operators) and records every
 * command with its virtual time (ms).
 */
import assert from 'node:assert/strict';
import {
  type MonoTypeOperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  Subject,
  Subscription,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { parseRobotConfig, type RobotConfig, robotSpec } from '../../src/config/robot.js';
import type { Spec } from '../../src/core/spec.js';
import { type DeployEvent, type DeployOptions, DeployRunner } from '../../src/deploy/runner.js';
import type { ActMode, ActResult, Policy } from '../../src/learn/types.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { header, type JointState } from '../../src/ros/messages.js';

/** Two joints on a forward position controller at 100 Hz (period 10 ms, timeout 50 ms). */
export const TWO_JOINTS = `
name: two
control_rate_hz: 100
recover_cycles: 3
max_non_finite_in_row: 4
observation:
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: position
    joints: [j1, j2]
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: velocity
    joints: [j1, j2]
action:
  type: std_msgs/Float64MultiArray
  topic: /cmd
  interface: position
  joints: [j1, j2]
  limits:
    j1: { low: -1, high: 1, max_change: 0.2, max_rate: 10 }
    j2: { low: -2, high: 2, max_change: 0.5 }
  safe_command: { kind: hold_position }
`;

/** A deterministic policy whose action is `f(obs)`, counting calls. */
export class FnPolicy implements Policy {
  calls = 0;
  disposed = false;
  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    private readonly f: (obs: Float32Array) => ArrayLike<number>,
  ) {}
  act(obs: Float32Array, n: number, _mode: ActMode): ActResult {
    assert.equal(n, 1);
    this.calls++;
    return { actions: Float32Array.from(this.f(obs)), logProbs: new Float32Array(1) };
  }
  dispose(): void {
    this.disposed = true;
  }
}

export interface Command {
  readonly t: number;
  readonly data: number[];
}

/** A command as the runner reported publishing it. */
export interface Published extends Command {
  readonly safe: boolean;
}

export interface Harness {
  readonly ts: TestScheduler;
  readonly config: RobotConfig;
  readonly spec: Spec;
  readonly runner: DeployRunner;
  readonly commands: Command[];
  /** Every publish as the runner reported it (with the safe flag), in order. */
  readonly published: Published[];
  readonly events: DeployEvent[];
  readonly warnings: string[];
  readonly graph: InProcessGraph;
  /** Publishes a joint state at virtual time `t` ms (stamp t/1000 s unless given). */
  jointStateAt(t: number, position: number[], velocity?: number[], stamp?: number): void;
  /** Runs the virtual clock to the end (stop the runner first, or it ticks forever). */
  flush(): void;
}

/** Builds the harness; `faults` is applied to the joint_states stream before publishing. */
export function harness(
  options: {
    config?: string;
    policy?: Policy;
    policySpec?: Spec;
    faults?: MonoTypeOperatorFunction<JointState>;
    runner?: Partial<DeployOptions>;
    /** Lateness (ms) added to the runner's `k`-th timer: a timer firing late, as on a busy machine. */
    timerLateMs?: (k: number) => number;
  } = {},
): Harness {
  const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
  ts.maxFrames = Number.POSITIVE_INFINITY;
  const config = parseRobotConfig(options.config ?? TWO_JOINTS, 'test.yaml');
  const spec = robotSpec(config, 'test.yaml');
  const graph = new InProcessGraph(ts);
  const robot = graph.node('robot');
  const node = graph.node('deploy');
  const commands: Command[] = [];
  robot
    .subscribe(config.action.topic, 'std_msgs/msg/Float64MultiArray')
    .subscribe((m) => commands.push({ t: ts.now(), data: Array.from(m.data) }));
  const pub = robot.publisher('/joint_states', 'sensor_msgs/msg/JointState');
  const source = new Subject<JointState>();
  (options.faults ? source.pipe(options.faults) : source).subscribe((m) => pub.publish(m));
  const events: DeployEvent[] = [];
  const published: Published[] = [];
  const warnings: string[] = [];
  const policy =
    options.policy ?? new FnPolicy(spec.observation.names.length, spec.action.names.length, () => [0.5, 0.5]);
  const late = options.timerLateMs;
  const scheduler: SchedulerLike = late ? latenessScheduler(ts, late) : ts;
  const runner = new DeployRunner({
    bus: node,
    config,
    configLabel: 'test.yaml',
    policy,
    policySpec: options.policySpec ?? spec,
    policyLabel: 'p.policy',
    scheduler,
    now: () => ts.now() / 1000,
    statusTopic: null,
    onEvent: (e) => events.push(e),
    onWarning: (w) => warnings.push(w),
    onPublish: (c, safe) => published.push({ t: ts.now(), data: Array.from(c), safe }),
    ...options.runner,
  });
  return {
    ts,
    config,
    spec,
    runner,
    commands,
    published,
    events,
    warnings,
    graph,
    jointStateAt(t, position, velocity = position.map(() => 0), stamp = t / 1000) {
      ts.schedule(() => {
        source.next({ header: header(stamp), name: ['j1', 'j2'], position, velocity, effort: [] });
      }, t - ts.now());
    },
    flush() {
      ts.flush();
    },
  };
}

/** Schedules `fn` at virtual time `t` ms. */
export function atTime(h: Harness, t: number, fn: () => void): void {
  h.ts.schedule(fn, t - h.ts.now());
}

/**
 * `ts` with every timer firing `lateMs(k)` late (k counts timers, re-arms by `this.schedule` included),
 * as timers do on a busy machine: an rxjs periodic action re-armed from inside its work is late each time.
 */
function latenessScheduler(ts: TestScheduler, lateMs: (k: number) => number): SchedulerLike {
  let k = 0;
  const schedule = (
    work: (this: SchedulerAction<unknown>, state?: unknown) => void,
    delay = 0,
    state?: unknown,
  ): Subscription => {
    const sub = new Subscription();
    sub.add(
      ts.schedule(
        (st) => {
          const self = {
            schedule: (next?: unknown, d = 0) => {
              sub.add(schedule(work, d, next));
              return sub;
            },
          } as unknown as SchedulerAction<unknown>;
          work.call(self, st);
        },
        delay + lateMs(k++),
        state,
      ),
    );
    return sub;
  };
  return { now: () => ts.now(), schedule: schedule as SchedulerLike['schedule'] };
}

/**
 * `gail-bridge record --config C --out demos.mcap`: teleoperation demonstrations from ROS 2 topics into a
 * demo file (src/record/recorder.ts). Episodes are started and ended from the keyboard (when stdin is a
 * terminal), the `/gail_bridge/record/command` topic, or std_srvs/Trigger services. Ctrl-C (or q) finishes
 * the file; discarded takes are then left out of it (src/record/compact.ts).
 */
import type { Command } from 'commander';
import type { SchedulerLike, Subscription } from 'rxjs';
import { loadRobotConfig, type RobotConfig, robotSpec } from '../config/robot.js';
import { envTargetFromFlags, makeEnvTarget } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { DemoWriter } from '../data/demo-writer.js';
import { compactDemoFile } from '../record/compact.js';
import { episodeEventMessage } from '../record/episode-events.js';
import { type KeyInput, keyCommands, keyHelp } from '../record/keyboard.js';
import {
  type DemoSink,
  RECORDER_COMMAND_NAMES,
  Recorder,
  type RecorderEvent,
  type RecorderReport,
} from '../record/recorder.js';
import { openEpisodeEvents } from '../ros/bridge-msgs.js';
import type { Bus } from '../ros/bus.js';
import { InProcessGraph } from '../ros/in-process-bus.js';
import { commandMessage, ObservationMapper, ROS_TYPE } from '../ros/mapping.js';
import { createRclnodejsBus } from '../ros/rclnodejs-bus.js';
import { SimNode } from '../ros/sim-node.js';
import { info, positiveInt, report, runCommand } from './common.js';
import { finishOnSignal } from './finish-on-signal.js';

/** What `record` prints (with --json, exactly this object). */
export interface RecordReport extends RecorderReport {
  readonly out: string;
  /** Episodes in the finished file (discarded takes left out). */
  readonly kept: number;
  /** Steps in the finished file. */
  readonly keptSteps: number;
  readonly discarded: readonly number[];
}

/** Options of `runRecord` (the command's flags). */
export interface RunRecordOptions {
  readonly config: string;
  readonly out: string;
  readonly actionTopic?: string;
  readonly timeoutS?: number;
  readonly startTimeoutS: number;
  readonly allowMissing: boolean;
  readonly keyboard: boolean;
  readonly namespace: string;
  readonly episodes?: number;
  /** EpisodeEvent topic of the robot to follow (episodes open and close with the robot's). */
  readonly followEpisodes?: string;
  /**
   * No ROS 2: run this built-in task (or, when `true`, the MJCF robot of `model`/`taskConfig`) as the robot
   * over the in-process bus (realtime, at the control rate), with `teleopPolicy` as the leader that
   * publishes the commands a teleop device would.
   */
  readonly sim?: string | true;
  /** With `sim: true`: the MJCF robot, run as a generic task. */
  readonly model?: string;
  /** With `sim: true`: the generic task's options (config/tasks/*.yaml); may name the model. */
  readonly taskConfig?: string;
  /** Policy file that plays the teleop in `sim` mode (its mean action on every joint state). */
  readonly teleopPolicy?: string;
  readonly nodeName: string;
  /** The bus to record from; default a new rclnodejs node (tests pass an in-process one). */
  readonly bus?: Bus;
  /** Control ticks and timeouts run on this scheduler (tests pass a virtual one). Default real time. */
  readonly scheduler?: SchedulerLike;
  /** Where keys come from; default process.stdin (used only when it is a terminal). */
  readonly keys?: KeyInput;
}

function seconds(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n))
      throw new GailBridgeError('usage', `${name}: expected seconds > 0, got "${v}"`);
    return n;
  };
}

/** The flags of `record` as commander parses them: `runRecord`'s options under their flag names. */
interface RecordFlags
  extends Omit<RunRecordOptions, 'timeoutS' | 'startTimeoutS' | 'bus' | 'scheduler' | 'keys'> {
  readonly timeout?: number;
  readonly startTimeout: number;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command('record')
    .description(
      'record teleoperation demonstrations from ROS 2 topics into a demo file (keys, a topic or Trigger services start/stop episodes)',
    )
    .requiredOption(
      '--config <file>',
      'robot mapping config (config/robots/*.yaml): observation topics, command topic, rate',
    )
    .requiredOption('--out <file>', 'demo file to write (.mcap)')
    .option('--action-topic <topic>', "teleop command topic (default: the config's action topic)")
    .option(
      '--timeout <seconds>',
      "silence after which a topic is missing (default: the config's observation timeout)",
      seconds('--timeout'),
    )
    .option(
      '--start-timeout <seconds>',
      'wait this long for every topic at start',
      seconds('--start-timeout'),
      5,
    )
    .option('--allow-missing', 'start even when topics are silent (nothing is recorded without them)', false)
    .option('--no-keyboard', 'no single-key control even when stdin is a terminal')
    .option('--namespace <ns>', 'namespace of the command topic and Trigger services', '/gail_bridge/record')
    .option('--episodes <n>', 'finish after this many kept episodes', positiveInt('--episodes'))
    .option(
      '--follow-episodes <topic>',
      "open and close episodes with the robot's gail_bridge_msgs/EpisodeEvent topic (e.g. /gail_bridge_sim/episode_events)",
    )
    .option(
      '--sim [task]',
      'no ROS 2: record from this built-in task (or, alone, the --model robot) over the in-process bus (needs --teleop-policy)',
    )
    .option('--model <robot.xml>', 'with --sim: an MJCF robot to record from, as a generic task')
    .option('--task-config <file.yaml>', 'with --sim: generic task options for --model (config/tasks/*.yaml)')
    .option(
      '--teleop-policy <file>',
      'with --sim: a policy file that plays the teleop, publishing commands as a leader would',
    )
    .option('--node-name <name>', 'ROS 2 node name', 'gail_bridge_record')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: RecordFlags) =>
      runCommand(async () => {
        const r = await runRecord({
          config: o.config,
          out: o.out,
          actionTopic: o.actionTopic,
          timeoutS: o.timeout,
          startTimeoutS: o.startTimeout,
          allowMissing: o.allowMissing,
          keyboard: o.keyboard,
          namespace: o.namespace,
          episodes: o.episodes,
          followEpisodes: o.followEpisodes,
          sim: o.sim,
          model: o.model,
          taskConfig: o.taskConfig,
          teleopPolicy: o.teleopPolicy,
          nodeName: o.nodeName,
        });
        report(o.json, r, () => formatRecordReport(r));
      }),
    );
}

/** One line for the operator per recorder event. */
export function describeEvent(e: RecorderEvent): string {
  switch (e.kind) {
    case 'ready':
      return e.missing.length === 0
        ? 'record: all topics publishing'
        : `record: started with silent topics:\n  - ${e.missing.join('\n  - ')}`;
    case 'started':
      return `record: episode ${e.episode} started`;
    case 'ended':
      return `record: episode ${e.episode} ended ${e.end} after ${e.steps} steps${e.marks.length > 0 ? ` (${e.marks.join('; ')})` : ''}`;
    case 'discarded':
      return `record: episode ${e.episode} discarded`;
    case 'warning':
      return `record: warning: ${e.message}`;
  }
}

/** Records until q / Ctrl-C / SIGTERM / `episodes` kept; resolves after the file is finished. */
export async function runRecord(o: RunRecordOptions): Promise<RecordReport> {
  const config = loadRobotConfig(o.config);
  const spec = robotSpec(config, o.config);
  const cleanup: (() => void)[] = [];
  let bus: Bus;
  let follow = o.followEpisodes;
  let sim: SimWorld | undefined;
  if (o.sim !== undefined) {
    sim = await simWorld(o, config);
    cleanup.push(() => sim?.dispose());
    bus = sim.bus;
    follow ??= sim.eventsTopic;
  } else {
    if (o.teleopPolicy !== undefined)
      throw new GailBridgeError(
        'usage',
        '--teleop-policy: only with --sim (on ROS 2 the teleop is a node of its own)',
      );
    if (o.model !== undefined || o.taskConfig !== undefined)
      throw new GailBridgeError(
        'usage',
        '--model and --task-config: only with --sim (the robot to simulate)',
      );
    bus = o.bus ?? (await createRclnodejsBus(o.nodeName));
    if (!o.bus) cleanup.push(() => bus.dispose());
  }
  // The file is created only once the topics are there, so a refused start leaves no empty file behind.
  // Writes queued before the file exists (a robot episode can open as soon as the recorder is ready)
  // wait for it.
  let writer: DemoWriter | undefined;
  let writerCreated!: (w: DemoWriter) => void;
  const writerReady = new Promise<DemoWriter>((resolve) => {
    writerCreated = resolve;
  });
  const sink: DemoSink = {
    beginEpisode: async (m) => (await writerReady).beginEpisode(m),
    writeStep: async (s) => (await writerReady).writeStep(s),
    endEpisode: async (end, obs, t) => (await writerReady).endEpisode(end, obs, t),
  };
  const recorder = new Recorder({
    bus,
    config,
    spec,
    sink,
    actionTopic: o.actionTopic,
    topicTimeoutS: o.timeoutS,
    startTimeoutS: o.startTimeoutS,
    allowMissingTopics: o.allowMissing,
    controlNamespace: o.namespace,
    ...(follow !== undefined ? { followEpisodes: follow } : {}),
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
  });
  const keys = o.keyboard ? (o.keys ?? (process.stdin.isTTY ? process.stdin : undefined)) : undefined;
  const subs: Subscription[] = [];
  const events = openEpisodeEvents(bus, '/gail_bridge/episode_events');
  if (events.available) cleanup.push(() => events.publisher.dispose());
  else info(`record: not publishing episode events: ${events.hint}`);
  let kept = 0;
  let finishing: Promise<RecordReport> | undefined;
  const finish = (): Promise<RecordReport> => {
    finishing ??= (async () => {
      for (const s of subs) s.unsubscribe();
      const rep = await recorder.finish();
      await writer?.close();
      const discarded = rep.episodes.filter((e) => e.discarded).map((e) => e.index);
      let keptEpisodes = rep.episodes.length - discarded.length;
      let keptSteps = rep.episodes.filter((e) => !e.discarded).reduce((n, e) => n + e.steps, 0);
      if (writer && discarded.length > 0) {
        const c = await compactDemoFile(o.out, new Set(discarded));
        if (c) {
          keptEpisodes = c.kept;
          keptSteps = c.steps;
        }
      }
      for (const c of cleanup.reverse()) c();
      return { ...rep, out: o.out, kept: keptEpisodes, keptSteps, discarded };
    })();
    return finishing;
  };
  const steps = (ep: number): number => recorder.report().episodes.find((e) => e.index === ep)?.steps ?? 0;
  const stopped = new Promise<void>((resolve) => {
    subs.push(
      recorder.events.subscribe((e) => {
        info(describeEvent(e));
        if (events.available) {
          const msg = episodeEventMessage(e, steps);
          if (msg) events.publisher.publish(msg);
        }
        if (e.kind === 'ended' && o.episodes !== undefined) {
          kept = recorder.report().episodes.filter((x) => !x.discarded).length;
          if (kept >= o.episodes) {
            // Stop at once, inside this event: a robot's next episode must not open before finish runs.
            void finish();
            resolve();
          }
        }
      }),
    );
    if (keys) {
      subs.push(
        keyCommands(keys).subscribe((c) => {
          if (c === 'quit') resolve();
          else
            void recorder.command(c).then((r) => {
              if (!r.success) info(`record: ${c}: ${r.message}`);
            });
        }),
      );
    }
  });
  try {
    // The simulated robot starts publishing now, so that the recorder's start-up wait sees it.
    sim?.start();
    await recorder.start();
  } catch (err) {
    for (const s of subs) s.unsubscribe();
    for (const c of cleanup.reverse()) c();
    throw err;
  }
  writer = await DemoWriter.create(o.out, { spec });
  writerCreated(writer);
  const release = finishOnSignal(
    async () => {
      const r = await finish();
      info(formatRecordReport(r));
    },
    { log: info },
  );
  info(
    `record: ${config.name} at ${config.control_rate_hz} Hz into ${o.out}; ` +
      (keys ? `keys: ${keyHelp()}` : 'Ctrl-C finishes the file') +
      `\n  headless: ros2 service call ${o.namespace}/<${RECORDER_COMMAND_NAMES.join('|')}> std_srvs/srv/Trigger` +
      `, or ros2 topic pub --once ${o.namespace}/command std_msgs/msg/String "{data: start}"`,
  );
  await stopped;
  try {
    return await finish();
  } finally {
    release();
  }
}

/** Human summary: per topic the achieved rate and late/missing samples, per episode its end. */
export function formatRecordReport(r: RecordReport): string {
  const lines = [
    `record: ${r.out}: ${r.kept} episode${r.kept === 1 ? '' : 's'}, ${r.keptSteps} steps kept` +
      (r.discarded.length > 0 ? ` (discarded: ${r.discarded.join(', ')})` : '') +
      `; ${r.ticks} ticks at ${r.achievedRateHz.toFixed(1)} Hz of ${r.controlRateHz} Hz, ${r.overruns} overruns`,
    '  topic                                 type                                  rate Hz   late  missing  invalid  stamps 0/back/future',
  ];
  for (const t of r.topics)
    lines.push(
      `  ${t.topic.padEnd(37)} ${t.type.padEnd(37)} ${t.achievedRateHz.toFixed(1).padStart(7)} ${String(t.late).padStart(6)} ${String(t.missing).padStart(8)} ${String(t.invalid).padStart(8)}  ${t.zeroStamps}/${t.backwardStamps}/${t.futureStamps}`,
    );
  for (const e of r.episodes)
    lines.push(
      `  episode ${e.index}: ${e.discarded ? 'discarded' : e.end}, ${e.steps} steps${e.marks.length > 0 ? ` — ${e.marks.join('; ')}` : ''}`,
    );
  return lines.join('\n');
}

/** The simulated robot and its leader for `--sim`, over one in-process graph. */
interface SimWorld {
  readonly bus: Bus;
  readonly eventsTopic: string;
  start(): void;
  dispose(): void;
}

/**
 * `--sim TASK --teleop-policy P` (or `--sim --model robot.xml [--task-config t.yaml]`): the task or MJCF
 * robot as a ROS 2-like robot node (SimNode, realtime at the control
 * rate) and a leader node that answers every joint state with the policy's mean action on the command
 * topic, all over the in-process bus; the recorder gets its own node on the same graph.
 */
async function simWorld(o: RunRecordOptions, config: RobotConfig): Promise<SimWorld> {
  if (o.teleopPolicy === undefined)
    throw new GailBridgeError(
      'usage',
      '--sim needs --teleop-policy: without ROS 2 there is no teleop device, so a policy plays the leader',
    );
  if (config.action.type !== 'std_msgs/Float64MultiArray')
    throw new GailBridgeError(
      'config',
      `--sim: the simulator takes std_msgs/Float64MultiArray commands, ${o.config} records ${config.action.type}`,
    );
  const target = envTargetFromFlags(
    { task: o.sim === true ? undefined : o.sim, model: o.model, taskConfig: o.taskConfig },
    'record --sim',
  );
  if (target === undefined)
    throw new GailBridgeError(
      'usage',
      '--sim needs a built-in task (--sim hopper) or an MJCF robot (--sim --model robot.xml [--task-config task.yaml])',
    );
  const [{ readPolicyFile }, { RecordPolicy }] = await Promise.all([
    import('../data/policy-file.js'),
    import('../deploy/record-policy.js'),
  ]);
  const record = await readPolicyFile(o.teleopPolicy);
  const policy = new RecordPolicy(record, o.teleopPolicy);
  let env: Awaited<ReturnType<typeof makeEnvTarget>>;
  try {
    env = await makeEnvTarget(target);
  } catch (err) {
    policy.dispose();
    throw err;
  }
  const graph = new InProcessGraph(o.scheduler);
  const simBus = graph.node('gail_bridge_sim');
  const leaderBus = graph.node('gail_bridge_teleop');
  const bus = graph.node(o.nodeName);
  const node = new SimNode({
    bus: simBus,
    env,
    realtime: true,
    rateHz: config.control_rate_hz,
    commandTopic: config.action.topic,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
  });
  const mapper = new ObservationMapper(config);
  if (mapper.dim !== policy.obsDim)
    throw new GailBridgeError(
      'spec',
      `--teleop-policy ${o.teleopPolicy}: takes ${policy.obsDim} observations, ${o.config} makes ${mapper.dim}`,
    );
  const obs = new Float64Array(mapper.dim);
  const command = leaderBus.publisher(config.action.topic, ROS_TYPE[config.action.type]);
  const period = 1 / config.control_rate_hz;
  const leader = leaderBus.subscribe('/joint_states', 'sensor_msgs/msg/JointState').subscribe((m) => {
    mapper.observe(new Map([['/joint_states', m]]), obs);
    const a = policy.act(Float32Array.from(obs), 1, 'deterministic').actions;
    command.publish(commandMessage(config.action, a, 0, period) as never);
  });
  return {
    bus,
    eventsTopic: '/gail_bridge_sim/episode_events',
    start: () => node.start(),
    dispose: () => {
      leader.unsubscribe();
      node.dispose();
      for (const b of [leaderBus, simBus, bus]) b.dispose();
      env.dispose();
      policy.dispose();
    },
  };
}

/**
 * `gail-bridge deploy --policy P --config C [--dry-run]`: runs a policy file on a robot over ROS 2 inside
 * the safety envelope (src/deploy/runner.ts) until SIGINT/SIGTERM, `--duration`, or a fault; then prints
 * the counters and latency. SIGINT and SIGTERM publish the safe command for at least 3 control periods
 * before anything is torn down. `--dry-run` runs everything over the in-process bus with the simulator
 * (realtime, at the control rate) standing in for the robot, so a deployment can be rehearsed without ROS 2:
 * the task or MJCF model (and task config) the policy was trained on, or the one --task/--model names.
 * `--corrections FILE` (with a `teleop` section in the robot config) records the steps of every takeover
 * by a person into a demo file for `train --algo dagger --corrections FILE` (HG-DAgger, docs/dagger.md).
 */
import type { Command } from 'commander';
import { loadRobotConfig, robotSpec } from '../config/robot.js';
import { describeEnvTarget, envTargetFromFlags, envTargetFromSource, makeEnvTarget } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { DemoWriter } from '../data/demo-writer.js';
import { readPolicyFile } from '../data/policy-file.js';
import { type CorrectionCounts, CorrectionRecorder } from '../deploy/corrections.js';
import { RecordPolicy } from '../deploy/record-policy.js';
import { type DeployCounters, type DeployResult, DeployRunner } from '../deploy/runner.js';
import type { Bus } from '../ros/bus.js';
import { InProcessGraph } from '../ros/in-process-bus.js';
import { createRclnodejsBus } from '../ros/rclnodejs-bus.js';
import { SimNode } from '../ros/sim-node.js';
import { info, report, runCommand } from './common.js';
import { EXIT } from './exit-codes.js';

/** What `deploy` prints (with --json, exactly this object). */
export interface DeployReport {
  readonly policy: string;
  readonly config: string;
  readonly dryRun: boolean;
  /** With --dry-run: what the simulator ran ("hopper", or "model robot.xml (task config task.yaml)"). */
  readonly simulated?: string;
  readonly reason: DeployResult['reason'];
  readonly message: string;
  readonly seconds: number;
  readonly counters: DeployCounters;
  /** With --corrections: the file, and the takeover steps written to it. */
  readonly corrections?: { readonly file: string } & CorrectionCounts;
  /** Observation receipt → command published, milliseconds. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly count: number;
  };
}

/** The flags of `deploy` as commander parses them. */
interface DeployFlags extends RunDeployOptions {
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description(
      'run a policy on a robot over ROS 2 inside the safety envelope (Ctrl-C publishes the safe command, then exits)',
    )
    .requiredOption('--policy <file>', 'policy file (gail-bridge train output)')
    .requiredOption('--config <file>', 'robot mapping config (config/robots/*.yaml)')
    .option('--dry-run', 'no ROS 2: the in-process bus with the simulator as the robot', false)
    .option(
      '--task <name>',
      'simulated task for --dry-run (default: the task or model the policy was trained on)',
    )
    .option('--model <robot.xml>', 'simulated MJCF robot for --dry-run, as a generic task')
    .option('--task-config <file.yaml>', 'generic task options for --model (config/tasks/*.yaml)')
    .option('--duration <seconds>', 'stop after this many seconds (default: until SIGINT/SIGTERM)', Number)
    .option('--node-name <name>', 'ROS 2 node name', 'gail_bridge_deploy')
    .option('--log-commands', 'print every published command on stderr', false)
    .option(
      '--corrections <file>',
      "record every takeover's (observation, teleop command) steps into this demo file (needs the config's teleop section)",
    )
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: DeployFlags) =>
      runCommand(async () => {
        const r = await runDeploy(o);
        report(o.json, r, () => formatReport(r));
        if (r.reason === 'fault') process.exitCode = EXIT.fault;
      }),
    );
}

/** Options of `runDeploy` (the command's flags). */
export interface RunDeployOptions {
  readonly policy: string;
  readonly config: string;
  readonly dryRun: boolean;
  /** --dry-run: the simulated task, or `model`/`taskConfig`; none: what the policy was trained on. */
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
  readonly duration?: number | undefined;
  readonly nodeName: string;
  readonly logCommands: boolean;
  /** Demo file for the takeover steps (HG-DAgger corrections). */
  readonly corrections?: string | undefined;
  /**
   * --dry-run: called with the in-process graph before the runner starts, so that a simulated person (a
   * test, a rehearsal script) can publish on the teleop and takeover topics. Not a command-line flag.
   */
  readonly onDryRunGraph?: (graph: InProcessGraph) => void;
}

/** Runs the deploy command; resolves after teardown. */
export async function runDeploy(o: RunDeployOptions): Promise<DeployReport> {
  if (o.duration !== undefined && !(o.duration > 0))
    throw new GailBridgeError(
      'usage',
      `--duration: expected a positive number of seconds, got ${o.duration}`,
    );
  if (!o.dryRun && (o.task ?? o.model ?? o.taskConfig) !== undefined)
    throw new GailBridgeError('usage', '--task, --model and --task-config choose the simulator of --dry-run');
  const config = loadRobotConfig(o.config);
  if (o.corrections !== undefined && config.teleop === undefined)
    throw new GailBridgeError(
      'usage',
      `--corrections ${o.corrections}: ${o.config} has no teleop section to take over from; add ` +
        'teleop: { topic, type, takeover_topic } (docs/dagger.md)',
    );
  const record = await readPolicyFile(o.policy);
  const policy = new RecordPolicy(record, o.policy);
  const cleanup: (() => void)[] = [() => policy.dispose()];
  let bus: Bus;
  let sim: SimNode | undefined;
  let simulated: string | undefined;
  if (o.dryRun) {
    let env: Awaited<ReturnType<typeof makeEnvTarget>>;
    try {
      const target =
        envTargetFromFlags(o, 'deploy --dry-run') ?? envTargetFromSource(record.spec.source, o.policy);
      simulated = describeEnvTarget(target);
      env = await makeEnvTarget(target);
    } catch (err) {
      policy.dispose();
      throw err;
    }
    cleanup.push(() => env.dispose());
    const graph = new InProcessGraph();
    o.onDryRunGraph?.(graph);
    bus = graph.node(o.nodeName);
    const simBus = graph.node('gail_bridge_sim');
    cleanup.push(() => simBus.dispose());
    if (config.action.type !== 'std_msgs/Float64MultiArray')
      throw new GailBridgeError(
        'config',
        `--dry-run: the simulator takes std_msgs/Float64MultiArray commands, ${o.config} sends ${config.action.type}`,
      );
    sim = new SimNode({
      bus: simBus,
      env,
      realtime: true,
      rateHz: config.control_rate_hz,
      commandTopic: config.action.topic,
    });
  } else {
    bus = await createRclnodejsBus(o.nodeName);
  }
  cleanup.push(() => bus.dispose());
  const started = performance.now();
  let runner: DeployRunner;
  let writer: DemoWriter | undefined;
  let corrections: CorrectionRecorder | undefined;
  try {
    if (o.corrections !== undefined) {
      const spec = robotSpec(config, o.config);
      writer = await DemoWriter.create(o.corrections, { spec });
      corrections = new CorrectionRecorder(writer, spec.observation.names.length, spec.action.names.length);
      info(
        `deploy: takeovers on ${config.teleop?.takeover_topic} (std_msgs/Bool) are recorded into ${o.corrections}`,
      );
    }
    runner = new DeployRunner({
      bus,
      config,
      configLabel: o.config,
      policy,
      policySpec: record.spec,
      policyLabel: o.policy,
      onWarning: (w) => info(`deploy: warning: ${w}`),
      onEvent: (e) => info(`deploy: ${e.mode} (${e.reason})`),
      ...(corrections ? { corrections } : {}),
      ...(o.logCommands
        ? {
            onPublish: (c: Float64Array, safe: boolean) =>
              info(`command ${safe ? 'safe' : 'policy'} ${Array.from(c, (v) => v.toPrecision(6)).join(' ')}`),
          }
        : {}),
    });
  } catch (err) {
    await writer?.close();
    for (const c of cleanup.reverse()) c();
    throw err;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    info(`deploy: ${signal}: publishing the safe command, then exiting`);
    void runner.stop(`stopped by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal closed or the output lost (src/cli/lost-output.ts): stop as on SIGTERM.
  process.on('SIGHUP', onSignal);
  const timer =
    o.duration !== undefined
      ? setTimeout(() => void runner.stop('duration reached'), o.duration * 1000)
      : undefined;
  try {
    runner.start();
    sim?.start();
    info(
      `deploy: ${o.policy} on ${config.name} at ${config.control_rate_hz} Hz${o.dryRun ? ` (dry run, simulated robot: ${simulated})` : ''}; Ctrl-C to stop`,
    );
    const result = await runner.done;
    const lat = result.latency;
    let written: DeployReport['corrections'];
    if (corrections && writer && o.corrections !== undefined) {
      const counts = await corrections.close();
      await writer.close();
      written = { file: o.corrections, ...counts };
    }
    return {
      policy: o.policy,
      config: o.config,
      dryRun: o.dryRun,
      ...(simulated === undefined ? {} : { simulated }),
      reason: result.reason,
      message: result.message,
      seconds: (performance.now() - started) / 1000,
      counters: result.counters,
      ...(written ? { corrections: written } : {}),
      latencyMs: { p50: lat.p50 * 1e3, p99: lat.p99 * 1e3, max: lat.max * 1e3, count: lat.count },
    };
  } finally {
    // A failure before the recorder closed still leaves a readable file (an open episode interrupted).
    await writer?.close();
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    sim?.dispose();
    for (const c of cleanup.reverse()) c();
  }
}

/** Human summary. */
export function formatReport(r: DeployReport): string {
  const c = r.counters;
  const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  return [
    `deploy ${r.policy} on ${r.config}${r.dryRun ? ' (dry run)' : ''}: ${r.reason} — ${r.message} after ${r.seconds.toFixed(1)} s`,
    `  cycles ${c.cycles}, published ${c.published} (safe ${c.safePublished}), stale ${c.stale}, non-finite obs ${c.nonFiniteObservations}, invalid obs ${c.invalidObservations}, non-finite actions ${c.nonFiniteActions}, deadline misses ${c.deadlineMisses}, late watchdog ticks ${c.watchdogLate}`,
    `  clamped per dim: absolute [${c.clampedAbsolute}], change [${c.clampedChange}], rate [${c.clampedRate}]`,
    ...(r.corrections
      ? [
          `  takeovers ${c.takeovers}, teleop commands ${c.teleopPublished}; corrections: ${r.corrections.steps} steps in ${r.corrections.episodes} episodes → ${r.corrections.file}${r.corrections.dropped > 0 ? ` (${r.corrections.dropped} lost: the writer fell behind)` : ''}`,
        ]
      : []),
    `  latency observation → command: p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms (${r.latencyMs.count} cycles)`,
  ].join('\n');
}

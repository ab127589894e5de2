/**
 * `npm run bench -- ros-dds`: the deploy loop between two processes over real DDS (ROS 2 sourced,
 * rclnodejs installed), beside `bench ros`'s in-process figures, at 100, 500 and 1000 Hz.
 *
 * Per rate: this process serves the simulated Hopper as a ROS 2 node (SimNode over rclnodejs, realtime: one
 * env step per period on a timer, as a robot driver publishes) and watches the graph with a probe on the
 * same node; `gail-bridge deploy` runs in a child process with the Hopper policy (experts/hopper.policy, or
 * a random 2×64 MLP of the same shape when it is missing) and a copy of config/robots/hopper-sim.yaml at
 * the row's rate. After `cycles` commands the child gets SIGINT and prints its summary (--json).
 *   - bridge latency: the deploy process's joint-state receipt → command publish (its own measure);
 *   - DDS round trip: the probe's receipt of a joint state → its receipt of the command answering it
 *     (two DDS hops: sim → deploy → probe, both processes on this machine);
 *   - deadline misses (compute over one period) and late watchdog ticks per 10 000 cycles.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeployReport } from '../src/cli/deploy.js';
import { QOS_PRESETS } from '../src/config/qos.js';
import { GailBridgeError } from '../src/core/errors.js';
import { readPolicyFile, writePolicyFile } from '../src/data/policy-file.js';
import { quantile } from '../src/deploy/latency.js';
import { createRclnodejsBus } from '../src/ros/rclnodejs-bus.js';
import { SimNode } from '../src/ros/sim-node.js';
import { makeTaskEnv } from '../src/sim/tasks/index.js';
import { randomPolicyRecord } from '../test/deploy/fixtures.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples } from './lib/stats.js';

const RATES = [100, 500, 1000] as const;
const CYCLES = 10_000;
const QUICK_CYCLES = 300;
const EXPERT = 'experts/hopper.policy';
const CONFIG = 'config/robots/hopper-sim.yaml';

const COLUMNS: readonly Column[] = [
  { key: 'rate', title: 'rate (Hz)', format: 'count' },
  { key: 'cycles', title: 'cycles', format: 'count' },
  { key: 'p50', title: 'bridge p50', format: 'seconds', unit: 's, joint state received → command published' },
  { key: 'p99', title: 'bridge p99', format: 'seconds', unit: 's' },
  { key: 'max', title: 'bridge max', format: 'seconds', unit: 's' },
  { key: 'roundP50', title: 'DDS round p50', format: 'seconds', unit: 's, probe: joint state → command' },
  { key: 'roundP99', title: 'DDS round p99', format: 'seconds', unit: 's' },
  { key: 'roundMax', title: 'DDS round max', format: 'seconds', unit: 's' },
  { key: 'missesPer10k', title: 'deadline misses / 10k', format: 'count' },
  { key: 'watchdogLatePer10k', title: 'late watchdog / 10k', format: 'count' },
  { key: 'achievedHz', title: 'achieved rate', format: 'rate', unit: 'cycles/s' },
];

const TARGETS: readonly TargetSpec[] = [
  {
    key: 'p99',
    description: 'bridge latency p99 under 1 ms (inside the deploy process, as in bench ros)',
    column: 'p99',
    comparison: 'atMost',
    threshold: 0.001,
  },
];

/** Starts deploy in a child process; resolves with its --json summary once it exits. */
function startDeploy(policy: string, config: string, log: (l: string) => void) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'deploy', '--policy', policy, '--config', config, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<DeployReport>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) {
        log(stderr.slice(-2000));
        reject(new GailBridgeError('ros', `ros-dds: deploy exited ${code}`));
        return;
      }
      resolve(JSON.parse(stdout) as DeployReport);
    });
  });
  return { child, done };
}

async function runRate(
  rate: number,
  cycles: number,
  dir: string,
  ctx: BenchContext,
  notes: string[],
): Promise<Row> {
  const env = await makeTaskEnv('hopper');
  const configPath = join(dir, `hopper-${rate}.yaml`);
  const config = parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, stringify({ ...config, control_rate_hz: rate }));
  let record = existsSync(EXPERT) ? await readPolicyFile(EXPERT) : randomPolicyRecord(env.spec, 11, [64, 64]);
  if (!existsSync(EXPERT) && !notes.some((n) => n.startsWith('policy:')))
    notes.push(`policy: ${EXPERT} not found; a random 2×64 tanh MLP of the same shape was used.`);
  record = { ...record, spec: { ...record.spec, controlRateHz: rate } };
  const policyPath = join(dir, `hopper-${rate}.policy`);
  await writePolicyFile(policyPath, record);

  const bus = await createRclnodejsBus(`gb_bench_sim_${process.pid}`);
  const round = new Float64Array(cycles + 64);
  let rounds = 0;
  let commandsSeen = 0;
  let stateSeenAt = Number.NaN;
  const subs = [
    bus.subscribe('/joint_states', 'sensor_msgs/msg/JointState', QOS_PRESETS.sensor_data).subscribe(() => {
      stateSeenAt = performance.now();
    }),
    bus.subscribe('/forward_command_controller/commands', 'std_msgs/msg/Float64MultiArray').subscribe(() => {
      commandsSeen++;
      if (!Number.isNaN(stateSeenAt) && rounds < round.length)
        round[rounds++] = (performance.now() - stateSeenAt) / 1000;
      stateSeenAt = Number.NaN;
    }),
  ];
  const sim = new SimNode({ bus, env, realtime: true, rateHz: rate });
  sim.start();
  const deploy = startDeploy(policyPath, configPath, ctx.log);
  const t0 = performance.now();
  while (commandsSeen < cycles) {
    if (performance.now() - t0 > (cycles / rate) * 3000 + 60_000) {
      deploy.child.kill('SIGKILL');
      throw new GailBridgeError(
        'ros',
        `ros-dds: ${commandsSeen} of ${cycles} commands after ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  deploy.child.kill('SIGINT');
  const report = await deploy.done;
  for (const s of subs) s.unsubscribe();
  sim.dispose();
  bus.dispose();
  env.dispose();
  const sorted = round.slice(0, rounds).sort();
  const c = report.counters;
  return {
    key: `${rate}hz`,
    cells: {
      rate,
      cycles: c.cycles,
      p50: report.latencyMs.p50 / 1000,
      p99: report.latencyMs.p99 / 1000,
      max: report.latencyMs.max / 1000,
      roundP50: quantile(sorted, 0.5),
      roundP99: quantile(sorted, 0.99),
      roundMax: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
      missesPer10k: Math.round((c.deadlineMisses / Math.max(1, c.cycles)) * 10_000),
      watchdogLatePer10k: Math.round((c.watchdogLate / Math.max(1, c.cycles)) * 10_000),
      achievedHz: c.cycles / report.seconds,
    },
  };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  if (!process.env.ROS_DISTRO)
    throw new GailBridgeError(
      'ros',
      'ros-dds needs ROS 2: source /opt/ros/<distro>/setup.bash (and install rclnodejs) first',
    );
  const cycles = ctx.options.quick ? QUICK_CYCLES : CYCLES;
  const notes: string[] = [
    'Two processes on one machine over DDS (loopback): the simulator + probe here, deploy in a child process.',
    'The simulator steps on a Node timer (1 ms resolution): the achieved rate at 1000 Hz is bounded by it.',
  ];
  const dir = mkdtempSync(join(tmpdir(), 'gb-bench-dds-'));
  const rows: Row[] = [];
  try {
    for (const rate of RATES) {
      if (ctx.options.only && !ctx.options.only.includes(`${rate}hz`)) continue;
      ctx.log(`ros-dds: ${rate} Hz, ${cycles} cycles…`);
      rows.push(await runRate(rate, cycles, dir, ctx, notes));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    bench: 'ros-dds',
    title: 'Deploy between two processes over real ROS 2 (DDS): observation → command latency',
    measured: [
      `Per rate: ${cycles} control cycles of the Hopper policy (deploy, child process) driving the realtime simulated Hopper (this process) over DDS.`,
      'Bridge latency: the deploy runner’s joint-state receipt → command publish (performance.now), p50/p99 nearest rank, max.',
      'DDS round: the probe’s receipt of each joint state → its receipt of the command that answers it (two DDS hops).',
      'Deadline misses: cycles whose compute exceeded one period, per 10 000 cycles; late watchdog: ticks more than a period late.',
    ],
    backend: `rclnodejs over ${process.env.RMW_IMPLEMENTATION ?? 'the default RMW'}, ROS 2 ${process.env.ROS_DISTRO}`,
    columns: COLUMNS,
    rows,
    targets: TARGETS.map((t) => ({ ...t })),
    notes,
    samples: new Samples().toJSON(),
  };
}

export const bench: Bench = {
  name: 'ros-dds',
  description:
    'deploy between two processes over real ROS 2 (DDS): latency p50/p99/max, DDS round trip, misses at 100/500/1000 Hz',
  rowKeys: RATES.map((r) => `${r}hz`),
  run,
};

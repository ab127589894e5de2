/**
 * `npm run bench -- ros-rollouts`: GAIL collecting from ROS 2 simulator nodes (ROS 2 sourced, rclnodejs
 * and gail_bridge_msgs built): 1, 2 and 4 `gail-bridge sim --task hopper --ros --namespace sK` processes
 * feed one learner in lock-step over DDS, against the in-process envs for reference.
 *
 * Per row: `rounds` GAIL rounds of 2048 env steps (numSteps = 2048 / nodes), Hopper, 4 demonstrations.
 *   - env steps/s: all env steps over the wall-clock of the rounds (collection + updates);
 *   - collection steps/s: env steps over the time spent collecting (simulators + DDS + the policy);
 *   - learner share: the discriminator's and the policy update's part of the rounds' time.
 * The simulators are separate processes on the same 2 cores as the learner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { gailAlgorithm } from '../src/algos/gail.js';
import { GailBridgeError } from '../src/core/errors.js';
import { resolveGailConfig } from '../src/gail/config.js';
import { createRclnodejsBus } from '../src/ros/rclnodejs-bus.js';
import type { MetricsRow } from '../src/run/algorithm.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row } from './lib/report.js';
import { Samples } from './lib/stats.js';

const NODES = [1, 2, 4] as const;
const ROUNDS = 8;
const QUICK_ROUNDS = 2;
const STEPS_PER_ROUND = 2048;

const COLUMNS: readonly Column[] = [
  { key: 'source', title: 'rollouts from', format: 'text' },
  { key: 'envs', title: 'envs', format: 'count' },
  { key: 'rounds', title: 'rounds', format: 'count' },
  {
    key: 'stepsPerSecond',
    title: 'env steps/s',
    format: 'rate',
    unit: 'env steps / s, collection + updates',
  },
  {
    key: 'collectStepsPerSecond',
    title: 'collection steps/s',
    format: 'rate',
    unit: 'env steps / s while collecting',
  },
  {
    key: 'learnerShare',
    title: 'learner share',
    format: 'percent',
    unit: 'share of the rounds\u2019 time in D and policy updates',
  },
  {
    key: 'collectShare',
    title: 'collection share',
    format: 'percent',
    unit: 'share of the rounds\u2019 time collecting',
  },
];

function startSims(n: number, log: (l: string) => void): ChildProcess[] {
  return Array.from({ length: n }, (_, k) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sim',
        '--task',
        'hopper',
        '--ros',
        '--namespace',
        `s${k}`,
        '--seed',
        String(k + 1),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) log(`ros-rollouts: sim s${k} exited ${code}: ${err.slice(-500)}`);
    });
    return child;
  });
}

async function runRow(nodes: number | 'in-process', rounds: number, ctx: BenchContext): Promise<Row> {
  const envs = nodes === 'in-process' ? 4 : nodes;
  const namespaces = Array.from({ length: envs }, (_, k) => `s${k}`);
  const config = resolveGailConfig({
    task: 'hopper',
    demos: 'demos/hopper.mcap',
    demoTrajectories: 4,
    subsample: 20,
    steps: rounds * STEPS_PER_ROUND,
    numSteps: STEPS_PER_ROUND / envs,
    ...(nodes === 'in-process'
      ? { numEnvs: envs }
      : {
          ros: {
            config: 'config/robots/hopper-sim.yaml',
            namespaces,
            timing: 'lockstep',
            simNode: 'gail_bridge_sim',
          },
        }),
    seed: 0,
  });
  const sims = nodes === 'in-process' ? [] : startSims(nodes, ctx.log);
  const rows: MetricsRow[] = [];
  try {
    const alg = await gailAlgorithm(config, {
      rosBus: () => createRclnodejsBus(`gb_bench_learner_${process.pid}`),
    });
    try {
      await alg.train(
        { round: 0, envSteps: 0 },
        { onRound: (_p, r) => rows.push(r), shouldStop: () => false, wallSeconds: () => 0 },
      );
    } finally {
      alg.dispose();
    }
  } finally {
    for (const s of sims) s.kill('SIGINT');
    await Promise.all(sims.map((s) => new Promise((r) => s.once('exit', r))));
  }
  // The first round includes start-up (discovery, JIT): left out.
  const timed = rows.slice(1);
  const sum = (k: string): number => timed.reduce((a, r) => a + (r[k] ?? 0), 0);
  const collect = sum('collectSeconds');
  const learner = sum('discSeconds') + sum('policySeconds');
  const steps = timed.length * STEPS_PER_ROUND;
  return {
    key: nodes === 'in-process' ? 'in-process' : `${nodes}-nodes`,
    cells: {
      source:
        nodes === 'in-process'
          ? 'in-process envs'
          : `${nodes} sim process${nodes === 1 ? '' : 'es'} over DDS`,
      envs,
      rounds: timed.length,
      stepsPerSecond: steps / (collect + learner),
      collectStepsPerSecond: steps / collect,
      learnerShare: learner / (collect + learner),
      collectShare: collect / (collect + learner),
    },
  };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  if (!process.env.ROS_DISTRO)
    throw new GailBridgeError(
      'ros',
      'ros-rollouts needs ROS 2: source /opt/ros/<distro>/setup.bash, install rclnodejs and build gail_bridge_msgs (docs/ros2.md)',
    );
  const rounds = ctx.options.quick ? QUICK_ROUNDS + 1 : ROUNDS + 1;
  const rows: Row[] = [];
  for (const nodes of ['in-process', ...NODES] as const) {
    const key = nodes === 'in-process' ? 'in-process' : `${nodes}-nodes`;
    if (ctx.options.only && !ctx.options.only.includes(key)) continue;
    ctx.log(`ros-rollouts: ${key}, ${rounds} rounds of ${STEPS_PER_ROUND} env steps…`);
    rows.push(await runRow(nodes, rounds, ctx));
  }
  return {
    bench: 'ros-rollouts',
    title:
      'GAIL from ROS 2 simulator nodes (lock-step over DDS) vs in-process envs: throughput and where the time goes',
    measured: [
      `Per row: ${rounds} GAIL rounds of ${STEPS_PER_ROUND} env steps on Hopper (4 demonstrations, one pair in 20), the first round (start-up) left out.`,
      'env steps/s: env steps over collection + discriminator + policy time; collection steps/s: over collection time only.',
      'learner share: discriminator steps, rewards and the PPO update, as a share of the rounds\u2019 time.',
    ],
    backend: `rclnodejs over ${process.env.RMW_IMPLEMENTATION ?? 'the default RMW'}, ROS 2 ${process.env.ROS_DISTRO}; learner on TensorFlow.js (auto backend)`,
    columns: COLUMNS,
    rows,
    targets: [],
    notes: [
      'The simulators are separate processes sharing the machine\u2019s cores with the learner; in lock-step each waits for the learner\u2019s command, so they never run ahead.',
    ],
    samples: new Samples().toJSON(),
  };
}

export const bench: Bench = {
  name: 'ros-rollouts',
  description:
    'GAIL collecting from 1, 2, 4 ROS 2 simulator processes (lock-step, DDS) vs in-process envs: env steps/s and the learner share',
  rowKeys: ['in-process', ...NODES.map((n) => `${n}-nodes`)],
  run,
};

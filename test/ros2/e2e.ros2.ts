/**
 * End-to-end scenarios on a real ROS 2 graph (run by `npm run test:ros2`, which sources the interface
 * package and sets a ROS_DOMAIN_ID of its own). Each scenario starts the CLI in real processes and watches
 * the graph from an independent node in this process, as `ros2 topic echo` would:
 *   - sim --ros + deploy: the Hopper moves, episodes end and reset, BridgeStatus arrives (uint64 counters);
 *   - SIGINT and SIGTERM to deploy: at least 3 safe commands seen by the independent node, exit within 1 s;
 *   - SIGKILL of the simulator: the safe command within the stale timeout plus one period, then every period;
 *   - record from the simulator with a deploy process as the leader: the file holds the episodes;
 *   - each launch file under `ros2 launch`, ended with Ctrl-C: safe command, exit within 5 s.
 * Figures measured here (gaps, latencies) are printed with `# ` so a run's log can be quoted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { gailAlgorithm } from '../../src/algos/gail.js';
import { QOS_PRESETS } from '../../src/config/qos.js';
import { loadRobotConfig, observationTimeout } from '../../src/config/robot.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { resolveGailConfig } from '../../src/gail/config.js';
import { useBackend } from '../../src/learn/backend.js';
import { BRIDGE_MSG_TYPES, type BridgeStatusMsg, type EpisodeEventMsg } from '../../src/ros/bridge-msgs.js';
import type { Bus } from '../../src/ros/bus.js';
import type { JointState } from '../../src/ros/messages.js';
import { createRclnodejsBus } from '../../src/ros/rclnodejs-bus.js';
import type { MetricsRow } from '../../src/run/algorithm.js';
import { envsSeededAsSimulators } from '../algos/side-by-side.js';
import { type Child, cli, exitWithin, interruptGroup, killAll, ROOT, start, waitFor } from './processes.js';

const CONFIG = join(ROOT, 'config/robots/hopper-sim.yaml');
const EXPERT = join(ROOT, 'experts/hopper.policy');
const robot = loadRobotConfig(CONFIG);
const PERIOD_MS = 1000 / robot.control_rate_hz;
const TIMEOUT_MS = observationTimeout(robot) * 1000;
const COMMAND_TOPIC = robot.action.topic;
const START_MS = 60_000;

interface Seen {
  readonly t: number;
  readonly zero: boolean;
}

let probe: Bus;
let tmp: string;
const children: Child[] = [];
const commands: Seen[] = [];
const states: { t: number; rootx: number }[] = [];
const events: EpisodeEventMsg[] = [];
const statuses: BridgeStatusMsg[] = [];

const track = (c: Child): Child => {
  children.push(c);
  return c;
};
const since = (t: number): Seen[] => commands.filter((c) => c.t >= t);
const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
const median = (xs: number[]): number => quantile(xs, 0.5);

function simProcess(name = 'sim'): Child {
  return track(cli(name, ['sim', '--task', 'hopper', '--ros', '--realtime', '--seed', '1']));
}

function deployProcess(name = 'deploy', extra: string[] = []): Child {
  return track(cli(name, ['deploy', '--policy', EXPERT, '--config', CONFIG, '--json', ...extra]));
}

/**
 * Nothing from an earlier scenario still commands the robot: the probe's view of the graph shows no
 * publisher on the command topic (each scenario's commands then come from its own processes).
 */
async function graphQuiet(): Promise<void> {
  await waitFor(
    `no publisher left on ${COMMAND_TOPIC}`,
    () => probe.countPublishers(COMMAND_TOPIC) === 0,
    15_000,
    children,
  );
}

/** Commands seen after `t0` reach `n` (the deploy loop is running end to end). */
async function commanding(t0: number, n: number, procs: Child[]): Promise<void> {
  await waitFor(
    `${n} commands on ${COMMAND_TOPIC}`,
    () => since(t0).filter((c) => !c.zero).length >= n,
    START_MS,
    procs,
  );
}

/**
 * Sends `signal` to deploy and checks: ≥ 3 safe commands after it, exit within `limitMs` (1 s) with a
 * clean summary.
 */
async function stopsSafely(deploy: Child, signal: NodeJS.Signals, limitMs = 1000): Promise<void> {
  const t = performance.now();
  deploy.proc.kill(signal);
  const { code, ms } = await exitWithin(deploy, limitMs, t);
  // The last safe command may still be in flight when the process is gone.
  await new Promise((r) => setTimeout(r, 100));
  const after = since(t);
  const safe = after.filter((c) => c.zero).length;
  process.stdout.write(
    `# ${signal}: exit ${code} after ${ms.toFixed(0)} ms; commands seen after it: ${after.length} (${safe} safe)\n`,
  );
  assert.equal(code, 0, deploy.stderr);
  assert.ok(safe >= 3, `expected at least 3 safe commands after ${signal}, saw ${safe}\n${deploy.stderr}`);
  assert.ok(
    after.slice(-3).every((c) => c.zero),
    'the last commands are safe ones',
  );
  const summary = JSON.parse(deploy.stdout) as {
    reason: string;
    message: string;
    counters: { safePublished: number };
  };
  assert.equal(summary.reason, 'stopped');
  assert.equal(summary.message, `stopped by ${signal}`);
}

before(async () => {
  assert.ok(existsSync(EXPERT), `${EXPERT} is missing`);
  tmp = mkdtempSync(join(tmpdir(), 'gb-e2e-'));
  probe = await createRclnodejsBus(`gb_e2e_probe_${process.pid}`);
  probe.subscribe(COMMAND_TOPIC, 'std_msgs/msg/Float64MultiArray').subscribe((m) => {
    commands.push({ t: performance.now(), zero: Array.from(m.data).every((v) => v === 0) });
  });
  probe
    .subscribe('/joint_states', 'sensor_msgs/msg/JointState', QOS_PRESETS.sensor_data)
    .subscribe((m: JointState) => {
      const i = m.name.indexOf('rootx');
      states.push({ t: performance.now(), rootx: i >= 0 ? m.position[i]! : Number.NaN });
    });
  probe
    .subscribe('/gail_bridge_sim/episode_events', BRIDGE_MSG_TYPES.episodeEvent)
    .subscribe((m) => events.push(m as unknown as EpisodeEventMsg));
  probe
    .subscribe('/gail_bridge_deploy/status', BRIDGE_MSG_TYPES.bridgeStatus)
    .subscribe((m) => statuses.push(m as unknown as BridgeStatusMsg));
});

// A failed scenario leaves its processes running: end them before the next one looks at the graph.
afterEach(async () => {
  killAll(children);
  await Promise.all(children.map((c) => c.exited));
});

after(() => {
  killAll(children);
  probe?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('real ROS 2: sim and deploy in two processes', { timeout: 180_000 }, () => {
  it('the Hopper moves, episodes end and reset, status arrives; SIGINT to deploy: 3 safe commands, exit < 1 s', async () => {
    await graphQuiet();
    const t0 = performance.now();
    const sim = simProcess();
    const deploy = deployProcess();
    await commanding(t0, 250, [sim, deploy]);
    const moving = states.filter((s) => s.t >= t0 && Number.isFinite(s.rootx));
    const forward = moving.at(-1)!.rootx - moving[0]!.rootx;
    process.stdout.write(
      `# hopper moved ${forward.toFixed(2)} m forward over ${moving.length} joint states\n`,
    );
    assert.ok(forward > 0.5, `the Hopper should hop forward, moved ${forward} m`);

    // An episode ends (reset service: truncated) and the next one starts; the loop keeps going.
    // (The Hopper may also have fallen by now — terminated — on a loaded machine; only the reset's are read.)
    const before = events.length;
    const reset = probe.serviceClient('/gail_bridge_sim/reset', 'std_srvs/srv/Trigger');
    const res = await reset.call({}, 5000);
    reset.dispose();
    assert.equal(res.success, true);
    const fresh = (): EpisodeEventMsg[] => events.slice(before);
    await waitFor(
      'ended + started events after the reset',
      () => fresh().some((e) => e.event === 1) && fresh().some((e) => e.event === 0),
      5000,
      [sim],
    );
    const ended = fresh().find((e) => e.event === 1)!;
    assert.equal(ended.end, 2, 'a reset ends the episode truncated');
    const started = fresh().find((e) => e.event === 0)!;
    assert.equal(started.episode, ended.episode + 1);
    const tReset = performance.now();
    await commanding(tReset, 100, [sim, deploy]);

    await waitFor('a BridgeStatus', () => statuses.length >= 1, 5000, [deploy]);
    const st = statuses.at(-1)!;
    assert.equal(typeof st.steps, 'bigint');
    assert.ok(st.steps > 0n);
    const js = st.topics.find((t) => t.topic === '/joint_states');
    assert.ok(
      js && js.received > 0n,
      JSON.stringify(st.topics, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    process.stdout.write(
      `# status: steps ${st.steps}, /joint_states received ${js.received} at ${js.achieved_rate_hz.toFixed(1)} Hz\n`,
    );

    await stopsSafely(deploy, 'SIGINT');
    const t = performance.now();
    sim.proc.kill('SIGINT');
    await exitWithin(sim, 1000, t);
  });

  it('SIGTERM to deploy: 3 safe commands, exit < 1 s', async () => {
    await graphQuiet();
    const t0 = performance.now();
    const sim = simProcess();
    const deploy = deployProcess();
    await commanding(t0, 100, [sim, deploy]);
    await stopsSafely(deploy, 'SIGTERM');
    sim.proc.kill('SIGTERM');
    await exitWithin(sim, 1000, performance.now());
  });

  it('SIGKILL of the simulator: the safe command within the stale timeout plus one period, then every period', async () => {
    await graphQuiet();
    const t0 = performance.now();
    const sim = simProcess();
    const deploy = deployProcess();
    await commanding(t0, 100, [sim, deploy]);
    sim.proc.kill('SIGKILL');
    await sim.exited;
    await new Promise((r) => setTimeout(r, 1200));
    const lastState = states.at(-1)!.t;
    const safe = since(lastState).filter((c) => c.zero);
    assert.ok(safe.length > 0, 'no safe command after the simulator died');
    const first = safe[0]!.t - lastState;
    const window = safe.filter((c) => c.t <= safe[0]!.t + 1000);
    const gaps = window.slice(1).map((c, i) => c.t - window[i]!.t);
    process.stdout.write(
      `# SIGKILL sim: first safe command ${first.toFixed(1)} ms after the last joint state (timeout ${TIMEOUT_MS} ms + period ${PERIOD_MS} ms); ` +
        `then ${window.length} in 1 s, gaps p50 ${median(gaps).toFixed(2)} ms, p90 ${quantile(gaps, 0.9).toFixed(2)} ms, max ${Math.max(...gaps).toFixed(2)} ms\n`,
    );
    assert.ok(first <= TIMEOUT_MS + PERIOD_MS + 5, `first safe command after ${first.toFixed(1)} ms`);
    // Every period: the median gap is the period (it was 14.9 ms at 125 Hz before the watchdog kept
    // absolute deadlines) and nine gaps in ten are under 1.5 periods. The largest gap and the count are
    // printed, not held: on a shared 2-core host a busy neighbour can hold the process for tens of ms.
    assert.ok(Math.abs(median(gaps) - PERIOD_MS) <= 0.1 * PERIOD_MS, `median gap ${median(gaps)} ms`);
    assert.ok(quantile(gaps, 0.9) < 1.5 * PERIOD_MS, `p90 gap ${quantile(gaps, 0.9)} ms`);
    // With the robot gone, deleting the reliable command writer waits for its unacknowledged samples to
    // the dead reader until Cyclone DDS's writer linger duration (1 s by default) runs out: exit takes
    // about a second longer than with a live robot (measured 2.07 s).
    await stopsSafely(deploy, 'SIGINT', 3000);
  });
});

describe('real ROS 2: record from the simulator with a leader', { timeout: 180_000 }, () => {
  it('records the episodes the simulator runs while a deploy process leads', async () => {
    const out = join(tmp, 'leader.mcap');
    await graphQuiet();
    const t0 = performance.now();
    const sim = simProcess();
    const leader = track(
      cli('leader', ['deploy', '--policy', EXPERT, '--config', CONFIG, '--node-name', 'gail_bridge_leader']),
    );
    const rec = track(
      cli('record', [
        'record',
        '--config',
        CONFIG,
        '--out',
        out,
        '--no-keyboard',
        '--follow-episodes',
        '/gail_bridge_sim/episode_events',
        '--episodes',
        '2',
      ]),
    );
    await commanding(t0, 100, [sim, leader, rec]);
    await waitFor('record ready', () => /record: hopper_sim at 125 Hz/.test(rec.stderr), START_MS, [rec]);
    // Two episodes, each ended by the simulator's reset service after ~1.5 s.
    const reset = probe.serviceClient('/gail_bridge_sim/reset', 'std_srvs/srv/Trigger');
    for (let i = 0; i < 3 && rec.exitedAt === undefined; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      await reset.call({}, 5000);
    }
    reset.dispose();
    const { code } = await exitWithin(rec, 10_000, performance.now());
    assert.equal(code, 0, rec.stderr);
    const demo = await readDemoFile(out);
    process.stdout.write(
      `# record: ${demo.episodes.length} episodes, ${demo.episodes.map((e) => e.trajectory.length).join(' + ')} steps\n`,
    );
    assert.equal(demo.episodes.length, 2);
    for (const e of demo.episodes)
      assert.ok(e.trajectory.length > 50, `episode of ${e.trajectory.length} steps`);
    leader.proc.kill('SIGINT');
    sim.proc.kill('SIGINT');
    await Promise.all([leader.exited, sim.exited]);
  });
});

const hasLaunch = spawnSync('ros2', ['launch', '--help'], { stdio: 'ignore' }).status === 0;

describe('real ROS 2: launch files under ros2 launch, ended with Ctrl-C', {
  timeout: 240_000,
  skip: hasLaunch ? undefined : 'ros2 launch is not installed',
}, () => {
  /** Ctrl-C to the launch's process group; then the safe command and exit within 5 s. */
  async function ctrlC(launch: Child, expectSafe: boolean): Promise<void> {
    const t = performance.now();
    interruptGroup(launch);
    const { ms } = await exitWithin(launch, 5000, t);
    const after = since(t);
    process.stdout.write(
      `# ros2 launch: Ctrl-C → exit after ${ms.toFixed(0)} ms, ${after.filter((c) => c.zero).length} safe commands seen\n`,
    );
    if (expectSafe)
      assert.ok(
        after.some((c) => c.zero),
        `no safe command after Ctrl-C\n${launch.stdout.slice(-3000)}`,
      );
  }

  it('sim_deploy.launch.xml', async () => {
    await graphQuiet();
    const t0 = performance.now();
    const launch = track(
      start('launch sim_deploy', 'ros2', ['launch', 'launch/sim_deploy.launch.xml', `policy:=${EXPERT}`], {
        group: true,
      }),
    );
    await commanding(t0, 100, [launch]);
    await ctrlC(launch, true);
  });

  it('deploy.launch.xml (the robot: a sim process)', async () => {
    await graphQuiet();
    const t0 = performance.now();
    const sim = simProcess('sim for deploy.launch');
    const launch = track(
      start(
        'launch deploy',
        'ros2',
        ['launch', 'launch/deploy.launch.xml', `policy:=${EXPERT}`, `config:=${CONFIG}`],
        { group: true },
      ),
    );
    await commanding(t0, 100, [sim, launch]);
    await ctrlC(launch, true);
    sim.proc.kill('SIGINT');
    await sim.exited;
  });

  it('train_sims.launch.xml (2 simulators + the learner): Ctrl-C stops the run resumable, everything exits', async () => {
    const out = join(tmp, 'launch-train');
    const launch = track(
      start(
        'launch train_sims',
        'ros2',
        [
          'launch',
          'launch/train_sims.launch.xml',
          'sims:=2',
          'task:=inverted-pendulum',
          `config:=${join(ROOT, 'config/robots/inverted-pendulum-sim.yaml')}`,
          `demos:=${join(ROOT, 'demos/inverted-pendulum.mcap')}`,
          'steps:=100000',
          `out:=${out}`,
        ],
        { group: true },
      ),
    );
    await waitFor('a GAIL round', () => /gail \d+\/100000/.test(launch.stdout), START_MS, [launch]);
    await ctrlC(launch, false);
    assert.match(launch.stdout, /continue with: gail-bridge train --resume/);
    assert.ok(existsSync(join(out, 'checkpoint.policy')), 'the stopped run keeps its checkpoint');
  });

  it('record.launch.xml (simulator, leader and recorder): the file is finished', async () => {
    const out = join(tmp, 'launch-record.mcap');
    await graphQuiet();
    const t0 = performance.now();
    const launch = track(
      start(
        'launch record',
        'ros2',
        ['launch', 'launch/record.launch.xml', `config:=${CONFIG}`, `out:=${out}`, 'leader:=true'],
        { group: true },
      ),
    );
    await commanding(t0, 200, [launch]);
    // The recorder follows the simulator's episodes and skips the one it joined in the middle of: a reset
    // starts one it records from its first step.
    const reset = probe.serviceClient('/gail_bridge_sim/reset', 'std_srvs/srv/Trigger');
    await reset.call({}, 5000);
    reset.dispose();
    await waitFor(
      'an episode recording',
      () => /record: episode 0 started/.test(launch.stdout + launch.stderr),
      10_000,
      [launch],
    );
    await new Promise((r) => setTimeout(r, 1500));
    await ctrlC(launch, true);
    const demo = await readDemoFile(out);
    process.stdout.write(
      `# record.launch: ${demo.episodes.length} episode(s), ends ${demo.episodes.map((e) => e.trajectory.end).join(', ')}\n`,
    );
    assert.ok(demo.episodes.length >= 1);
    assert.equal(
      demo.episodes.at(-1)!.trajectory.end,
      'interrupted',
      'the episode open at Ctrl-C is closed, marked interrupted',
    );
  });
});

describe('real ROS 2: GAIL from simulator processes (train --ros)', { timeout: 240_000 }, () => {
  it('trains from 2 namespaced simulators over DDS; one killed mid-run is left out and the run finishes', async () => {
    const sims = ['s0', 's1'].map((ns, k) =>
      track(
        cli(`sim ${ns}`, [
          'sim',
          '--task',
          'inverted-pendulum',
          '--ros',
          '--namespace',
          ns,
          '--seed',
          String(k + 1),
        ]),
      ),
    );
    const out = join(tmp, 'ros-gail');
    const trainer = track(
      cli('train --ros', [
        'train',
        '--algo',
        'gail',
        '--ros',
        '--config',
        join(ROOT, 'config/robots/inverted-pendulum-sim.yaml'),
        '--namespaces',
        's0,s1',
        '--task',
        'inverted-pendulum',
        '--demos',
        join(ROOT, 'demos/inverted-pendulum.mcap'),
        '--trajectories',
        '4',
        '--steps',
        '12288',
        '--num-steps',
        '256',
        '--policy-lr',
        '1e-3',
        '--minibatches',
        '4',
        '--out',
        out,
        '--json',
      ]),
    );
    await waitFor('the first round', () => /gail \d+\/12288/.test(trainer.stderr), START_MS, [
      trainer,
      ...sims,
    ]);
    sims[1]!.proc.kill('SIGKILL');
    const { code } = await exitWithin(trainer, 180_000, performance.now());
    assert.equal(code, 0, trainer.stderr.slice(-3000));
    assert.match(trainer.stderr, /\/s1 stopped answering/);
    const result = JSON.parse(trainer.stdout) as { envSteps: number; evalReturn: { mean: number } | null };
    process.stdout.write(
      `# train --ros: ${result.envSteps} env steps from 2 then 1 simulator(s); deterministic return ${result.evalReturn?.mean.toFixed(1)}\n`,
    );
    assert.ok(result.envSteps >= 12288);
    sims[0]!.proc.kill('SIGINT');
    await sims[0]!.exited;
  });
});

describe('real ROS 2: the rollouts over DDS are the in-process rollouts', { timeout: 240_000 }, () => {
  it('train --ros from 2 Hopper simulator processes gives, round by round, every learning metric the in-process envs give for the same seeds', async () => {
    // Lock-step makes a run independent of the wall clock: what crosses DDS (float64 fields) is what the
    // in-process env hands over, so the metrics must be equal bit for bit, not within a tolerance.
    const seeds = [21, 22];
    const sims = ['h0', 'h1'].map((ns, k) =>
      track(
        cli(`sim ${ns}`, ['sim', '--task', 'hopper', '--ros', '--namespace', ns, '--seed', String(seeds[k])]),
      ),
    );
    const out = join(tmp, 'ros-equal');
    const trainer = track(
      cli('train --ros', [
        'train',
        '--algo',
        'gail',
        '--ros',
        '--config',
        CONFIG,
        '--namespaces',
        'h0,h1',
        '--task',
        'hopper',
        '--demos',
        join(ROOT, 'demos/hopper.mcap'),
        '--trajectories',
        '2',
        '--subsample',
        '20',
        '--steps',
        '1536',
        '--num-steps',
        '256',
        '--minibatches',
        '4',
        '--disc-steps',
        '2',
        '--disc-hidden',
        '16',
        '--hidden',
        '16',
        '--backend',
        'wasm',
        '--seed',
        '6',
        '--out',
        out,
        '--json',
      ]),
    );
    const { code } = await exitWithin(trainer, 180_000, performance.now());
    assert.equal(code, 0, trainer.stderr.slice(-3000));
    for (const s of sims) s.proc.kill('SIGINT');
    await Promise.all(sims.map((s) => s.exited));
    const viaDds = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // In-process with the run's own saved settings, each env seeded as its simulator seeds its episodes.
    await useBackend('wasm');
    const { ros: _ros, ...settings } = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).settings;
    const inProcess = await gailAlgorithm(resolveGailConfig({ ...settings, numEnvs: 2 }), {
      batchEnv: () => envsSeededAsSimulators('hopper', seeds),
    });
    const rows: MetricsRow[] = [];
    await inProcess.train(
      { round: 0, envSteps: 0 },
      { onRound: (_p, r) => rows.push(r), shouldStop: () => false, wallSeconds: () => 0 },
    );
    inProcess.dispose();
    const TIMING = new Set([
      'round',
      'wallSeconds',
      'stepsPerSecond',
      'discSeconds',
      'policySeconds',
      'collectSeconds',
      'envStepSeconds',
      'actSeconds',
    ]);
    const learning = (r: object) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k)));
    assert.equal(viaDds.length, 3);
    assert.deepEqual(viaDds.map(learning), rows.map(learning));
    process.stdout.write(
      `# DDS = in-process: ${viaDds.length} rounds, ${Object.keys(learning(rows[0]!)).length} learning metrics each, equal; discLoss ${rows.map((r) => Number(r['discLoss']).toFixed(6)).join(', ')}\n`,
    );
  });
});

/** Two test hosts of our own: network namespaces joined by a veth pair (root and iproute2 needed). */
function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `gbp${process.pid % 100000}`;
  const ok = spawnSync('ip', ['netns', 'add', probe], { stdio: 'ignore' }).status === 0;
  if (ok) spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return ok;
}
const hasNetns = netnsAvailable();

describe('real ROS 2: a simulator on another host (network namespaces) feeds the learner over DDS', {
  timeout: 180_000,
  skip: hasNetns ? undefined : 'needs root and ip netns to make two test hosts',
}, () => {
  const id = process.pid % 100000;
  const hosts = { sim: `gbs${id}`, learner: `gbl${id}` };
  const veth = { sim: `gbvs${id}`, learner: `gbvl${id}` };
  const ip = (...args: string[]) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };
  before(() => {
    ip('netns', 'add', hosts.sim);
    ip('netns', 'add', hosts.learner);
    ip('link', 'add', veth.sim, 'type', 'veth', 'peer', 'name', veth.learner);
    ip('link', 'set', veth.sim, 'netns', hosts.sim);
    ip('link', 'set', veth.learner, 'netns', hosts.learner);
    ip('-n', hosts.sim, 'addr', 'add', '10.77.0.1/24', 'dev', veth.sim);
    ip('-n', hosts.learner, 'addr', 'add', '10.77.0.2/24', 'dev', veth.learner);
    for (const [h, v] of [
      [hosts.sim, veth.sim],
      [hosts.learner, veth.learner],
    ] as const) {
      ip('-n', h, 'link', 'set', v, 'up');
      ip('-n', h, 'link', 'set', 'lo', 'up');
    }
  });
  after(() => {
    for (const h of Object.values(hosts)) spawnSync('ip', ['netns', 'del', h], { stdio: 'ignore' });
  });

  it('discovers the simulator across hosts and trains from it', async () => {
    // Each host's Cyclone DDS on its own interface, discovering by multicast as on a LAN.
    const env = (iface: string): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = {
        ...process.env,
        CYCLONEDDS_URI: `<CycloneDDS><Domain id="any"><General><Interfaces><NetworkInterface name="${iface}"/></Interfaces></General></Domain></CycloneDDS>`,
      };
      delete e.ROS_AUTOMATIC_DISCOVERY_RANGE;
      return e;
    };
    const node = process.execPath;
    const sim = track(
      start(
        'sim on the sim host',
        'ip',
        [
          'netns',
          'exec',
          hosts.sim,
          node,
          join(ROOT, 'bin/gail-bridge.js'),
          'sim',
          '--task',
          'inverted-pendulum',
          '--ros',
          '--namespace',
          'far',
          '--seed',
          '1',
        ],
        { env: env(veth.sim) },
      ),
    );
    const trainer = track(
      start(
        'train on the learner host',
        'ip',
        [
          'netns',
          'exec',
          hosts.learner,
          node,
          join(ROOT, 'bin/gail-bridge.js'),
          'train',
          '--algo',
          'gail',
          '--ros',
          '--config',
          join(ROOT, 'config/robots/inverted-pendulum-sim.yaml'),
          '--namespaces',
          'far',
          '--task',
          'inverted-pendulum',
          '--demos',
          join(ROOT, 'demos/inverted-pendulum.mcap'),
          '--trajectories',
          '4',
          '--steps',
          '4096',
          '--num-steps',
          '512',
          '--out',
          join(tmp, 'netns-gail'),
          '--json',
        ],
        { env: env(veth.learner) },
      ),
    );
    const { code } = await exitWithin(trainer, 150_000, performance.now());
    assert.equal(code, 0, trainer.stderr.slice(-3000));
    const r = JSON.parse(trainer.stdout) as { envSteps: number };
    process.stdout.write(
      `# network namespaces: ${r.envSteps} env steps from the simulator on the other host\n`,
    );
    assert.ok(r.envSteps >= 4096);
    sim.proc.kill('SIGINT');
    await sim.exited;
  });
});

/**
 * The whole recording loop without ROS 2 (issue 7's test): the simulated robot node (MuJoCo HalfCheetah,
 * realtime at its control rate), a scripted teleop publisher answering each joint state, and the recorder,
 * all over the in-process bus on a virtual clock → a demo file on disk. Behavioural cloning on that file
 * then replays the scripted behaviour on the simulator: on the states the cloned policy visits itself,
 * from starts the demonstrations did not contain, its actions match the script's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Subscription, VirtualTimeScheduler } from 'rxjs';
import { parseRobotConfig, robotSpec } from '../../src/config/robot.js';
import { Rng } from '../../src/core/rng.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { useBackend } from '../../src/learn/backend.js';
import { pairsFromTrajectories, trainBc } from '../../src/learn/bc.js';
import { GaussianPolicy } from '../../src/learn/gaussian-policy.js';
import { Recorder } from '../../src/record/recorder.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { ObservationMapper } from '../../src/ros/mapping.js';
import type { JointState } from '../../src/ros/messages.js';
import { SimNode } from '../../src/ros/sim-node.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';

/** HalfCheetah as a robot: Gymnasium's observation (qpos[1:], qvel) from /joint_states; 20 Hz = 1 / dt. */
const CHEETAH = `
name: half_cheetah_sim
control_rate_hz: 20
observation_timeout_s: 0.15
observation:
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: position
    joints: [rootz, rooty, bthigh, bshin, bfoot, fthigh, fshin, ffoot]
  - type: sensor_msgs/JointState
    topic: /joint_states
    field: velocity
    joints: [rootx, rootz, rooty, bthigh, bshin, bfoot, fthigh, fshin, ffoot]
action:
  type: std_msgs/Float64MultiArray
  topic: /forward_command_controller/commands
  interface: normalized
  joints: [bthigh, bshin, bfoot, fthigh, fshin, ffoot]
  measured_topic: none
  limits:
    bthigh: { low: -1, high: 1 }
    bshin: { low: -1, high: 1 }
    bfoot: { low: -1, high: 1 }
    fthigh: { low: -1, high: 1 }
    fshin: { low: -1, high: 1 }
    ffoot: { low: -1, high: 1 }
  safe_command: { kind: zero }
`;

const OBS = 17;
const ACT = 6;
const TAKES = 3;
const STEPS_PER_TAKE = 150;

/** The scripted teleop: a fixed smooth feedback law a = tanh(W·obs + b), W and b seeded. */
function makeScript(): (obs: ArrayLike<number>) => Float64Array {
  const rng = new Rng(7);
  const w = Float64Array.from({ length: ACT * OBS }, () => rng.normal() * 0.08);
  const b = Float64Array.from({ length: ACT }, () => rng.uniform(-0.3, 0.3));
  return (obs) => {
    const a = new Float64Array(ACT);
    for (let i = 0; i < ACT; i++) {
      let s = b[i]!;
      for (let j = 0; j < OBS; j++) s += w[i * OBS + j]! * obs[j]!;
      a[i] = Math.tanh(s);
    }
    return a;
  };
}

/** Runs `act` on `env` from `seed` for `steps` steps; returns the return and each visited observation. */
function rollout(env: MujocoEnv, seed: number, steps: number, act: (obs: Float64Array) => ArrayLike<number>) {
  let obs = env.reset(seed);
  let ret = 0;
  const visited: Float64Array[] = [];
  for (let t = 0; t < steps; t++) {
    visited.push(obs);
    const r = env.step(act(obs));
    ret += r.reward;
    obs = r.obs;
    if (r.terminated || r.truncated || r.diverged) break;
  }
  return { ret, visited };
}

describe('record → behavioural cloning → replay (HalfCheetah over the in-process bus)', () => {
  let dir: string;
  let env: MujocoEnv;
  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'gb-sim-bc-'));
    env = await makeTaskEnv('half-cheetah', { seed: 1 });
  });
  after(async () => {
    env.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the scripted teleop into a demo file that BC learns to replay', async () => {
    const script = makeScript();
    const config = parseRobotConfig(CHEETAH, 'half_cheetah_sim.yaml');
    const scheduler = new VirtualTimeScheduler();
    const graph = new InProcessGraph(scheduler);
    const simBus = graph.node('gail_bridge_sim');
    const teleopBus = graph.node('teleop');
    const recBus = graph.node('recorder');
    const operator = graph.node('operator');
    const subs: Subscription[] = [];

    const sim = new SimNode({ bus: simBus, env, realtime: true, rateHz: 20, seed: 1, scheduler });
    // The teleop reads the same observation the recorder will (the config's mapping) and answers at once.
    const mapper = new ObservationMapper(config);
    const obs64 = new Float64Array(mapper.dim);
    const cmd = teleopBus.publisher('/forward_command_controller/commands', 'std_msgs/msg/Float64MultiArray');
    subs.push(
      teleopBus.subscribe('/joint_states', 'sensor_msgs/msg/JointState').subscribe((m: JointState) => {
        mapper.observe(new Map([['/joint_states', m]]), obs64);
        cmd.publish({ layout: { dim: [], data_offset: 0 }, data: Array.from(script(obs64)) });
      }),
    );

    const out = join(dir, 'teleop.mcap');
    const spec = robotSpec(config, 'half_cheetah_sim.yaml');
    const writer = await DemoWriter.create(out, { spec });
    const recorder = new Recorder({ bus: recBus, config, spec, sink: writer, scheduler, startTimeoutS: 1 });

    const advanceTo = async (ms: number): Promise<void> => {
      scheduler.schedule(() => {}, Math.max(ms - scheduler.now(), 0));
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const next = scheduler.actions[0]?.delay ?? Number.POSITIVE_INFINITY;
        if (next > ms) break;
        scheduler.maxFrames = next;
        scheduler.flush();
      }
    };
    const call = async (service: string, atMs: number) => {
      const client = operator.serviceClient(service, 'std_srvs/srv/Trigger');
      await advanceTo(atMs - 1);
      const p = client.call({});
      await advanceTo(atMs);
      const r = await p;
      client.dispose();
      return r;
    };

    // Sim publishes its first state at 0 ms and steps every 50 ms; the recorder, started at 10 ms, is ready
    // at its 60 ms poll and ticks at 110, 160, …: 10 ms after each new state and its teleop command.
    sim.start();
    await advanceTo(10);
    const started = recorder.start();
    await advanceTo(60);
    await started;
    let t = 110;
    for (let take = 0; take < TAKES; take++) {
      assert.equal((await call('/gail_bridge/record/start', t)).success, true);
      t += STEPS_PER_TAKE * 50;
      const stop = await call('/gail_bridge/record/stop', t);
      assert.match(stop.message, new RegExp(`ended truncated after ${STEPS_PER_TAKE} steps`));
      // A new start state for the next take: the sim's reset service (the env's seeded stream continues).
      t += 30;
      await call('/gail_bridge_sim/reset', t);
      t += 70; // back on the tick grid (110 + 50·k ms)
    }
    const report = await recorder.finish();
    await writer.close();
    for (const s of subs) s.unsubscribe();
    sim.dispose();
    for (const b of [simBus, teleopBus, recBus, operator]) b.dispose();

    const js = report.topics.find((x) => x.topic === '/joint_states')!;
    assert.equal(js.late, 0, 'the sim publishes every control period');
    assert.equal(js.missing, 0);
    assert.equal(report.overruns, 0);

    const file = await readDemoFile(out);
    assert.equal(file.episodes.length, TAKES);
    for (const ep of file.episodes) {
      assert.equal(ep.trajectory.end, 'truncated');
      assert.equal(ep.trajectory.length, STEPS_PER_TAKE);
    }
    // The recorded pairs are the script's: a_t = script(s_t) for every step (float32 storage).
    const pairs = pairsFromTrajectories(file.episodes.map((e) => e.trajectory));
    let worst = 0;
    for (let i = 0; i < pairs.n; i++) {
      const a = script(pairs.obs.subarray(i * OBS, (i + 1) * OBS));
      for (let j = 0; j < ACT; j++) worst = Math.max(worst, Math.abs(a[j]! - pairs.actions[i * ACT + j]!));
    }
    assert.ok(worst < 1e-5, `recorded actions differ from the script by up to ${worst}`);

    const policy = new GaussianPolicy({ obsDim: OBS, actDim: ACT, hiddenSizes: [64, 64] }, 3);
    try {
      const bc = trainBc(policy, pairs, {
        loss: 'mse',
        maxEpochs: 1000,
        batchSize: 64,
        learningRate: 3e-3,
        patience: 100,
        seed: 3,
      });
      const act = (o: Float64Array) => policy.act(Float32Array.from(o), 1, 'deterministic').actions;
      // Replay from start states the demonstrations did not contain, and compare actions on the states the
      // cloned policy visits itself (its on-policy imitation error, as DAgger measures it). Returns are not
      // compared: HalfCheetah's contacts make two rollouts that differ by 1e-2 in action part ways within a
      // few steps, so a return gap says little about how well the behaviour was copied.
      const states: Float64Array[] = [];
      for (const seed of [91, 92, 93]) states.push(...rollout(env, seed, STEPS_PER_TAKE, act).visited);
      const meanError = (p: GaussianPolicy): number => {
        let e = 0;
        for (const o of states) {
          const a = p.act(Float32Array.from(o), 1, 'deterministic').actions;
          const s = script(o);
          for (let j = 0; j < ACT; j++) e += Math.abs(a[j]! - s[j]!);
        }
        return e / (states.length * ACT);
      };
      const err = meanError(policy);
      assert.ok(
        err < 0.05,
        `mean |a_BC − a_script| on the cloned policy's own states: ${err} (BC ${bc.epochs} epochs)`,
      );
      // A learning signal, not a coincidence: the same network untrained is far from the script.
      const untrained = new GaussianPolicy({ obsDim: OBS, actDim: ACT, hiddenSizes: [64, 64] }, 3);
      const base = meanError(untrained);
      untrained.dispose();
      assert.ok(base > 10 * err, `untrained error ${base} vs cloned ${err}`);
    } finally {
      policy.dispose();
    }
  });
});

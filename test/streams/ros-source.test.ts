/**
 * ROS 2 as a rollout source (src/streams/ros-source.ts) over the in-process bus: a lock-step simulator
 * node gives exactly what the in-process env gives for the same episode seeds and actions; simulators in
 * namespaces step side by side; one that goes away ends its episode `interrupted` and the rest go on; it
 * joins again when it answers; one with another spec is refused with the difference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRobotConfig } from '../../src/config/robot.js';
import { Rng } from '../../src/core/rng.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { SimNode } from '../../src/ros/sim-node.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { envsAsBatch } from '../../src/streams/env-source.js';
import { RosBatchEnv } from '../../src/streams/ros-source.js';
import { END_CODES } from '../../src/streams/step-batch.js';

const HOPPER = loadRobotConfig('config/robots/hopper-sim.yaml');
const envs: MujocoEnv[] = [];
const hopper = async (): Promise<MujocoEnv> => {
  const e = await makeTaskEnv('hopper');
  envs.push(e);
  return e;
};
after(() => {
  for (const e of envs) e.dispose();
});

/** Uniform actions in [-1.5, 1.5] (past the ±1 limits, so the envelope's clamp and the env's clip both act). */
function actions(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1.5, 1.5));
}

describe('RosBatchEnv (lock-step, in-process bus)', () => {
  let graph: InProcessGraph;
  before(() => {
    graph = new InProcessGraph();
  });

  it('gives exactly what the in-process env gives: observations, final observations, rewards, ends', async () => {
    const simBus = graph.node('gail_bridge_sim');
    const sim = new SimNode({ bus: simBus, env: await hopper(), seed: 3 });
    sim.start();
    const trainer = graph.node('trainer');
    const ros = new RosBatchEnv({ bus: trainer, config: HOPPER, namespaces: [''], timing: 'lockstep' });
    // The reference: the same task with the same episode seeds (the sim's first episode, k = 0, was
    // started before the learner's reset, which starts k = 1).
    const ref = envsAsBatch([await hopper()], 3);
    ref.reset();
    const a = await ros.reset();
    const b = ref.reset() as Float32Array;
    assert.deepEqual(a, b);
    const rng = new Rng(5);
    let ends = 0;
    for (let t = 0; t < 300; t++) {
      const act = actions(rng, 3);
      const r = await ros.step(act);
      const s = ref.step(act) as Awaited<ReturnType<typeof ref.step>>;
      assert.deepEqual(r.nextObs, s.nextObs, `nextObs at step ${t}`);
      assert.deepEqual(r.obs, s.obs, `obs at step ${t}`);
      assert.deepEqual(r.rewards, s.rewards, `reward at step ${t}`);
      assert.deepEqual(r.ends, s.ends, `end at step ${t}`);
      if (r.ends[0] !== END_CODES.none) ends++;
    }
    assert.ok(ends >= 3, `random actions should end several episodes, ended ${ends}`);
    ros.dispose();
    sim.dispose();
    simBus.dispose();
    trainer.dispose();
  });

  it('steps simulators in namespaces side by side; one that goes away is interrupted, the rest go on, it rejoins', async () => {
    const g = new InProcessGraph();
    /** `gail-bridge sim --ros --namespace NS`: the node gail_bridge_sim under /NS. */
    const serve = async (ns: string, env?: MujocoEnv) => {
      const bus = g.node('gail_bridge_sim', { namespace: ns });
      const node = new SimNode({ bus, env: env ?? (await hopper()), seed: 7, namespace: ns });
      node.start();
      return {
        bus,
        node,
        stop: () => {
          node.dispose();
          bus.dispose();
        },
      };
    };
    const a = await serve('a');
    let b = await serve('b');
    const trainer = g.node('trainer');
    const ros = new RosBatchEnv({
      bus: trainer,
      config: HOPPER,
      namespaces: ['a', 'b'],
      timing: 'lockstep',
      stepTimeoutMs: 100,
    });
    const log = ros.events;
    assert.equal(ros.numEnvs, 2);
    const first = await ros.reset();
    assert.equal(first.length, 2 * ros.obsDim);
    const rng = new Rng(1);
    for (let t = 0; t < 20; t++) await ros.step(actions(rng, 6));
    assert.deepEqual(log, []);

    // b goes away mid-episode: its episode is interrupted, a goes on.
    b.stop();
    const cut = await ros.step(actions(rng, 6));
    assert.equal(cut.ends[1], END_CODES.interrupted);
    assert.notEqual(cut.ends[0], END_CODES.interrupted);
    assert.match(
      log.at(-1)!,
      /^\/b stopped answering \(0\.1 s without a step\): its open episode is left out; going on with 1 of 2$/,
    );
    const gone = await ros.step(actions(rng, 6));
    assert.equal(
      gone.ends[1],
      END_CODES.interrupted,
      'a gone env fills its row with interrupted one-step episodes',
    );

    // b comes back: it joins at the next step with a fresh episode.
    b = await serve('b');
    const back = await ros.step(actions(rng, 6));
    assert.equal(back.ends[1], END_CODES.interrupted, 'the filler episode ends');
    assert.match(log.at(-1)!, /^\/b answers again: it joins$/);
    const joined = await ros.step(actions(rng, 6));
    assert.notEqual(joined.ends[1], END_CODES.interrupted);

    ros.dispose();
    trainer.dispose();
    a.stop();
    b.stop();
  });

  it('refuses a simulator whose spec differs from the others, naming the difference', async () => {
    const g = new InProcessGraph();
    const busA = g.node('gail_bridge_sim', { namespace: 'a' });
    const simA = new SimNode({ bus: busA, env: await hopper(), seed: 1, namespace: 'a' });
    const walker = await makeTaskEnv('walker2d');
    envs.push(walker);
    const busW = g.node('gail_bridge_sim', { namespace: 'w' });
    const simW = new SimNode({ bus: busW, env: walker, seed: 1, namespace: 'w' });
    simA.start();
    simW.start();
    const trainer = g.node('trainer');
    const ros = new RosBatchEnv({
      bus: trainer,
      config: HOPPER,
      namespaces: ['a', 'w'],
      timing: 'lockstep',
      stepTimeoutMs: 100,
    });
    const log = ros.events;
    await ros.reset();
    assert.ok(
      log.some((l) => /^\/w refused: its spec differs from \/a's \(observation: \[rootz/.test(l)),
      log.join('\n'),
    );
    assert.equal(log.length, 1, log.join('\n'));
    // The Hopper goes on; the refused walker fills its row and is never retried.
    const r = await ros.step(actions(new Rng(2), 6));
    assert.equal(r.ends[1], END_CODES.interrupted);
    assert.equal(log.length, 1);
    ros.dispose();
    for (const x of [simA, simW]) x.dispose();
    for (const x of [busA, busW, trainer]) x.dispose();
  });
});

describe('RosBatchEnv (real time, in-process bus)', () => {
  it('follows the robot: ends as its events say, silence interrupts, safe command between episodes, it rejoins', async () => {
    // The pendulum as a "robot" at 200 Hz (a realtime simulator node stands in for the driver).
    const config = { ...loadRobotConfig('config/robots/inverted-pendulum-sim.yaml'), control_rate_hz: 200 };
    const g = new InProcessGraph();
    const serve = async () => {
      const bus = g.node('gail_bridge_sim');
      const env = await makeTaskEnv('inverted-pendulum');
      envs.push(env);
      const node = new SimNode({ bus, env, seed: 2, realtime: true, rateHz: 200 });
      node.start();
      return () => {
        node.dispose();
        bus.dispose();
      };
    };
    let stop = await serve();
    const trainer = g.node('trainer');
    const commands: number[][] = [];
    g.node('probe')
      .subscribe('/forward_command_controller/commands', 'std_msgs/msg/Float64MultiArray')
      .subscribe((m) => commands.push(Array.from(m.data)));
    const ros = new RosBatchEnv({
      bus: trainer,
      config,
      namespaces: [''],
      timing: 'realtime',
      episodeStartTimeoutMs: 1000,
      startTimeoutMs: 2000,
    });
    await ros.reset();
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let t = 0; t < 200; t++) seen.add((await ros.step(actions(rng, 1))).ends[0]!);
    // Random pushes topple the pendulum: the node says terminated, starts the next episode, and the env
    // goes on.
    assert.ok(seen.has(END_CODES.terminated), `ends seen: ${[...seen]}`);

    // Before the learner's update blocks the loop, the robot gets its safe command.
    const held = commands.length;
    ros.holdSafe();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(commands.slice(held), [[0]]);

    // Silence: the open episode is interrupted; between episodes the safe command (zero) goes out until
    // the robot is back (a person resetting it) and starts the next episode.
    stop();
    const before = commands.length;
    setTimeout(() => {
      void serve().then((s) => {
        stop = s;
      });
    }, 150);
    // Silence counts once it lasts the observation timeout (50 ms here): within a few periods.
    let silentAfter = 0;
    let r = await ros.step(actions(rng, 1));
    while (r.ends[0] !== END_CODES.interrupted) {
      silentAfter++;
      r = await ros.step(actions(rng, 1));
    }
    assert.ok(silentAfter <= 12, `interrupted after ${silentAfter} steps`);
    assert.ok(
      commands.slice(before).some((c) => c[0] === 0),
      'safe command while waiting',
    );
    // The step that ended the silent episode hands back the first observation of the next one.
    assert.notDeepEqual(Array.from(r.obs), Array.from(r.nextObs));
    for (let t = 0; t < 20; t++)
      assert.notEqual((await ros.step(actions(rng, 1))).ends[0], END_CODES.interrupted);

    // Gone for good: no robot left to collect from is an error that says so.
    stop();
    await assert.rejects(
      (async () => {
        for (;;) await ros.step(actions(rng, 1));
      })(),
      {
        code: 'ros',
        message: /^every env stopped answering \(\(no namespace\)\): nothing left to collect from/,
      },
    );
    ros.dispose();
    stop();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { rosSimOptions, runRosSim } from '../../src/cli/sim-ros.js';
import type { Qos } from '../../src/config/qos.js';
import { EPISODE_EVENT_ENDS, EPISODE_EVENT_KINDS } from '../../src/ros/bridge-msgs.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { fromTime, type JointState } from '../../src/ros/messages.js';
import { SimNode } from '../../src/ros/sim-node.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';

const CMD = '/forward_command_controller/commands';
const flushAsap = (): Promise<void> => new Promise((r) => setImmediate(r));

let env: MujocoEnv;
before(async () => {
  env = await makeTaskEnv('hopper');
});
after(() => env.dispose());

describe('SimNode (lockstep)', () => {
  it('publishes every hinge/slide joint, steps once per command, and stamps in simulation time', async () => {
    const graph = new InProcessGraph();
    const simBus = graph.node('sim');
    const ctl = graph.node('ctl');
    const states: JointState[] = [];
    ctl.subscribe('/joint_states', 'sensor_msgs/msg/JointState').subscribe((m) => states.push(m));
    const cmd = ctl.publisher(CMD, 'std_msgs/msg/Float64MultiArray');
    const node = new SimNode({ bus: simBus, env, seed: 1 });
    node.start();
    await flushAsap();
    assert.equal(states.length, 1);
    const s0 = states[0]!;
    assert.deepEqual(s0.name, ['rootx', 'rootz', 'rooty', 'thigh_joint', 'leg_joint', 'foot_joint']);
    const qpos = env.model.views().qpos;
    assert.deepEqual(Array.from(s0.position), Array.from(qpos));
    cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, -0.2, 0.3] });
    cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, -0.2, 0.3] });
    await flushAsap();
    assert.equal(states.length, 3);
    assert.ok(Math.abs(fromTime(states[2]!.header.stamp) - 2 * env.spec.dt) < 1e-9);
    assert.deepEqual(Array.from(env.model.views().ctrl), [0.1, -0.2, 0.3]);
    assert.ok(states[2]!.effort.length === 6 && Math.abs(states[2]!.effort[3]! - 0.1 * 200) < 1e-6);
    node.dispose();
    node.dispose();
    simBus.dispose();
    ctl.dispose();
  });

  it('without gail_bridge_msgs still serves the robot and says what episode events need', async () => {
    const graph = new InProcessGraph();
    const simBus = graph.node('sim');
    // rclnodejs refuses a type whose type support library is missing (generated JS, overlay gone).
    const publisher = simBus.publisher.bind(simBus);
    simBus.publisher = ((topic: string, type: string, qos?: Qos) => {
      if (type.startsWith('gail_bridge_msgs/'))
        throw new Error('libgail_bridge_msgs__rosidl_typesupport_c.so: cannot open shared object file');
      return publisher(topic, type, qos);
    }) as typeof simBus.publisher;
    const ctl = graph.node('ctl');
    let states = 0;
    ctl.subscribe('/joint_states', 'sensor_msgs/msg/JointState').subscribe(() => states++);
    const warnings: string[] = [];
    // No idle republish within the test: on a loaded machine flushAsap can outlast the default 100 ms,
    // and the count below is of the first publication only.
    const node = new SimNode({
      bus: simBus,
      env,
      seed: 1,
      idleRepublishMs: 60_000,
      onWarning: (w) => warnings.push(w),
    });
    node.start();
    await flushAsap();
    assert.equal(states, 1);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^gail-bridge sim: not publishing episode events or steps: gail_bridge_msgs is not available .*cannot open shared object file.*colcon build/,
    );
    node.dispose();
    simBus.dispose();
    ctl.dispose();
  });

  it('ignores commands of the wrong length or with non-finite values, as a forward controller does', async () => {
    const graph = new InProcessGraph();
    const simBus = graph.node('sim');
    const ctl = graph.node('ctl');
    let states = 0;
    ctl.subscribe('/joint_states', 'sensor_msgs/msg/JointState').subscribe(() => states++);
    const cmd = ctl.publisher(CMD, 'std_msgs/msg/Float64MultiArray');
    const node = new SimNode({ bus: simBus, env, seed: 1 });
    node.start();
    const write = process.stderr.write;
    const lines: string[] = [];
    process.stderr.write = ((s: string) => lines.push(s) > 0) as unknown as typeof process.stderr.write;
    try {
      cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, 0.2] });
      cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, Number.NaN, 0] });
      await flushAsap();
    } finally {
      process.stderr.write = write;
    }
    assert.equal(node.rejectedCommands, 2);
    assert.equal(states, 1);
    assert.deepEqual(lines, [
      'gail-bridge sim: command ignored: expected 3 values (thigh_joint, leg_joint, foot_joint), got 2\n',
      'gail-bridge sim: command ignored: element 1 is NaN\n',
    ]);
    node.dispose();
    simBus.dispose();
    ctl.dispose();
  });

  it('publishes episode events that keep terminated and truncated apart, and resets on the Trigger service', async () => {
    const graph = new InProcessGraph();
    const simBus = graph.node('sim');
    const ctl = graph.node('ctl');
    const events: { event: number; end: number; episode: number; steps: number }[] = [];
    ctl
      .subscribe('/sim/episode_events', 'gail_bridge_msgs/msg/EpisodeEvent')
      .subscribe((m) =>
        events.push(m as unknown as { event: number; end: number; episode: number; steps: number }),
      );
    const cmd = ctl.publisher(CMD, 'std_msgs/msg/Float64MultiArray');
    const node = new SimNode({ bus: simBus, env, seed: 2, episodes: 2 });
    node.start();
    const reset = ctl.serviceClient('/sim/reset', 'std_srvs/srv/Trigger');
    cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0, 0, 0] });
    await flushAsap();
    const res = await reset.call({});
    assert.deepEqual(res, { success: true, message: 'episode 1 started' });
    // Drive the second episode until the Hopper falls (full torque on one joint tips it over).
    while (node.episodes.length < 2) {
      cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [1, -1, 1] });
      await flushAsap();
    }
    const episodes = await node.done;
    assert.deepEqual(
      episodes.map((e) => e.end),
      ['truncated', 'terminated'],
    );
    assert.equal(episodes[0]!.length, 1);
    await flushAsap();
    const k = EPISODE_EVENT_KINDS;
    assert.deepEqual(
      events.map((e) => [e.event, e.end, e.episode]),
      [
        [k.started, EPISODE_EVENT_ENDS.none, 0],
        [k.ended, EPISODE_EVENT_ENDS.truncated, 0],
        [k.started, EPISODE_EVENT_ENDS.none, 1],
        [k.ended, EPISODE_EVENT_ENDS.terminated, 1],
      ],
    );
    assert.equal(events[3]!.steps, episodes[1]!.length);
    reset.dispose();
    simBus.dispose();
    ctl.dispose();
  });
});

describe('SimNode (realtime, virtual clock)', () => {
  it('steps at the given rate holding the last command, and publishes /clock', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    const got: { t: number; stamp: number }[] = [];
    let clockAt35 = Number.NaN;
    ts.run(() => {
      const graph = new InProcessGraph(ts);
      const simBus = graph.node('sim');
      const ctl = graph.node('ctl', { useSimTime: true });
      const node = new SimNode({
        bus: simBus,
        env,
        seed: 3,
        realtime: true,
        rateHz: 100,
        publishClock: true,
        scheduler: ts,
      });
      ctl
        .subscribe('/joint_states', 'sensor_msgs/msg/JointState')
        .subscribe((m) => got.push({ t: ts.now(), stamp: fromTime(m.header.stamp) }));
      node.start();
      ts.schedule(() => {
        clockAt35 = ctl.clock.now();
        node.dispose();
        simBus.dispose();
        ctl.dispose();
      }, 35);
    });
    const dt = env.spec.dt;
    // The reset state at 0 ms, then one step per 10 ms, each one env dt later in simulation time.
    assert.deepEqual(
      got.map((g) => g.t),
      [0, 10, 20, 30],
    );
    for (const [k, g] of got.entries())
      assert.ok(Math.abs(g.stamp - k * dt) < 1e-9, `stamp ${k}: ${g.stamp}`);
    assert.ok(Math.abs(clockAt35 - 3 * dt) < 1e-9);
  });
});

describe('runRosSim', () => {
  it('serves episodes over a given bus and returns them; --rate without --realtime is refused', async () => {
    assert.throws(() => rosSimOptions({ ros: true, rate: 50 }), /--rate applies to --realtime only/);
    const graph = new InProcessGraph();
    const ctl = graph.node('ctl');
    const cmd = ctl.publisher(CMD, 'std_msgs/msg/Float64MultiArray');
    const states = firstValueFrom(ctl.subscribe('/joint_states', 'sensor_msgs/msg/JointState').pipe(take(1)));
    const run = runRosSim({
      env,
      seed: 4,
      episodes: 1,
      makeBus: async (name) => graph.node(name),
      ...rosSimOptions({}),
    });
    await states;
    const timer = setInterval(
      () => cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [1, -1, 1] }),
      1,
    );
    const episodes = await run.finally(() => clearInterval(timer));
    assert.equal(episodes.length, 1);
    assert.equal(episodes[0]!.end, 'terminated');
    assert.equal(graph.countPublishers('/joint_states'), 0);
    ctl.dispose();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestScheduler } from 'rxjs/testing';
import { QOS_PRESETS } from '../../src/config/qos.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { toTime } from '../../src/ros/messages.js';
import { busContract } from './bus-contract.js';

busContract('in-process', async () => {
  const graph = new InProcessGraph();
  const a = graph.node('a');
  const b = graph.node('b');
  return {
    a,
    b,
    node: (name) => graph.node(name),
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
});

const testScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('InProcessGraph specifics', () => {
  it('delivers on the scheduler: nothing arrives synchronously, everything by the next virtual frame', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, cold }) => {
      const graph = new InProcessGraph(ts);
      const a = graph.node('a');
      const b = graph.node('b');
      const pub = a.publisher('/t', 'std_msgs/msg/String');
      const out = b.subscribe('/t', 'std_msgs/msg/String');
      cold('--x--y|').subscribe((v) => pub.publish({ data: v }));
      expectObservable(out, '^------!').toBe('--x--y-', { x: { data: 'x' }, y: { data: 'y' } });
    });
  });

  it('drops the oldest message when a subscription queue exceeds its depth (KEEP_LAST)', async () => {
    const graph = new InProcessGraph();
    const a = graph.node('a');
    const pub = a.publisher('/fast', 'std_msgs/msg/String', QOS_PRESETS.sensor_data);
    const got: string[] = [];
    const sub = a
      .subscribe('/fast', 'std_msgs/msg/String', { ...QOS_PRESETS.sensor_data, depth: 2 })
      .subscribe((m) => got.push(m.data));
    for (const d of ['1', '2', '3', '4']) pub.publish({ data: d });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['3', '4']);
    assert.equal(graph.dropped, 2);
    sub.unsubscribe();
    a.dispose();
  });

  it('does not deliver a best-effort publisher to a reliable subscription (QoS request/offered)', async () => {
    const graph = new InProcessGraph();
    const a = graph.node('a');
    const pub = a.publisher('/q', 'std_msgs/msg/String', QOS_PRESETS.sensor_data);
    const got: string[] = [];
    a.subscribe('/q', 'std_msgs/msg/String', QOS_PRESETS.reliable).subscribe((m) => got.push(m.data));
    a.subscribe('/q', 'std_msgs/msg/String', QOS_PRESETS.sensor_data).subscribe((m) =>
      got.push(`be:${m.data}`),
    );
    pub.publish({ data: 'x' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['be:x']);
    a.dispose();
  });

  it('refuses a second message type on a topic, naming both', () => {
    const graph = new InProcessGraph();
    const a = graph.node('a');
    a.publisher('/joint_states', 'sensor_msgs/msg/JointState');
    let error: unknown;
    a.subscribe('/joint_states', 'std_msgs/msg/String').subscribe({ error: (e) => (error = e) });
    assert.throws(
      () => a.publisher('/joint_states', 'std_msgs/msg/String'),
      /publisher of type std_msgs\/msg\/String/,
    );
    assert.throws(
      () => {
        throw error;
      },
      {
        code: 'ros',
        message:
          'topic /joint_states: subscription of type std_msgs/msg/String, but the topic carries sensor_msgs/msg/JointState; use the same message type',
      },
    );
    a.dispose();
  });

  it('refuses duplicate node names until the first is disposed', () => {
    const graph = new InProcessGraph();
    const a = graph.node('deploy');
    assert.throws(() => graph.node('deploy'), /node \/deploy: a node with this name already exists/);
    a.dispose();
    graph.node('deploy').dispose();
  });

  it('follows /clock with use_sim_time', async () => {
    const graph = new InProcessGraph();
    const sim = graph.node('sim');
    const bridge = graph.node('bridge', { useSimTime: true });
    assert.equal(bridge.clock.kind, 'sim');
    assert.equal(bridge.clock.now(), 0);
    const clock = sim.publisher('/clock', 'rosgraph_msgs/msg/Clock');
    clock.publish({ clock: toTime(12.5) });
    assert.equal(bridge.clock.now(), 12.5);
    sim.dispose();
    bridge.dispose();
  });

  it('applies parameter overrides given at node creation, checking their type', () => {
    const graph = new InProcessGraph();
    const n = graph.node('n', { parameters: { rate: 500, name: 3 } });
    assert.equal(n.declareParameter('rate', 125), 500);
    assert.throws(() => n.declareParameter('name', 'x'), /parameter name is string, override is number/);
    n.dispose();
  });
});

/**
 * The `Bus` contract, one suite for every adapter (DESIGN "ROS 2"). Written against real time with
 * generous timeouts and retries, because over rclnodejs discovery and delivery are asynchronous; over the
 * in-process bus each wait ends within a few microtasks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, type Observable, take, timeout, toArray } from 'rxjs';
import { QOS_PRESETS } from '../../src/config/qos.js';
import type { Bus } from '../../src/ros/bus.js';
import { header, type JointState } from '../../src/ros/messages.js';

/** Two nodes on one graph (a ROS domain), and how to tear them down. */
export interface BusFixture {
  readonly a: Bus;
  readonly b: Bus;
  /** Makes a fresh node on the same graph (for dispose tests). */
  node(name: string): Bus | Promise<Bus>;
  dispose(): Promise<void> | void;
}

const WAIT_MS = 5000;

/** Polls `cond` every few milliseconds until true or `WAIT_MS` passes. */
async function eventually(what: string, cond: () => boolean): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > WAIT_MS) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Subscribes, then publishes `make(i)` every 10 ms until `n` messages have arrived (discovery may drop the first). */
async function receive<T>(messages: Observable<T>, n: number, send: (i: number) => void): Promise<T[]> {
  const got = firstValueFrom(messages.pipe(take(n), toArray(), timeout(WAIT_MS)));
  let i = 0;
  const timer = setInterval(() => send(i++), 10);
  send(i++);
  try {
    return await got;
  } finally {
    clearInterval(timer);
  }
}

let topicCounter = 0;
/** A topic name unique to this run, so suites over a shared ROS domain do not cross-talk. */
const uniqueTopic = (base: string): string => `/gb_contract_${process.pid}_${base}_${topicCounter++}`;

const jointState = (i: number): JointState => ({
  header: header(i * 0.01, 'base'),
  name: ['a', 'b'],
  position: [i, -i],
  velocity: [0.5, Number.NaN],
  effort: [],
});

/** Registers the contract suite for one adapter. `skip` (a reason) skips it visibly. */
export function busContract(label: string, make: () => Promise<BusFixture>, skip?: string): void {
  describe(`Bus contract: ${label}`, { skip }, () => {
    let fx: BusFixture;
    before(async () => {
      fx = await make();
    });
    after(async () => {
      await fx.dispose();
    });

    it('delivers messages as plain objects shaped like rclnodejs messages, NaN included', async () => {
      const topic = uniqueTopic('js');
      const pub = fx.a.publisher(topic, 'sensor_msgs/msg/JointState', QOS_PRESETS.reliable);
      const got = await receive(
        fx.b.subscribe(topic, 'sensor_msgs/msg/JointState', QOS_PRESETS.reliable),
        2,
        (i) => pub.publish(jointState(i + 1)),
      );
      const m = got[0]!;
      assert.deepEqual([...m.name], ['a', 'b']);
      assert.equal(m.position.length, 2);
      assert.equal(m.position[1], -m.position[0]!);
      assert.ok(Number.isNaN(m.velocity[1]));
      assert.equal(m.header.frame_id, 'base');
      assert.equal(typeof m.header.stamp.sec, 'number');
      pub.dispose();
    });

    it('delivers a copy: mutating a published object afterwards does not change what arrives', async () => {
      const topic = uniqueTopic('copy');
      const pub = fx.a.publisher(topic, 'std_msgs/msg/Float64MultiArray');
      const msg = { layout: { dim: [], data_offset: 0 }, data: [1, 2, 3] };
      const got = firstValueFrom(
        fx.b.subscribe(topic, 'std_msgs/msg/Float64MultiArray').pipe(timeout(WAIT_MS)),
      );
      await eventually('publisher matched', () => fx.b.countPublishers(topic) >= 1);
      const timer = setInterval(() => pub.publish(msg), 10);
      pub.publish(msg);
      msg.data[0] = 99;
      const first = await got.finally(() => clearInterval(timer));
      assert.ok(first.data[0] === 1 || first.data[0] === 99);
      assert.equal(first.data.length, 3);
      pub.dispose();
    });

    it('refuses what rclnodejs refuses (a number in a uint64 field, a fixed array of another length) with a ros error', () => {
      const topic = uniqueTopic('u64');
      const pub = fx.a.publisher(topic, 'std_msgs/msg/UInt64');
      assert.throws(() => pub.publish({ data: 5 as unknown as bigint }), { code: 'ros', message: /bigint/ });
      pub.dispose();
      const imu = fx.a.publisher(uniqueTopic('imu'), 'sensor_msgs/msg/Imu');
      assert.throws(() => imu.publish({ orientation_covariance: [0, 0, 0] } as never), { code: 'ros' });
      imu.dispose();
    });

    it('delivers uint64 as bigint and float64[] as Float64Array, as rclnodejs does', async () => {
      const topic = uniqueTopic('shape');
      const pub = fx.a.publisher(topic, 'std_msgs/msg/UInt64');
      const [m] = await receive(fx.b.subscribe(topic, 'std_msgs/msg/UInt64'), 1, () =>
        pub.publish({ data: 2n ** 60n }),
      );
      assert.equal((m as { data: unknown }).data, 2n ** 60n);
      pub.dispose();
      const arr = uniqueTopic('f64');
      const p2 = fx.a.publisher(arr, 'std_msgs/msg/Float64MultiArray');
      const [a] = await receive(fx.b.subscribe(arr, 'std_msgs/msg/Float64MultiArray'), 1, () =>
        p2.publish({ layout: { dim: [], data_offset: 0 }, data: [1.5, -2] }),
      );
      assert.ok(a!.data instanceof Float64Array, `got ${a!.data.constructor.name}`);
      assert.deepEqual(Array.from(a!.data), [1.5, -2]);
      p2.dispose();
    });

    it('counts publishers across nodes (the "second publisher on the command topic" check)', async () => {
      const topic = uniqueTopic('count');
      assert.equal(fx.a.countPublishers(topic), 0);
      const p1 = fx.a.publisher(topic, 'std_msgs/msg/Float64MultiArray');
      const p2 = fx.b.publisher(topic, 'std_msgs/msg/Float64MultiArray');
      await eventually('two publishers', () => fx.a.countPublishers(topic) === 2);
      p2.dispose();
      await eventually('one publisher', () => fx.a.countPublishers(topic) === 1);
      p1.dispose();
    });

    it('destroys the ROS subscription on unsubscribe', async () => {
      const topic = uniqueTopic('unsub');
      const sub = fx.b.subscribe(topic, 'std_msgs/msg/String').subscribe();
      await eventually('subscription visible', () => fx.a.countSubscribers(topic) === 1);
      sub.unsubscribe();
      await eventually('subscription gone', () => fx.a.countSubscribers(topic) === 0);
    });

    it('a publisher disposes idempotently and refuses to publish afterwards', () => {
      const topic = uniqueTopic('pubdispose');
      const pub = fx.a.publisher(topic, 'std_msgs/msg/String');
      pub.dispose();
      pub.dispose();
      assert.throws(() => pub.publish({ data: 'x' }), {
        code: 'state',
        message: new RegExp(`publish on ${topic} after dispose`),
      });
    });

    it('disposing a node completes its subscriptions and is idempotent; later use is a state error', async () => {
      const node = await fx.node(`gb_contract_dispose_${process.pid}`);
      const topic = uniqueTopic('nodedispose');
      const done = new Promise<void>((resolve) => {
        node.subscribe(topic, 'std_msgs/msg/String').subscribe({ complete: resolve });
      });
      node.dispose();
      node.dispose();
      await done;
      assert.throws(() => node.publisher(topic, 'std_msgs/msg/String'), { code: 'state' });
      await eventually('subscription gone', () => fx.a.countSubscribers(topic) === 0);
    });

    it('transient-local publishers deliver their last message to late subscribers', async () => {
      const topic = uniqueTopic('latched');
      const pub = fx.a.publisher(topic, 'std_msgs/msg/String', QOS_PRESETS.transient_local);
      pub.publish({ data: 'hello' });
      const m = await firstValueFrom(
        fx.b.subscribe(topic, 'std_msgs/msg/String', QOS_PRESETS.transient_local).pipe(timeout(WAIT_MS)),
      );
      assert.equal(m.data, 'hello');
      pub.dispose();
    });

    it('calls a service and answers; a call without a server fails with a clear message', async () => {
      const service = uniqueTopic('reset');
      let calls = 0;
      const server = fx.a.serviceServer(service, 'std_srvs/srv/Trigger', () => {
        calls++;
        return { success: true, message: `reset ${calls}` };
      });
      const client = fx.b.serviceClient(service, 'std_srvs/srv/Trigger');
      assert.equal(await client.waitForService(WAIT_MS), true);
      const res = await client.call({}, WAIT_MS);
      assert.deepEqual({ ...res }, { success: true, message: 'reset 1' });
      server.dispose();
      client.dispose();
      const orphan = fx.b.serviceClient(uniqueTopic('none'), 'std_srvs/srv/Trigger');
      await assert.rejects(orphan.call({}, 50), { code: 'ros', message: /no server answered within 50 ms/ });
      orphan.dispose();
    });

    it('declares, reads and sets parameters, refusing a change of type', () => {
      assert.equal(fx.a.declareParameter('control_rate_hz', 125), 125);
      fx.a.setParameter('control_rate_hz', 250);
      assert.equal(fx.a.getParameter('control_rate_hz'), 250);
      assert.throws(() => fx.a.setParameter('control_rate_hz', 'fast'), {
        code: 'ros',
        message: /control_rate_hz is number/,
      });
      assert.throws(() => fx.a.getParameter('nope'), {
        code: 'ros',
        message: /parameter nope is not declared/,
      });
    });

    it('has a clock in seconds that does not go backwards', () => {
      const t0 = fx.a.clock.now();
      const t1 = fx.a.clock.now();
      assert.ok(Number.isFinite(t0) && t1 >= t0);
      assert.equal(fx.a.clock.kind, 'wall');
    });
  });
}

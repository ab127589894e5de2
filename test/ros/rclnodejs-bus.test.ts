import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus } from '../../src/ros/bus.js';
import {
  createRclnodejsBus,
  loadRclnodejs,
  type RclNode,
  RclnodejsBus,
  type RclnodejsModule,
} from '../../src/ros/rclnodejs-bus.js';
import { busContract } from './bus-contract.js';

const distro = process.env.ROS_DISTRO;

busContract(
  'rclnodejs',
  async () => {
    const suffix = `${process.pid}`;
    const a = await createRclnodejsBus(`gb_contract_a_${suffix}`);
    const b = await createRclnodejsBus(`gb_contract_b_${suffix}`);
    const extra: Bus[] = [];
    return {
      a,
      b,
      node: async (name) => {
        const bus = await createRclnodejsBus(`${name}_${suffix}`);
        extra.push(bus);
        return bus;
      },
      dispose: () => {
        for (const bus of extra) bus.dispose();
        a.dispose();
        b.dispose();
      },
    };
  },
  distro
    ? undefined
    : 'ROS_DISTRO is unset: source /opt/ros/<distro>/setup.bash to run the contract over rclnodejs',
);

describe('loadRclnodejs without ROS 2', () => {
  it('says how to get ROS 2 when ROS_DISTRO is unset', async () => {
    await assert.rejects(
      loadRclnodejs(async () => ({}), {}),
      {
        code: 'ros',
        message:
          'ROS 2 not found: source /opt/ros/<distro>/setup.bash (supported: Humble, Jazzy, Kilted); ROS_DISTRO is not set',
      },
    );
  });

  it('refuses an unsupported distro', async () => {
    await assert.rejects(
      loadRclnodejs(async () => ({}), { ROS_DISTRO: 'foxy' }),
      /ROS_DISTRO=foxy is not supported/,
    );
  });

  it('says how to install rclnodejs when ROS 2 is sourced but the package is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'rclnodejs'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await assert.rejects(
      loadRclnodejs(
        async () => {
          throw missing;
        },
        { ROS_DISTRO: 'jazzy' },
      ),
      /rclnodejs is not installed: with ROS 2 jazzy sourced, run `npm_config_yes=true npm install --no-save --save-peer rclnodejs@\^2\.2\.0`/,
    );
  });

  it('reports a failing native binding as ROS 2 not found, with the cause', async () => {
    await assert.rejects(
      loadRclnodejs(
        async () => {
          throw new Error('librcl.so: cannot open shared object file');
        },
        { ROS_DISTRO: 'humble' },
      ),
      /ROS 2 not found: .*loading rclnodejs failed: Error: librcl\.so/,
    );
  });
});

/** A recording stand-in for rclnodejs, to check ownership without ROS 2 (the contract suite checks behaviour). */
function recordingRcl(): { rcl: RclnodejsModule; destroyed: string[]; signalHandlersRemoved(): boolean } {
  const destroyed: string[] = [];
  let shutdowns = 0;
  let signalHandlersRemoved = false;
  const params = new Map<string, unknown>();
  const node: RclNode = {
    createPublisher: () => ({ publish: () => {} }),
    createSubscription: () => ({}),
    createClient: () => ({
      isServiceServerAvailable: () => false,
      waitForService: async () => false,
      sendRequestAsync: async () => ({}),
    }),
    createService: () => ({}),
    destroyPublisher: () => destroyed.push('publisher'),
    destroySubscription: () => destroyed.push('subscription'),
    destroyClient: () => destroyed.push('client'),
    destroyService: () => destroyed.push('service'),
    countPublishers: () => 0,
    countSubscribers: () => 0,
    declareParameter: (p) => {
      const { name, value } = p as unknown as { name: string; value: unknown };
      params.set(name, value);
      return { value };
    },
    getParameter: (name) => ({ value: params.get(name) }),
    hasParameter: (name) => params.has(name),
    setParameter: (p) => {
      const { name, value } = p as unknown as { name: string; value: unknown };
      params.set(name, value);
      return { successful: true, reason: '' };
    },
    now: () => ({ nanoseconds: 1_500_000_000n }),
    spin: () => {},
    destroy: () => destroyed.push('node'),
  };
  const rcl: RclnodejsModule = {
    init: async () => {},
    isShutdown: () => shutdowns > 0,
    shutdown: () => {
      shutdowns++;
      destroyed.push('context');
    },
    removeSignalHandlers: () => {
      signalHandlersRemoved = true;
    },
    createNode: () => node,
    QoS: class {} as RclnodejsModule['QoS'],
    Parameter: class {
      constructor(
        readonly name: string,
        readonly type: number,
        readonly value: unknown,
      ) {}
    } as unknown as RclnodejsModule['Parameter'],
  };
  return { rcl, destroyed, signalHandlersRemoved: () => signalHandlersRemoved };
}

describe('RclnodejsBus ownership', () => {
  it('destroys every entity once, then the node, on an idempotent dispose', async () => {
    const { rcl, destroyed } = recordingRcl();
    const bus = await createRclnodejsBus('owner', { rcl });
    assert.ok(bus instanceof RclnodejsBus);
    const pub = bus.publisher('/a', 'std_msgs/msg/String');
    bus.subscribe('/a', 'std_msgs/msg/String').subscribe();
    const unsub = bus.subscribe('/b', 'std_msgs/msg/String').subscribe();
    bus.serviceClient('/s', 'std_srvs/srv/Trigger');
    bus.serviceServer('/s', 'std_srvs/srv/Trigger', () => ({ success: true, message: '' }));
    unsub.unsubscribe();
    unsub.unsubscribe();
    pub.dispose();
    pub.dispose();
    assert.deepEqual(destroyed, ['subscription', 'publisher']);
    bus.dispose();
    bus.dispose();
    assert.deepEqual(destroyed.sort(), [
      'client',
      'context',
      'node',
      'publisher',
      'service',
      'subscription',
      'subscription',
    ]);
    assert.throws(() => bus.publisher('/a', 'std_msgs/msg/String'), { code: 'state' });
  });

  it("removes rclnodejs's SIGINT handler and shuts the context down after the last node", async () => {
    const { rcl, destroyed, signalHandlersRemoved } = recordingRcl();
    const a = await createRclnodejsBus('a', { rcl });
    const b = await createRclnodejsBus('b', { rcl });
    assert.ok(signalHandlersRemoved(), 'the bridge handles SIGINT itself (safe command first)');
    a.dispose();
    assert.ok(!destroyed.includes('context'), 'one node is still alive');
    b.dispose();
    assert.deepEqual(destroyed, ['node', 'node', 'context']);
  });

  it('names the topic and type when rclnodejs refuses a message', async () => {
    const { rcl } = recordingRcl();
    const bus = await createRclnodejsBus('typed', { rcl });
    const node = (bus as unknown as { node: RclNode }).node;
    node.createPublisher = () => ({
      publish: () => {
        throw new TypeError('steps must be type of bigint');
      },
    });
    const pub = bus.publisher<string>('/s', 'gail_bridge_msgs/msg/BridgeStatus');
    assert.throws(() => pub.publish({}), {
      code: 'ros',
      message:
        'topic /s (gail_bridge_msgs/msg/BridgeStatus): rclnodejs refused the message: steps must be type of bigint',
    });
    bus.dispose();
  });

  it('reads the node clock in seconds and integer parameters as numbers', async () => {
    const { rcl } = recordingRcl();
    const bus = await createRclnodejsBus('clock', { rcl, useSimTime: true });
    assert.equal(bus.clock.now(), 1.5);
    assert.equal(bus.clock.kind, 'sim');
    bus.declareParameter('rate', 125);
    assert.equal(bus.getParameter('rate'), 125);
    bus.dispose();
  });
});

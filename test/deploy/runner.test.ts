import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import { BRIDGE_MSG_TYPES, BRIDGE_STATES, type BridgeStatusMsg } from '../../src/ros/bridge-msgs.js';
import { at, between, freezeFault, nanFault, nanJointState } from '../../src/streams/faults.js';
import { atTime, type Command, FnPolicy, harness, TWO_JOINTS } from './harness.js';

const HOLD = [0.3, -0.4];
const times = (cs: Command[]): number[] => cs.map((c) => c.t);

/** Joint states every 10 ms at t = 5, 15, … (between the 10 ms watchdog ticks), constant position. */
function publishEvery10(h: ReturnType<typeof harness>, from: number, to: number, pos = HOLD): void {
  for (let t = from; t <= to; t += 10) h.jointStateAt(t, pos);
}

describe('DeployRunner', () => {
  it('limits the first commands against the measured state, then the rate, and counts what it clamped', () => {
    const h = harness();
    h.runner.start();
    publishEvery10(h, 5, 25, [0, 0]);
    atTime(h, 30, () => void h.runner.stop());
    h.flush();
    const policyCmds = h.commands.filter((c) => c.t < 30);
    // j1 wants 0.5: change limit ±0.2 around the measured 0, rate 10 rad/s × 10 ms = 0.1 from the last
    // command (first: from the measured state). j2 wants 0.5: change ±0.5, no rate limit.
    assert.deepEqual(policyCmds, [
      { t: 5, data: [0.1, 0.5] },
      { t: 15, data: [0.2, 0.5] },
      { t: 25, data: [0.2, 0.5] },
    ]);
    assert.deepEqual(h.runner.counters.clampedChange, [3, 0]);
    assert.deepEqual(h.runner.counters.clampedRate, [1, 0]);
    assert.deepEqual(h.runner.counters.clampedAbsolute, [0, 0]);
  });

  it('publishes the safe command within one period of going stale, every period, until 3 fresh cycles (exact virtual times)', () => {
    const h = harness();
    h.runner.start();
    publishEvery10(h, 5, 95);
    publishEvery10(h, 205, 285);
    atTime(h, 300, () => void h.runner.stop());
    h.flush();
    const safe = h.commands.filter((c) => c.data[0] === HOLD[0] && c.data[1] === HOLD[1]);
    const policy = h.commands.filter((c) => !(c.data[0] === HOLD[0] && c.data[1] === HOLD[1]));
    // Last message 95 ms; stale from 145 ms (timeout max(3 × 10 ms, 50 ms)); first watchdog tick after: 150.
    // Then every 10 ms; fresh data at 205, 215, 225 still gets the safe command (recover_cycles 3); the
    // policy resumes at 235. Stop at 300: safe at 300, 310, 320.
    assert.deepEqual(times(safe), [150, 160, 170, 180, 190, 200, 205, 215, 225, 300, 310, 320]);
    assert.deepEqual(
      times(policy).filter((t) => t > 100),
      [235, 245, 255, 265, 275, 285],
    );
    assert.equal(h.runner.counters.stale, 6);
    assert.deepEqual(
      h.events.map((e) => [Math.round(e.at * 1000), e.mode]),
      [
        [5, 'active'],
        [150, 'safe'],
        [235, 'active'],
        [300, 'stopping'],
        [320, 'stopped'],
      ],
    );
  });

  it('keeps the safe command at one per period when the timer fires late by a varying amount', () => {
    // Timers that fire up to 0.9 ms late, alternately: a watchdog re-armed with a fixed delay drifts by the
    // lateness every period, and one that finds the last command "less than a period ago" skips a tick
    // (on real ROS 2 at 125 Hz the stale command went out every ~15 ms).
    const late = harness({ timerLateMs: (k) => (k % 2 === 0 ? 0.9 : 0) });
    late.runner.start();
    publishEvery10(late, 5, 95);
    atTime(late, 1000, () => void late.runner.stop());
    late.flush();
    const stale = late.published.filter((c) => c.safe && c.t >= 145 && c.t < 1000).map((c) => c.t);
    // Stale from 145 ms: 85 watchdog periods up to 1000 ms, each with its command.
    assert.equal(stale.length, 85);
    const gaps = stale.slice(1).map((t, i) => t - stale[i]!);
    assert.ok(Math.max(...gaps) <= 10.9 + 1e-9, `largest gap ${Math.max(...gaps)} ms`);
    assert.ok(Math.min(...gaps) >= 9.1 - 1e-9, `smallest gap ${Math.min(...gaps)} ms`);
  });

  it('publishes BridgeStatus once a second with 64-bit counters as bigint and per-topic receipt counts', () => {
    const h = harness({ runner: { statusTopic: '/deploy/status' } });
    const statuses: BridgeStatusMsg[] = [];
    h.graph
      .node('probe')
      .subscribe('/deploy/status', BRIDGE_MSG_TYPES.bridgeStatus)
      .subscribe((m) => statuses.push(m as unknown as BridgeStatusMsg));
    h.runner.start();
    publishEvery10(h, 5, 1995);
    atTime(h, 3005, () => void h.runner.stop());
    h.flush();
    assert.equal(statuses.length, 3);
    const [first, , third] = statuses as [BridgeStatusMsg, BridgeStatusMsg, BridgeStatusMsg];
    assert.equal(first.steps, 100n);
    assert.equal(first.deadline_misses, 0n);
    assert.equal(first.state, BRIDGE_STATES.active);
    assert.deepEqual(
      first.topics.map((t) => [t.topic, t.type, t.received, t.missing]),
      [['/joint_states', 'sensor_msgs/msg/JointState', 100n, 0n]],
    );
    assert.ok(Math.abs(first.topics[0]!.achieved_rate_hz - 100) < 1e-9);
    // Silent from 1995 ms: late (older than a period) until the 50 ms timeout, missing after.
    const t3 = third.topics[0]!;
    assert.equal(t3.received, 200n);
    assert.equal(t3.achieved_rate_hz, 0);
    assert.equal(t3.late, 4n);
    assert.equal(t3.missing, 96n);
    assert.equal(third.state, BRIDGE_STATES.safe);
  });

  it('never publishes from a non-finite observation: holds the last good position, then recovers', () => {
    const h = harness({ faults: nanFault(at(3), nanJointState('velocity', 1)) });
    h.runner.start();
    publishEvery10(h, 5, 95);
    atTime(h, 100, () => void h.runner.stop());
    h.flush();
    const at35 = h.commands.filter((c) => c.t >= 35 && c.t <= 65);
    assert.deepEqual(at35, [
      { t: 35, data: HOLD },
      { t: 45, data: HOLD },
      { t: 55, data: HOLD },
      { t: 65, data: HOLD },
    ]);
    assert.ok(h.commands.some((c) => c.t === 75 && c.data[0] !== HOLD[0]));
    assert.equal(h.runner.counters.nonFiniteObservations, 1);
  });

  it('faults after K non-finite observations in a row: safe command for 3 periods, then teardown', async () => {
    const h = harness({ faults: nanFault(between(3, 100), nanJointState('position', 0)) });
    h.runner.start();
    publishEvery10(h, 5, 195);
    h.flush();
    const result = await h.runner.done;
    assert.equal(result.reason, 'fault');
    assert.equal(
      result.message,
      'fault: 4 non-finite or invalid cycles in a row (last: non-finite observation)',
    );
    // NaN from 35 ms: safe at 35, 45, 55; the 4th (65) faults: safe at 65, 75, 85 (one per period), then nothing.
    assert.deepEqual(times(h.commands.filter((c) => c.t >= 35)), [35, 45, 55, 65, 75, 85]);
    assert.ok(h.commands.filter((c) => c.t >= 35).every((c) => c.data.every((v, i) => v === HOLD[i])));
    assert.equal(h.graph.countSubscribers('/joint_states'), 0);
    assert.equal(h.graph.countPublishers('/cmd'), 0);
  });

  it('never publishes a non-finite action: safe command instead, counted', () => {
    const policy = new FnPolicy(4, 2, (obs) =>
      obs[0]! > 0.5 ? [Number.NaN, 0] : [0, Number.POSITIVE_INFINITY],
    );
    const h = harness({ policy });
    h.runner.start();
    for (let t = 5; t <= 45; t += 10) h.jointStateAt(t, [0.3, 0]);
    atTime(h, 50, () => void h.runner.stop());
    h.flush();
    // 5 ms: NaN action → safe; 15–35 ms: recovering (3 fresh cycles, policy not asked); 45 ms: +Inf → safe.
    assert.equal(policy.calls, 2);
    assert.equal(h.runner.counters.nonFiniteActions, 2);
    assert.ok(h.commands.every((c) => c.data.every(Number.isFinite)));
    assert.deepEqual(h.commands[0], { t: 5, data: [0.3, 0] });
    assert.deepEqual(times(h.commands), [5, 15, 25, 35, 45, 50, 60, 70]);
  });

  it('treats a stuck driver (same message, same stamp, republished) as stale', () => {
    const h = harness({ faults: freezeFault(between(5, 1000)) });
    h.runner.start();
    publishEvery10(h, 5, 195);
    atTime(h, 200, () => void h.runner.stop());
    h.flush();
    // Index 4 (45 ms) is the last real message; repeats of it do not refresh: stale from 95 ms, safe at 100.
    const firstSafe = h.events.find((e) => e.mode === 'safe');
    assert.equal(Math.round(firstSafe!.at * 1000), 100);
    assert.ok(h.runner.counters.skippedTriggers > 0);
  });

  it('refuses to start when policy and robot disagree, printing the diff', () => {
    const wrong: Spec = {
      observation: makeSpaceSpec({ names: ['j1', 'j2', 'j1.vel'] }),
      action: makeSpaceSpec({ names: ['j2', 'j1'], units: ['rad', 'rad'] }),
      controlRateHz: 50,
      source: { kind: 'task', task: 'x' },
      producer: 'test',
    };
    assert.throws(() => harness({ policySpec: wrong }), {
      code: 'spec',
      message:
        'policy p.policy vs robot test.yaml: specs differ:\n' +
        '  - observation: expected 3 elements, got 4\n' +
        '  - observation: unexpected j2.vel\n' +
        '  - action[0]: expected j2, got j1 (same names, different order)\n' +
        '  - control rate: expected 50 Hz, got 100 Hz',
    });
  });

  it('refuses a policy network whose sizes do not match the robot', () => {
    assert.throws(() => harness({ policy: new FnPolicy(3, 2, () => [0, 0]) }), {
      code: 'spec',
      message: 'policy p.policy: network is 3 → 2, robot needs 4 → 2',
    });
  });

  it('warns when another node already publishes on the command topic', () => {
    const h = harness({ runner: {} });
    const other = h.graph.node('teleop').publisher('/cmd', 'std_msgs/msg/Float64MultiArray');
    h.runner.start();
    atTime(h, 10, () => void h.runner.stop());
    h.flush();
    assert.deepEqual(h.warnings, [
      'command topic /cmd has 1 other publisher(s): another node may be commanding this robot',
    ]);
    other.dispose();
  });

  it('stays silent until the first observation, and a stop then publishes nothing for hold_position', async () => {
    const h = harness();
    h.runner.start();
    atTime(h, 200, () => void h.runner.stop());
    h.flush();
    assert.deepEqual(h.commands, []);
    assert.equal((await h.runner.done).reason, 'stopped');
  });

  it('publishes zero as the safe command for a zero-velocity robot, and stop is idempotent', async () => {
    const config = TWO_JOINTS.replace('interface: position', 'interface: velocity').replace(
      '{ kind: hold_position }',
      '{ kind: zero }',
    );
    const h = harness({ config });
    h.runner.start();
    h.jointStateAt(5, [0, 0]);
    atTime(h, 12, () => {
      void h.runner.stop('first');
      void h.runner.stop('second');
    });
    h.flush();
    assert.deepEqual(
      h.commands.map((c) => c.t),
      [5, 12, 22, 32],
    );
    assert.deepEqual(
      h.commands.slice(1).map((c) => c.data),
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    );
    assert.equal((await h.runner.done).message, 'first');
  });
});

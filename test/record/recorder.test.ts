/**
 * The recorder over the in-process bus, on a virtual clock (no sleeps): a robot node publishing
 * JointState, a teleop node publishing Float64MultiArray commands, and the recorder sampling both at the
 * control rate into an in-memory sink.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QOS_PRESETS } from '../../src/config/qos.js';
import { BRIDGE_MSG_TYPES, EPISODE_EVENT_ENDS, EPISODE_EVENT_KINDS } from '../../src/ros/bridge-msgs.js';
import { header, toTime } from '../../src/ros/messages.js';
import { commandAt, World } from './world.js';

describe('Recorder', () => {
  it('samples observation and teleop command at the control rate, stamped with the tick time', async () => {
    const w = new World();
    const r = await w.started();
    // Robot and teleop published k at 100·k ms, so at the tick of 250 ms the newest k is 2.
    assert.deepEqual(await commandAt(w, r, 'start', 250), { success: true, message: 'episode 0 started' });
    const done = await commandAt(w, r, 'done', 650);
    assert.deepEqual(done, { success: true, message: 'episode 0 ended terminated after 4 steps' });
    await r.drain();
    const steps = w.sink.steps();
    assert.deepEqual(
      steps.map((s) => s.obs),
      [
        [2, -2],
        [3, -3],
        [4, -4],
        [5, -5],
      ],
    );
    assert.deepEqual(
      steps.map((s) => s.action.map((v) => Math.round(v * 10) / 10)),
      [
        [0.2, 1],
        [0.3, 1],
        [0.4, 1],
        [0.5, 1],
      ],
    );
    assert.deepEqual(
      steps.map((s) => s.timeS),
      [0.25, 0.35, 0.45, 0.55],
    );
    assert.deepEqual(w.sink.ends(), [{ op: 'end', end: 'terminated', finalObs: [6, -6], finalTimeS: 0.65 }]);
    assert.deepEqual(
      w.sink.calls.map((c) => c.op),
      ['begin', 'step', 'step', 'step', 'step', 'end'],
    );
    const report = await r.finish();
    assert.equal(report.episodes.length, 1);
    assert.equal(report.topics.find((t) => t.topic === '/joint_states')?.late, 0);
    assert.ok(Math.abs(report.achievedRateHz - 10) < 0.5, `achieved ${report.achievedRateHz} Hz`);
    w.dispose();
  });

  it('stop ends the episode truncated (operator stop), done ends it terminated', async () => {
    const w = new World();
    const r = await w.started();
    await commandAt(w, r, 'start', 250);
    const stop = await commandAt(w, r, 'stop', 450);
    assert.equal(stop.message, 'episode 0 ended truncated after 2 steps');
    await r.finish();
    assert.deepEqual(
      w.sink.ends().map((e) => e.end),
      ['truncated'],
    );
    w.dispose();
  });

  it('a topic slower than the control rate is held and counted late; silent past the timeout it cuts the episode', async () => {
    const w = new World();
    const r = await w.started();
    await commandAt(w, r, 'start', 250);
    await w.advanceTo(360);
    w.robotOn = false; // last JointState at 300 ms
    await w.advanceTo(800);
    await r.drain();
    // Ticks 350 (fresh), 450, 550 (held: late), 650 (age 0.35 s > 0.30 s: missing → cut).
    const js = r.report().topics.find((t) => t.topic === '/joint_states')!;
    assert.equal(js.late, 2);
    assert.equal(js.missing, 1);
    const ended = w.events.find((e) => e.kind === 'ended');
    assert.ok(ended && ended.kind === 'ended');
    assert.equal(ended.end, 'interrupted');
    assert.deepEqual(ended.marks, ['cut at step 3: /joint_states silent 0.35 s > timeout 0.30 s']);
    // Held samples are recorded (steps of 250, 350, 450); the step of 550 has no observation after it.
    assert.equal(w.sink.steps().length, 3);
    assert.deepEqual(w.sink.ends(), [{ op: 'end', end: 'interrupted', finalObs: [3, -3], finalTimeS: 0.55 }]);
    // Nothing is filled in: start is refused while the topic is silent, and no step is written.
    assert.match(
      (await commandAt(w, r, 'start', 1050)).message,
      /^cannot start: \/joint_states silent 0\.75 s/,
    );
    assert.equal(w.sink.steps().length, 3);
    await r.finish();
    w.dispose();
  });

  it('a silent teleop cuts the episode but keeps the last step (its next observation exists)', async () => {
    const w = new World();
    const r = await w.started();
    await commandAt(w, r, 'start', 250);
    await w.advanceTo(360);
    w.teleopOn = false;
    await w.advanceTo(800);
    await r.drain();
    assert.deepEqual(w.sink.ends(), [{ op: 'end', end: 'interrupted', finalObs: [6, -6], finalTimeS: 0.65 }]);
    assert.equal(w.sink.steps().length, 4);
    assert.equal(r.report().topics.find((t) => t.topic === '/cmd')?.missing, 1);
    await r.finish();
    w.dispose();
  });

  it('refuses to start without the teleop topic, naming it and what to check', async () => {
    const w = new World();
    w.teleopOn = false;
    await w.advanceTo(50);
    const r = w.recorder();
    const p = r.start();
    const check = assert.rejects(p, (err: Error) => {
      assert.match(err.message, /required topics are not publishing after 1 s/);
      assert.match(err.message, /\/cmd \(std_msgs\/msg\/Float64MultiArray\): 1 publisher but no message/);
      assert.doesNotMatch(err.message, /\/joint_states/);
      return true;
    });
    await w.advanceTo(2000);
    await check;
    assert.equal(w.graph.countSubscribers('/joint_states'), 0, 'subscriptions released on refusal');
    w.dispose();
  });

  it('with allowMissingTopics starts, but records nothing until the topic appears', async () => {
    const w = new World();
    w.teleopOn = false;
    await w.advanceTo(50);
    const r = w.recorder({ allowMissingTopics: true });
    const p = r.start();
    await w.advanceTo(1200);
    await p;
    const ready = w.events.find((e) => e.kind === 'ready');
    assert.ok(ready && ready.kind === 'ready' && ready.missing.length === 1);
    assert.match(
      (await commandAt(w, r, 'start', 1250)).message,
      /cannot start: \/cmd has no readable message/,
    );
    w.teleopOn = true;
    assert.equal((await commandAt(w, r, 'start', 1450)).success, true);
    await r.finish();
    w.dispose();
  });

  it('refuses at start a topic whose type differs from the config, naming both types', async () => {
    const w = new World({ teleopType: 'geometry_msgs/msg/Twist' });
    await w.advanceTo(50);
    await assert.rejects(w.recorder().start(), {
      message:
        'record: cannot subscribe (expected types from the robot config):\n' +
        '  - topic /cmd: subscription of type std_msgs/msg/Float64MultiArray, but the topic carries ' +
        'geometry_msgs/msg/Twist; use the same message type',
    });
    w.dispose();
  });

  it('refuses at start a JointState that lacks a configured joint', async () => {
    const w = new World({ robotJoints: ['a', 'c'] });
    await w.advanceTo(50);
    const r = w.recorder();
    const p = r.start();
    const check = assert.rejects(p, {
      message:
        'record: required topics are not publishing after 1 s:\n' +
        '  - /joint_states: unreadable: topic /joint_states: expected joints a, b in name[], got 2 (missing: b)\n' +
        'Start them, or pass --allow-missing to record once they appear.',
    });
    await w.advanceTo(2000);
    await check;
    w.dispose();
  });

  it('discard drops the open episode; rerecord discards the last and starts again', async () => {
    const w = new World();
    const r = await w.started();
    await commandAt(w, r, 'start', 250);
    assert.deepEqual(await commandAt(w, r, 'discard', 450), {
      success: true,
      message: 'episode 0 discarded',
    });
    await commandAt(w, r, 'start', 550);
    await commandAt(w, r, 'done', 750);
    const rr = await commandAt(w, r, 'rerecord', 850);
    assert.deepEqual(rr, { success: true, message: 'episode 1 discarded; episode 2 started' });
    await commandAt(w, r, 'stop', 1050);
    assert.deepEqual(await commandAt(w, r, 'discard', 1150), {
      success: true,
      message: 'episode 2 discarded',
    });
    assert.deepEqual(await commandAt(w, r, 'discard', 1250), {
      success: false,
      message: 'no episode to discard',
    });
    const report = await r.finish();
    assert.deepEqual(
      report.episodes.map((e) => [e.index, e.end, e.discarded]),
      [
        [0, 'interrupted', true],
        [1, 'terminated', true],
        [2, 'truncated', true],
      ],
    );
    assert.deepEqual(
      w.events.filter((e) => e.kind === 'discarded').map((e) => (e.kind === 'discarded' ? e.episode : -1)),
      [0, 1, 2],
    );
    w.dispose();
  });

  it("follows a robot's EpisodeEvents: opens on started, closes with the robot's end on ended", async () => {
    const w = new World();
    const r = await w.started({ followEpisodes: '/robot/episode_events' });
    const events = w.robot.publisher('/robot/episode_events', BRIDGE_MSG_TYPES.episodeEvent);
    const send = (event: number, end: number) =>
      events.publish({ header: header(0), event, episode: 0, end, steps: 0, marks: [] });
    await w.advanceTo(200);
    send(EPISODE_EVENT_KINDS.started, EPISODE_EVENT_ENDS.none);
    await w.advanceTo(580); // steps of 250, 350, 450 written; 550 pending
    send(EPISODE_EVENT_KINDS.ended, EPISODE_EVENT_ENDS.terminated);
    await w.advanceTo(680);
    send(EPISODE_EVENT_KINDS.started, EPISODE_EVENT_ENDS.none);
    await w.advanceTo(760);
    await r.drain();
    assert.deepEqual(w.sink.ends(), [{ op: 'end', end: 'terminated', finalObs: [5, -5], finalTimeS: 0.55 }]);
    assert.deepEqual(
      w.sink.calls.map((c) => c.op),
      ['begin', 'step', 'step', 'step', 'end', 'begin'],
    );
    const report = await r.finish();
    assert.deepEqual(report.episodes[0]?.marks, [
      'ended terminated by the robot; its terminal state is not published, so the last step is dropped',
    ]);
    assert.equal(report.episodes[1]?.end, 'interrupted', 'the open one is cut by finish');
    w.dispose();
  });

  it('is driven headless by std_srvs/Trigger services and the std_msgs/String command topic', async () => {
    const w = new World();
    const r = await w.started();
    const ops = w.graph.node('operator');
    const start = ops.serviceClient('/gail_bridge/record/start', 'std_srvs/srv/Trigger');
    await w.advanceTo(240);
    const response = start.call({});
    await w.advanceTo(250);
    assert.deepEqual(await response, { success: true, message: 'episode 0 started' });
    const cmd = ops.publisher('/gail_bridge/record/command', 'std_msgs/msg/String');
    await w.advanceTo(440);
    cmd.publish({ data: 'done' });
    await w.advanceTo(460);
    await r.drain();
    assert.deepEqual(
      w.sink.ends().map((e) => e.end),
      ['terminated'],
    );
    cmd.publish({ data: 'jump' });
    await w.advanceTo(560);
    assert.ok(
      w.events.some((e) => e.kind === 'warning' && /command "jump": unknown command "jump"/.test(e.message)),
    );
    await r.finish();
    assert.equal(start.isServiceAvailable(), false, 'services are removed on finish');
    ops.dispose();
    w.dispose();
  });

  it('finish ends an open episode interrupted, drops its unfinished step, and releases every subscription', async () => {
    const w = new World();
    const r = await w.started();
    await commandAt(w, r, 'start', 250);
    await w.advanceTo(500);
    const report = await r.finish();
    assert.equal(report.episodes[0]?.end, 'interrupted');
    assert.deepEqual(report.episodes[0]?.marks, ['recording finished (Ctrl-C)']);
    // Ticks 250, 350, 450: the step of 450 had no next observation.
    assert.equal(w.sink.steps().length, 2);
    assert.deepEqual(w.sink.ends()[0]?.finalObs, [4, -4]);
    for (const t of ['/joint_states', '/cmd', '/gail_bridge/record/command'])
      assert.equal(w.graph.countSubscribers(t), 0, t);
    assert.equal(await r.finish(), await r.finish(), 'idempotent');
    assert.deepEqual(await r.command('start'), { success: false, message: 'the recorder is not running' });
    w.dispose();
  });

  it('records NaN as it came and counts zero and backward header stamps', async () => {
    const w = new World();
    const r = await w.started();
    const js = w.robot.publisher('/joint_states', 'sensor_msgs/msg/JointState', QOS_PRESETS.sensor_data);
    w.robotOn = false;
    const send = (stamp: number, a: number) =>
      js.publish({
        header: { stamp: toTime(stamp), frame_id: '' },
        name: ['a', 'b'],
        position: [a, 0],
        velocity: [],
        effort: [],
      });
    await w.advanceTo(220);
    send(0, 1);
    await commandAt(w, r, 'start', 250);
    await w.advanceTo(320);
    send(0.3, Number.NaN);
    await w.advanceTo(420);
    send(0.25, 2);
    await commandAt(w, r, 'stop', 450);
    await w.advanceTo(520);
    send(5, 3);
    await w.advanceTo(530);
    await r.drain();
    assert.ok(Number.isNaN(w.sink.steps()[1]?.obs[0]));
    const t = r.report().topics.find((x) => x.topic === '/joint_states')!;
    assert.equal(t.zeroStamps, 1);
    assert.equal(t.backwardStamps, 1);
    assert.equal(t.futureStamps, 1, 'stamp 5 s at virtual time 0.52 s lies in the future');
    await r.finish();
    w.dispose();
  });
});

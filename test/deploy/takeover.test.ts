/**
 * HG-DAgger takeover during deploy (runner.ts, corrections.ts) over the in-process bus on virtual time: the
 * takeover switches the command source, the envelope clamps teleop commands as it clamps the policy's, a
 * silent teleop gets the safe command, and the corrections file holds exactly the takeover steps, cut at
 * takeover start and end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TempBuffer } from '@mcap/core';
import { actionLimits, parseRobotConfig, robotSpec } from '../../src/config/robot.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { CorrectionRecorder, type CorrectionSink } from '../../src/deploy/corrections.js';
import { SafetyEnvelope } from '../../src/deploy/envelope.js';
import { atTime, harness, TWO_JOINTS } from './harness.js';

/** TWO_JOINTS with a teleop: Float64MultiArray commands on /teleop/cmd, takeover on /teleop/takeover. */
const TELEOP = `${TWO_JOINTS}
teleop:
  topic: /teleop/cmd
  type: std_msgs/Float64MultiArray
  takeover_topic: /teleop/takeover
`;

/** The policy's action, and the person's command at time t ms (out of j1's limits from 30 ms on). */
const POLICY = [0.5, 0.5];
const teleopAt = (t: number): number[] => [-t / 30, 0.1];

/** A deploy with a teleop node: joint states (j1 at t/1000) and teleop commands every 10 ms. */
async function takeoverRun(options: {
  takeover: readonly (readonly [number, boolean])[];
  teleopUntil?: number;
  stopAt: number;
  capacity?: number;
  /** Milliseconds between teleop commands; default 10 (the control period). */
  teleopEvery?: number;
  config?: string;
}) {
  const config = options.config ?? TELEOP;
  const buffer = new TempBuffer();
  const spec = robotSpec(parseRobotConfig(config, 'test.yaml'), 'test.yaml');
  const writer = await DemoWriter.toWritable(buffer, { spec });
  const recorder = new CorrectionRecorder(writer, 4, 2, options.capacity);
  const h = harness({ config, runner: { corrections: recorder } });
  const person = h.graph.node('person');
  const cmd = person.publisher('/teleop/cmd', 'std_msgs/msg/Float64MultiArray');
  const takeover = person.publisher('/teleop/takeover', 'std_msgs/msg/Bool');
  h.runner.start();
  for (let t = 5; t < options.stopAt; t += 10) h.jointStateAt(t, [t / 1000, 0]);
  for (let t = 3; t < (options.teleopUntil ?? options.stopAt); t += options.teleopEvery ?? 10)
    atTime(h, t, () => cmd.publish({ layout: { dim: [], data_offset: 0 }, data: teleopAt(t) }));
  for (const [t, on] of options.takeover) atTime(h, t, () => takeover.publish({ data: on }));
  atTime(h, options.stopAt, () => void h.runner.stop());
  h.flush();
  await h.runner.done;
  const counts = await recorder.close();
  await writer.close();
  const file = await readDemoFile(buffer.get());
  return { h, counts, file };
}

describe('deploy takeover (HG-DAgger)', () => {
  it('switches the command source to the teleop while the takeover is on, and back', async () => {
    const { h } = await takeoverRun({
      takeover: [
        [40, true],
        [90, false],
      ],
      stopAt: 130,
    });
    const policy = h.published.filter((p) => !p.safe);
    // Cycles at 45 … 85 publish the person's command; before and after, the policy's.
    const fromTeleop = policy.filter((p) => p.t >= 45 && p.t <= 85);
    assert.equal(fromTeleop.length, 5);
    for (const p of fromTeleop) assert.equal(p.data[1], 0.1, `teleop j2 at ${p.t} ms`);
    for (const p of policy.filter((p) => p.t < 45 || p.t > 85))
      assert.equal(p.data[1], 0.5, `policy j2 at ${p.t}`);
    assert.deepEqual(
      h.events.map((e) => [Math.round(e.at * 1000), e.mode]),
      [
        [5, 'active'],
        [45, 'takeover'],
        [95, 'active'],
        [130, 'stopping'],
        [150, 'stopped'],
      ],
    );
    assert.equal(h.runner.counters.teleopPublished, 5);
    assert.equal(h.runner.counters.takeovers, 1);
  });

  it('clamps teleop commands with the same envelope as the policy: absolute, change, rate', async () => {
    const { h, file } = await takeoverRun({ takeover: [[40, true]], stopAt: 100 });
    const envelope = new SafetyEnvelope(actionLimits(h.config), 0.01);
    const published = h.published.filter((p) => !p.safe);
    const out = new Float64Array(2);
    let last: Float64Array | undefined;
    for (const p of published) {
      // What the robot was sent is the envelope applied to the source's action (measured: j1 = t/1000, j2 = 0).
      const action = p.t >= 45 ? teleopAt(p.t - 2) : POLICY;
      envelope.apply(action, [p.t / 1000, 0], last, out);
      assert.deepEqual(p.data, Array.from(out), `command at ${p.t} ms`);
      last = Float64Array.from(out);
    }
    // The person asked for j1 = −1.4 … −2.8 (beyond −1): the absolute limit and the change limit cut it.
    assert.ok(h.runner.counters.clampedAbsolute[0]! >= 5);
    assert.ok(published.filter((p) => p.t >= 45).every((p) => p.data[0]! >= -1));
    // The stop cut the takeover (cycles 45 … 95): its last step is dropped, the episode interrupted.
    assert.deepEqual(
      file.episodes.map((e) => [e.trajectory.length, e.trajectory.end]),
      [[5, 'interrupted']],
    );
  });

  it('records exactly the takeover steps: the observation and the command as the person gave it', async () => {
    const { file, counts } = await takeoverRun({
      takeover: [
        [40, true],
        [90, false],
        [100, true],
        [120, false],
      ],
      stopAt: 150,
    });
    assert.deepEqual(counts, { episodes: 2, steps: 7, dropped: 0 });
    assert.equal(file.episodes.length, 2);
    const [first, second] = file.episodes.map((e) => e.trajectory);
    // First takeover: cycles 45 … 85; its end's observation is the cycle at 95 (the policy's again).
    assert.equal(first!.length, 5);
    assert.equal(first!.end, 'truncated');
    const obsJ1 = (t: typeof first) => Array.from({ length: t!.length + 1 }, (_, i) => t!.obs[i * 4]!);
    assert.deepEqual(
      obsJ1(first),
      [45, 55, 65, 75, 85, 95].map((t) => Math.fround(t / 1000)),
    );
    // The label is the person's command (read at the cycle: the one published 2 ms before), unclamped.
    assert.deepEqual(
      Array.from({ length: 5 }, (_, i) => first!.acts[i * 2]!),
      [43, 53, 63, 73, 83].map((t) => Math.fround(-t / 30)),
    );
    assert.equal(second!.length, 2);
    assert.deepEqual(
      obsJ1(second),
      [105, 115, 125].map((t) => Math.fround(t / 1000)),
    );
    assert.deepEqual(
      file.episodes.map((e) => e.metadata['source']),
      ['deploy takeover (HG-DAgger correction)', 'deploy takeover (HG-DAgger correction)'],
    );
  });

  it('publishes the safe command when the teleop goes silent during a takeover, and cuts the episode', async () => {
    const { h, file } = await takeoverRun({ takeover: [[40, true]], teleopUntil: 80, stopAt: 300 });
    // Last teleop command at 73 ms; stale from 223 ms (the teleop timeout's default floor, 150 ms): the
    // cycle at 225 is the first safe one.
    const safe = h.published.filter((p) => p.safe && p.t < 300).map((p) => p.t);
    assert.equal(safe[0], 225, 'the cycle at 225 finds the teleop stale');
    assert.ok(h.events.some((e) => e.mode === 'safe' && e.reason === 'stale'));
    // Teleop steps at 45 … 215 (18 cycles); the cut drops the last one (no observation followed it).
    assert.equal(file.episodes.length, 1);
    assert.equal(file.episodes[0]!.trajectory.end, 'interrupted');
    assert.equal(file.episodes[0]!.trajectory.length, 17);
  });

  it('holds the takeover with a teleop at a joystick rate (20 Hz) against a 100 Hz robot', async () => {
    // A 50 ms teleop period is the observation timeout here (3 periods → 50 ms floor): with that as the
    // teleop's timeout every cycle just before a command would be stale (on the real graph a 20 Hz teleop
    // against the 125 Hz Hopper flapped between takeover and safe). The teleop timeout's floor is 150 ms.
    const { h, file } = await takeoverRun({ takeover: [[40, true]], teleopEvery: 50, stopAt: 400 });
    assert.deepEqual(
      h.published.filter((p) => p.safe && p.t < 400).map((p) => p.t),
      [],
      'no safe command while the person drives at 20 Hz',
    );
    assert.equal(h.runner.counters.takeovers, 1);
    assert.equal(file.episodes.length, 1);
  });

  it('takes teleop.timeout_s from the config: 0.05 s makes the silent teleop stale at 123 ms', async () => {
    const { h, file } = await takeoverRun({
      config: `${TELEOP}  timeout_s: 0.05\n`,
      takeover: [[40, true]],
      teleopUntil: 80,
      stopAt: 200,
    });
    // Last teleop command at 73 ms; stale from 123 ms: the cycle at 125 is safe.
    const safe = h.published.filter((p) => p.safe && p.t < 200).map((p) => p.t);
    assert.equal(safe[0], 125, 'the cycle at 125 finds the teleop stale');
    assert.equal(file.episodes[0]!.trajectory.length, 7);
  });

  it('ignores a silent teleop while the policy drives, and never drives from a silent one', async () => {
    const { h, file } = await takeoverRun({ takeover: [[200, true]], teleopUntil: 20, stopAt: 260 });
    // The teleop is silent from 13 ms on (stale from 163 ms): no matter until the takeover at 200, then
    // stale, then safe.
    assert.ok(h.published.filter((p) => !p.safe && p.t < 200).length >= 5);
    assert.ok(h.published.filter((p) => p.t >= 205).every((p) => p.safe));
    assert.equal(file.episodes.length, 0, 'no teleop command was ever published in a takeover');
  });

  it('loses a step cleanly when the writer falls behind: a cut, never a gap inside an episode', async () => {
    const steps: number[] = [];
    const ends: string[] = [];
    const sink: CorrectionSink = {
      beginEpisode: async () => 0,
      writeStep: async (s) => void steps.push(s.obs[0]!),
      endEpisode: async (end) => void ends.push(end),
    };
    const r = new CorrectionRecorder(sink, 1, 1, 4);
    for (let i = 0; i < 5; i++) r.step([i], [0], i); // the ring holds 3: steps 3 and 4 are lost
    r.step([5], [0], 5);
    await r.flush();
    r.step([6], [0], 6);
    r.end([7], 7);
    const counts = await r.close();
    // 0, 1, 2 then the cut (2 dropped as the cut's last step); 6 then the clean end.
    assert.deepEqual(steps, [0, 1, 6]);
    assert.deepEqual(ends, ['interrupted', 'truncated']);
    assert.equal(counts.dropped, 3);
  });
});

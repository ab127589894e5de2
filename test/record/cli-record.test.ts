/**
 * `gail-bridge record` end to end over the in-process bus on a virtual clock: keys start, end and discard
 * takes; q finishes; the file on disk holds the kept episodes only, with their ends, and the report counts
 * what was recorded. Also the refusal path: no file is left behind when the topics are not there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { VirtualTimeScheduler } from 'rxjs';
import { formatRecordReport, runRecord } from '../../src/cli/record.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { writePolicyFile } from '../../src/data/policy-file.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { randomPolicyRecord } from '../deploy/fixtures.js';
import { CONFIG, World } from './world.js';

describe('gail-bridge record (runRecord)', () => {
  let dir: string;
  let configPath: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gb-record-'));
    configPath = join(dir, 'two_joint.yaml');
    await writeFile(configPath, CONFIG);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records takes from keys into a file that keeps only what was not discarded', async () => {
    const w = new World();
    const keys = new PassThrough();
    const out = join(dir, 'demos.mcap');
    await w.advanceTo(50);
    const run = runRecord({
      config: configPath,
      out,
      startTimeoutS: 1,
      allowMissing: false,
      keyboard: true,
      keys,
      namespace: '/gail_bridge/record',
      nodeName: 'unused',
      bus: w.recorderBus,
      scheduler: w.scheduler,
    });
    const press = async (key: string, atMs: number) => {
      await w.advanceTo(atMs - 1);
      keys.write(key);
      await w.advanceTo(atMs);
    };
    await w.advanceTo(150); // ready; ticks at 250, 350, …
    await press('s', 250); // episode 0
    await press('x', 450); // discarded
    await press('s', 550); // episode 1
    await press('d', 850); // terminated after 3 steps
    await press('s', 950); // episode 2
    await press('t', 1150); // truncated after 2 steps
    await press('q', 1200);
    const report = await run;
    assert.deepEqual(report.discarded, [0]);
    assert.equal(report.kept, 2);
    assert.equal(report.keptSteps, 5);
    const file = await readDemoFile(out);
    assert.deepEqual(
      file.episodes.map((e) => [e.index, e.trajectory.end, e.trajectory.length, e.metadata['recorded_as']]),
      [
        [0, 'terminated', 3, '1'],
        [1, 'truncated', 2, '2'],
      ],
    );
    assert.deepEqual(file.spec.observation.names, ['a', 'b']);
    // Episode 1 began at the tick of 550 ms: newest k = 5, so obs [5, -5] and action [0.5, 1].
    const t = file.episodes[0]!.trajectory;
    assert.deepEqual(Array.from(t.obs.subarray(0, 2)), [5, -5]);
    assert.deepEqual(Array.from(t.acts.subarray(0, 2)), [Math.fround(0.5), 1]);
    assert.deepEqual(Array.from(t.timestamps ?? []), [0.55, 0.65, 0.75, 0.85]);
    const text = formatRecordReport(report);
    assert.match(text, /2 episodes, 5 steps kept \(discarded: 0\)/);
    assert.match(text, /\/joint_states\s+sensor_msgs\/msg\/JointState/);
    assert.equal(keys.isPaused(), true, 'the key stream is released');
    w.dispose();
  });

  it('refuses to start without the teleop topic and leaves no file behind', async () => {
    const w = new World();
    w.teleopOn = false;
    const out = join(dir, 'refused.mcap');
    await w.advanceTo(50);
    const run = runRecord({
      config: configPath,
      out,
      startTimeoutS: 1,
      allowMissing: false,
      keyboard: false,
      namespace: '/gail_bridge/record',
      nodeName: 'unused',
      bus: w.recorderBus,
      scheduler: w.scheduler,
    });
    const check = assert.rejects(run, /required topics are not publishing after 1 s:\n {2}- \/cmd/);
    await w.advanceTo(2000);
    await check;
    assert.equal(existsSync(out), false);
    w.dispose();
  });
});

describe('gail-bridge record --sim (no ROS 2)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gb-record-sim-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records the simulated Hopper driven by a leader policy, one take per sim episode', async () => {
    await recordsSimHopper({ sim: 'hopper' });
  });

  it('--sim --model/--task-config: records an MJCF robot (the generic Hopper) the same way', async () => {
    await recordsSimHopper({
      sim: true,
      taskConfig: join(import.meta.dirname, '../../config/tasks/hopper-generic.yaml'),
    });
  });

  async function recordsSimHopper(target: { sim: string | true; taskConfig?: string }): Promise<void> {
    const env = await makeTaskEnv('hopper');
    const policyPath = join(dir, 'leader.policy');
    await writePolicyFile(policyPath, randomPolicyRecord(env.spec, 3));
    env.dispose();
    const scheduler = new VirtualTimeScheduler();
    const out = join(dir, 'hopper.mcap');
    let done = false;
    const run = runRecord({
      config: join(import.meta.dirname, '../../config/robots/hopper-sim.yaml'),
      out,
      startTimeoutS: 1,
      allowMissing: false,
      keyboard: false,
      namespace: '/gail_bridge/record',
      nodeName: 'gail_bridge_record',
      episodes: 2,
      ...target,
      teleopPolicy: policyPath,
      scheduler,
    }).finally(() => {
      done = true;
    });
    // Virtual time, one due time at a time, until the two takes are recorded (≤ 60 s of robot time).
    // Until the command has loaded MuJoCo and scheduled its first action there is nothing to run yet.
    const deadline = Date.now() + 60_000;
    while (!done && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      const next = scheduler.actions[0]?.delay;
      if (next === undefined) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      if (next > 60_000) break;
      scheduler.maxFrames = next;
      scheduler.flush();
    }
    const report = await run;
    assert.equal(report.kept, 2);
    const file = await readDemoFile(out);
    assert.equal(file.episodes.length, 2);
    for (const ep of file.episodes) {
      // A random leader makes the Hopper fall: the sim ends the episode terminated, and so does the take.
      assert.equal(ep.trajectory.end, 'terminated');
      assert.ok(ep.trajectory.length > 3, `episode of ${ep.trajectory.length} steps`);
    }
    assert.deepEqual(
      report.episodes.slice(0, 2).map((e) => e.marks),
      [
        ['ended terminated by the robot; its terminal state is not published, so the last step is dropped'],
        ['ended terminated by the robot; its terminal state is not published, so the last step is dropped'],
      ],
    );
    assert.equal(report.topics.find((t) => t.topic === '/joint_states')?.missing, 0);
  }

  it('refuses --sim without a leader policy, and --teleop-policy without --sim', async () => {
    const base = {
      config: join(import.meta.dirname, '../../config/robots/hopper-sim.yaml'),
      out: join(dir, 'x.mcap'),
      startTimeoutS: 1,
      allowMissing: false,
      keyboard: false,
      namespace: '/gail_bridge/record',
      nodeName: 'n',
    };
    await assert.rejects(runRecord({ ...base, sim: 'hopper' }), /--sim needs --teleop-policy/);
    await assert.rejects(
      runRecord({ ...base, teleopPolicy: 'p.policy' }),
      /--teleop-policy: only with --sim/,
    );
    assert.equal(existsSync(base.out), false);
  });
});

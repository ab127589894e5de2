import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TempBuffer } from '@mcap/core';
import { inspect } from '../../src/cli/inspect.js';
import { makeTrajectory } from '../../src/core/trajectory.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { bagBytes, jointState, metadataYaml } from '../data/bags.js';
import { makeSpec } from '../data/helpers.js';
import { runCli } from './run-cli.js';

const run = promisify(execFile);
let dir: string;
let demo: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-inspect-'));
  demo = join(dir, 'demos.mcap');
  const w = await DemoWriter.create(demo, { spec: makeSpec(2, 1) });
  for (const [T, end, r] of [
    [3, 'terminated', 1],
    [2, 'truncated', 2],
  ] as const) {
    await w.writeTrajectory(
      makeTrajectory({
        obsDim: 2,
        actDim: 1,
        obs: new Float32Array((T + 1) * 2),
        acts: new Float32Array(T),
        end,
        rewards: new Float32Array(T).fill(r),
      }),
    );
  }
  await w.close();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gail-bridge inspect', () => {
  it('lists a demo file: spec, episodes, steps, end reasons, returns', async () => {
    const r = await inspect(demo);
    assert.equal(r.kind, 'demo');
    if (r.kind !== 'demo') return;
    assert.equal(r.episodes, 2);
    assert.equal(r.steps, 5);
    assert.equal(r.ends.terminated, 1);
    assert.equal(r.ends.truncated, 1);
    assert.deepEqual(
      r.perEpisode.map((e) => e.return),
      [3, 4],
    );
    assert.deepEqual(r.spec.observation.names, ['q0', 'q1']);
  });

  it('lists any rosbag2 MCAP file or bag folder: topics, types, counts, time range', async () => {
    const bytes = await bagBytes(
      [0, 0.5, 1].map((t) => ({
        topic: '/joint_states',
        type: 'sensor_msgs/msg/JointState',
        t: 100 + t,
        msg: jointState(t, ['a'], [t]),
      })),
      { compression: 'zstd' },
    );
    const folder = join(dir, 'bag');
    await mkdir(folder);
    await writeFile(join(folder, 'bag_0.mcap'), bytes);
    await writeFile(join(folder, 'metadata.yaml'), metadataYaml(['bag_0.mcap']));
    for (const target of [join(folder, 'bag_0.mcap'), folder]) {
      const r = await inspect(target);
      assert.equal(r.kind, 'mcap');
      if (r.kind !== 'mcap') return;
      assert.equal(r.profile, 'ros2');
      assert.deepEqual(r.topics, [
        { topic: '/joint_states', type: 'sensor_msgs/msg/JointState', messageEncoding: 'cdr', messages: 3 },
      ]);
      assert.equal(r.startS, 100);
      assert.equal(r.durationS, 1);
      assert.equal(r.chunks['zstd'], 1);
    }
    const cut = join(dir, 'cut.mcap');
    await writeFile(cut, bytes.subarray(0, bytes.byteLength - 30));
    const damaged = await inspect(cut);
    assert.ok(damaged.kind === 'mcap' && /truncated/.test(damaged.problem ?? ''), JSON.stringify(damaged));

    // One rule for damage: any damaged file exits 2 saying what was damaged (the summary still printed).
    const generic = await runCli(['inspect', cut]);
    assert.equal(generic.code, 2, generic.stderr);
    assert.match(generic.stdout, /\/joint_states/);
    assert.match(generic.stderr, /gail-bridge: .*cut\.mcap is damaged: .*truncated/);
    const cutDemo = join(dir, 'cut-demo.mcap');
    const demoBytes = await readFile(demo);
    await writeFile(cutDemo, demoBytes.subarray(0, demoBytes.byteLength - 30));
    const ours = await runCli(['inspect', cutDemo]);
    assert.equal(ours.code, 2, ours.stderr);
    assert.match(ours.stderr, /cut-demo\.mcap: the file is truncated.*--repair/);
  });

  it('--repair with nothing recoverable exits 2 and writes no file', async () => {
    const bytes = await readFile(demo);
    // Every byte of the data section after the metadata record is garbage: no chunk survives.
    const wrecked = Uint8Array.from(bytes);
    for (let i = 200; i < wrecked.byteLength; i++) wrecked[i] = (i * 31) & 0xff;
    const input = join(dir, 'wrecked.mcap');
    await writeFile(input, wrecked);
    const out = join(dir, 'wrecked-fixed.mcap');
    const r = await runCli(['inspect', input, '--repair', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /wrecked\.mcap: nothing could be recovered, so .*wrecked-fixed\.mcap was not written/,
    );
    assert.equal(existsSync(out), false);
  });

  it('prints one JSON object with --json, and repairs a cut demo file with --repair', async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'inspect',
      demo,
      '--json',
    ]);
    const parsed = JSON.parse(stdout);
    assert.equal(parsed.kind, 'demo');
    assert.equal(parsed.spec.observation.low[0], '-Infinity', 'infinite bounds are explicit in JSON');

    const buf = new TempBuffer();
    const w = await DemoWriter.toWritable(buf, { spec: makeSpec(2, 1), chunkBytes: 64 });
    await w.beginEpisode();
    for (let i = 0; i < 10; i++)
      await w.writeStep({ obs: Float32Array.of(i, i), action: Float32Array.of(i) });
    const killed = join(dir, 'killed.mcap');
    await writeFile(killed, buf.get());
    const out = join(dir, 'fixed.mcap');
    const res = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'inspect',
      killed,
      '--repair',
      out,
      '--json',
    ]);
    const rep = JSON.parse(res.stdout);
    assert.equal(rep.kind, 'repair');
    assert.equal(rep.episodes, 1);
    assert.ok(rep.cuts[0].stepsKept >= 1);
    assert.match(res.stderr, /lost: .*truncated/);
    const fixed = await inspect(out);
    assert.ok(fixed.kind === 'demo' && fixed.ends.interrupted === 1);
  });

  it('exits 2 with a clear message on a file that is not MCAP', async () => {
    const bad = join(dir, 'notes.txt');
    await writeFile(bad, 'hello');
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', bad]),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /notes\.txt: not an MCAP file/);
        return true;
      },
    );
  });
});

describe('gail-bridge inspect on a policy file', () => {
  it('shows the architecture, training record and spec of the shipped pendulum expert', async () => {
    const r = await inspect('experts/inverted-pendulum.policy');
    assert.equal(r.kind, 'policy');
    if (r.kind !== 'policy') return;
    assert.equal(r.architecture.obsDim, 4);
    assert.equal(r.architecture.actDim, 1);
    // 4→64→64→1 mean net plus log σ: (4·64 + 64) + (64·64 + 64) + (64 + 1) + 1, plus the stored value net.
    assert.ok(r.parameters >= 320 + 4160 + 65 + 1, `parameters ${r.parameters}`);
    assert.equal(r.training.algo, 'ppo');
    assert.ok(r.training.envSteps > 0);
    assert.equal(r.spec.observation.names.length, 4);
  });

  it('says what is wrong with a file that has the policy magic but is cut short', async () => {
    const cut = join(dir, 'cut.policy');
    await writeFile(cut, 'GBPOLICY then nothing useful');
    await assert.rejects(inspect(cut), (e: Error) => e.message.includes(cut));
  });
});

/**
 * The recorder's smaller parts: keyboard control, EpisodeEvent messages and their fallback when
 * gail_bridge_msgs is not built, and compaction of discarded takes.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { makeSpaceSpec, type Spec } from '../../src/core/spec.js';
import { makeTrajectory } from '../../src/core/trajectory.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { compactDemoFile } from '../../src/record/compact.js';
import { episodeEventMessage, openEpisodeEvents } from '../../src/record/episode-events.js';
import { KEY_COMMANDS, keyCommands, keyHelp } from '../../src/record/keyboard.js';
import { EPISODE_EVENT_ENDS, EPISODE_EVENT_KINDS } from '../../src/ros/bridge-msgs.js';
import type { Bus } from '../../src/ros/bus.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';

describe('keyCommands', () => {
  it('maps keys to commands, q and Ctrl-C to quit, and ignores other keys', async () => {
    const input = new PassThrough();
    const got: string[] = [];
    const sub = keyCommands(input).subscribe((c) => got.push(c));
    input.write('s');
    input.write('D');
    input.write('z');
    input.write('x');
    input.write('\u0003');
    input.write('q');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['start', 'done', 'discard', 'quit', 'quit']);
    sub.unsubscribe();
    input.write('s');
    await new Promise((r) => setImmediate(r));
    assert.equal(got.length, 5, 'no command after unsubscribe');
  });

  it('puts a terminal in raw mode and restores it on unsubscribe', () => {
    const modes: boolean[] = [];
    const tty = Object.assign(new EventEmitter(), {
      isTTY: true,
      setRawMode: (m: boolean) => modes.push(m),
      resume: () => {},
      pause: () => {},
    });
    keyCommands(tty).subscribe().unsubscribe();
    assert.deepEqual(modes, [true, false]);
  });

  it('has a help line naming every key', () => {
    for (const k of Object.keys(KEY_COMMANDS)) assert.match(keyHelp(), new RegExp(`\\b${k} `));
    assert.match(keyHelp(), /d done \(task completed: terminated\)/);
    assert.match(keyHelp(), /t stop \(truncated\)/);
  });
});

describe('EpisodeEvent publishing', () => {
  it('turns recorder events into EpisodeEvent messages (terminated ≠ truncated on the wire)', () => {
    const ended = episodeEventMessage(
      { kind: 'ended', episode: 3, end: 'terminated', steps: 40, marks: [], timeS: 1.5 },
      () => 0,
    );
    assert.deepEqual(ended, {
      header: { stamp: { sec: 1, nanosec: 500_000_000 }, frame_id: '' },
      event: EPISODE_EVENT_KINDS.ended,
      episode: 3,
      end: EPISODE_EVENT_ENDS.terminated,
      steps: 40,
      marks: [],
    });
    const truncated = episodeEventMessage(
      { kind: 'ended', episode: 4, end: 'truncated', steps: 2, marks: ['x'], timeS: 2 },
      () => 0,
    );
    assert.equal(truncated?.end, EPISODE_EVENT_ENDS.truncated);
    assert.equal(
      episodeEventMessage({ kind: 'discarded', episode: 4, timeS: 2 }, (e) => (e === 4 ? 7 : 0))?.steps,
      7,
    );
    assert.equal(
      episodeEventMessage({ kind: 'warning', message: 'w' }, () => 0),
      undefined,
    );
  });

  it('publishes on a bus that has the type, and gives the build hint when rclnodejs lacks it', () => {
    const graph = new InProcessGraph();
    const node = graph.node('rec');
    const ok = openEpisodeEvents(node, '/gail_bridge/episode_events');
    assert.equal(ok.available, true);
    assert.equal(graph.countPublishers('/gail_bridge/episode_events'), 1);
    const missing = openEpisodeEvents(
      {
        publisher: () => {
          throw new Error('The message required does not exist: gail_bridge_msgs/msg/EpisodeEvent');
        },
      } as unknown as Bus,
      '/e',
    );
    assert.equal(missing.available, false);
    if (!missing.available) {
      assert.match(missing.hint, /does not exist/);
      assert.match(missing.hint, /colcon build --base-paths msgs --packages-select gail_bridge_msgs/);
    }
    node.dispose();
  });
});

describe('compactDemoFile', () => {
  let dir: string;
  const spec: Spec = {
    observation: makeSpaceSpec({ names: ['x'] }),
    action: makeSpaceSpec({ names: ['u'] }),
    controlRateHz: 10,
    source: { kind: 'robot', config: 'test' },
    producer: 'gail-bridge test',
  };
  const take = (v: number, end: 'terminated' | 'truncated' | 'interrupted') =>
    makeTrajectory({
      obsDim: 1,
      actDim: 1,
      obs: Float32Array.of(v, v + 1, v + 2),
      acts: Float32Array.of(v, v),
      end,
    });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gb-compact-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves discarded takes out, renumbers, and keeps where each came from', async () => {
    const path = join(dir, 'd.mcap');
    const w = await DemoWriter.create(path, { spec });
    await w.writeTrajectory(take(0, 'interrupted'));
    await w.writeTrajectory(take(10, 'terminated'));
    await w.writeTrajectory(take(20, 'interrupted'));
    await w.writeTrajectory(take(30, 'truncated'));
    await w.close();
    const r = await compactDemoFile(path, new Set([0, 2]));
    assert.deepEqual(r, { kept: 2, steps: 4, dropped: [0, 2] });
    const f = await readDemoFile(path);
    assert.deepEqual(
      f.episodes.map((e) => [e.index, e.trajectory.end, e.trajectory.obs[0], e.metadata['recorded_as']]),
      [
        [0, 'terminated', 10, '1'],
        [1, 'truncated', 30, '3'],
      ],
    );
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('.tmp')),
      [],
    );
    assert.equal(await compactDemoFile(path, new Set()), undefined);
  });

  it('fails with a typed error on a file that is not a demo file, leaving it and no temp file', async () => {
    const path = join(dir, 'junk.mcap');
    await writeFile(path, 'not an mcap file');
    await assert.rejects(compactDemoFile(path, new Set([0])), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'file');
      return true;
    });
    assert.equal(existsSync(path), true);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('.tmp')),
      [],
    );
  });
});

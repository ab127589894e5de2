import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McapIndexedReader, McapRecordBuilder, TempBuffer } from '@mcap/core';
import fc from 'fast-check';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeTrajectory, type Trajectory } from '../../src/core/trajectory.js';
import { readDemoFile, repairDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { assertSameTrajectory, makeSpec, within } from './helpers.js';

const spec = makeSpec(3, 2);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-demo-read-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ramp(T: number, end: Trajectory['end'], offset = 0): Trajectory {
  return makeTrajectory({
    obsDim: 3,
    actDim: 2,
    obs: Float32Array.from({ length: (T + 1) * 3 }, (_, i) => offset + i),
    acts: Float32Array.from({ length: T * 2 }, (_, i) => -(offset + i)),
    end,
    rewards: Float32Array.from({ length: T }, (_, i) => i / 2),
  });
}

async function smallFile(compression: 'zstd' | 'none' = 'none'): Promise<Uint8Array> {
  const buf = new TempBuffer();
  const w = await DemoWriter.toWritable(buf, { spec, compression });
  await w.writeTrajectory(ramp(3, 'terminated'));
  await w.writeTrajectory(ramp(2, 'truncated', 100));
  await w.close();
  return buf.get().slice();
}

/** Header bytes of an MCAP file: magic + Header record, as a builder left open for more records. */
function mcapStart(profile = ''): McapRecordBuilder {
  const b = new McapRecordBuilder();
  b.writeMagic();
  b.writeHeader({ profile, library: 'test' });
  return b;
}

/** Asserts `body` rejects with a GailBridgeError('file') whose message matches `pattern`, within 5 s. */
async function rejectsFile(body: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await within(5000, () =>
    assert.rejects(body, (e: unknown) => {
      assert.ok(e instanceof GailBridgeError, `expected a GailBridgeError, got ${String(e)}`);
      assert.equal(e.code, 'file');
      assert.match(e.message, pattern);
      return true;
    }),
  );
}

describe('readDemoFile on untrusted bytes', () => {
  it('names empty files, SQLite bags and non-MCAP files, whatever their extension', async () => {
    await rejectsFile(() => readDemoFile(new Uint8Array(0)), /the file is empty/);
    const sqlite = new TextEncoder().encode('SQLite format 3\0rest of a db3 file');
    const path = join(dir, 'looks-like.mcap');
    await writeFile(path, sqlite);
    await rejectsFile(() => readDemoFile(path), /looks-like\.mcap: .*sqlite3 storage.*ros2 bag convert/);
    await rejectsFile(() => readDemoFile(new TextEncoder().encode('{"json": true}')), /not an MCAP file/);
  });

  it('random bytes, with or without the MCAP magic: a typed error, never a hang or a crash', async () => {
    const magic = mcapStart().buffer.slice(0, 8);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.boolean(), async (bytes, prefixed) => {
        const input = prefixed ? Uint8Array.from([...magic, ...bytes]) : bytes;
        await rejectsFile(() => readDemoFile(input), /./);
      }),
      { numRuns: 200 },
    );
  });

  it('every truncation of a valid file is a typed error that says how to repair', async () => {
    const bytes = await smallFile();
    for (let n = 0; n < bytes.byteLength; n += 3) {
      await rejectsFile(() => readDemoFile(bytes.subarray(0, n)), n === 0 ? /empty/ : /./);
    }
    await rejectsFile(() => readDemoFile(bytes.subarray(0, bytes.byteLength - 40)), /truncated.*--repair/);
  });

  it('a flipped byte anywhere is either harmless or a typed error (CRCs catch flips in data)', async () => {
    const bytes = await smallFile();
    let errors = 0;
    for (let i = 0; i < bytes.byteLength; i += 2) {
      const flipped = bytes.slice();
      flipped[i]! ^= 0x10;
      try {
        await within(5000, () => readDemoFile(flipped));
      } catch (e) {
        assert.ok(e instanceof GailBridgeError, `byte ${i}: ${String(e)}`);
        errors++;
      }
    }
    assert.ok(errors > bytes.byteLength / 4, `only ${errors} flips detected`);
  });

  it('a record length of 2^40 is refused once the limit is buffered, not waited for', async () => {
    const b = mcapStart();
    const head = new DataView(new ArrayBuffer(9));
    head.setUint8(0, 0x05);
    head.setBigUint64(1, 2n ** 40n, true);
    const bytes = Uint8Array.from([...b.buffer, ...new Uint8Array(head.buffer), ...new Uint8Array(8192)]);
    await rejectsFile(
      () => readDemoFile(bytes, { maxRecordBytes: 4096 }),
      /longer than the limit of 4096 bytes/,
    );
    await rejectsFile(() => readDemoFile(bytes), /truncated/);
  });

  it('a chunk declaring a huge uncompressed size is refused before decompressing', async () => {
    const b = mcapStart();
    b.writeChunk({
      messageStartTime: 0n,
      messageEndTime: 0n,
      uncompressedSize: 2n ** 40n,
      uncompressedCrc: 1,
      compression: 'zstd',
      records: new Uint8Array(64),
    });
    await rejectsFile(
      () => readDemoFile(b.buffer.slice()),
      /declares 1099511627776 uncompressed bytes, over the limit/,
    );
  });

  it('refuses a chunk with CRC 0, a message before its channel, and a rosbag2 file', async () => {
    const noCrc = mcapStart();
    noCrc.writeChunk({
      messageStartTime: 0n,
      messageEndTime: 0n,
      uncompressedSize: 0n,
      uncompressedCrc: 0,
      compression: '',
      records: new Uint8Array(0),
    });
    await rejectsFile(() => readDemoFile(noCrc.buffer.slice()), /chunk without a CRC/);

    const orphan = mcapStart();
    orphan.writeMessage({ channelId: 7, sequence: 0, logTime: 0n, publishTime: 0n, data: new Uint8Array(4) });
    await rejectsFile(() => readDemoFile(orphan.buffer.slice()), /channel 7 without prior channel record/);

    const bag = mcapStart('ros2');
    await rejectsFile(
      () => readDemoFile(bag.buffer.slice()),
      /not a gail-bridge demo file \(its MCAP profile is "ros2"\)/,
    );
  });

  it('skips and counts records with an unknown opcode', async () => {
    const bytes = await smallFile();
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(9, true));
    const at = 8 + 9 + headerLen;
    const unknown = Uint8Array.of(0x80, 3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3);
    const spliced = Uint8Array.from([...bytes.subarray(0, at), ...unknown, ...bytes.subarray(at)]);
    const file = await readDemoFile(spliced);
    assert.equal(file.episodes.length, 2);
    assert.equal(file.report.skipped.get('records with unknown opcode 128'), 1);
  });
});

describe('repairDemoFile', () => {
  it('recovers the complete episodes of a hard-killed file and marks the cut one interrupted', async () => {
    const buf = new TempBuffer();
    const w = await DemoWriter.toWritable(buf, { spec, chunkBytes: 256, compression: 'zstd' });
    const done = [ramp(4, 'terminated'), ramp(6, 'truncated', 50)];
    for (const t of done) await w.writeTrajectory(t);
    await w.beginEpisode();
    for (let i = 0; i < 20; i++) {
      await w.writeStep({ obs: Float32Array.of(i, i, i), action: Float32Array.of(i, i) });
    }
    // A hard kill: close() never runs, so no summary, no footer, and the open chunk is lost.
    const killed = buf.get().slice();
    const input = join(dir, 'killed.mcap');
    await writeFile(input, killed.subarray(0, killed.byteLength - 5));
    await rejectsFile(() => readDemoFile(input), /truncated.*gail-bridge inspect .*killed\.mcap --repair/);

    const output = join(dir, 'repaired.mcap');
    const result = await repairDemoFile(input, output);
    assert.equal(result.episodes, 3);
    const [c] = result.cuts;
    assert.ok(result.cuts.length === 1 && c!.index === 2 && c!.stepsKept > 0 && c!.stepsKept < 20);
    assert.ok(result.lost.some((l) => /truncated/.test(l)));
    assert.ok(
      result.lost.some((l) => /episode 2: cut after \d+ steps; kept \d+, marked interrupted/.test(l)),
    );

    const repaired = await readDemoFile(output);
    assert.equal(repaired.episodes.length, 3);
    done.forEach((t, i) => {
      assertSameTrajectory(repaired.episodes[i]!.trajectory, t);
    });
    const cut = repaired.episodes[2]!.trajectory;
    assert.equal(cut.end, 'interrupted');
    assert.equal(cut.length, c!.stepsKept);
    assert.equal(cut.obs[cut.obs.length - 1], cut.length, 'the last surviving observation is the final one');
  });

  it('copies an intact file unchanged and reports nothing lost', async () => {
    const input = join(dir, 'intact.mcap');
    await writeFile(input, await smallFile('zstd'));
    const output = join(dir, 'intact-repaired.mcap');
    const result = await repairDemoFile(input, output);
    assert.deepEqual(result, { episodes: 2, steps: 5, cuts: [], lostEpisodes: [], lost: [] });
    const a = await readDemoFile(input);
    const b = await readDemoFile(output);
    a.episodes.forEach((ep, i) => {
      assertSameTrajectory(b.episodes[i]!.trajectory, ep.trajectory);
    });
  });
});

/** `n` episodes (episode e: 5 + e % 3 steps, values offset by 100·e), one chunk each (the writer flushes at each end). */
async function episodesFile(
  n: number,
  chunkBytes?: number,
): Promise<{ bytes: Uint8Array; done: Trajectory[] }> {
  const buf = new TempBuffer();
  const w = await DemoWriter.toWritable(buf, {
    spec,
    compression: 'zstd',
    chunkSeconds: 1e6,
    ...(chunkBytes === undefined ? {} : { chunkBytes }),
  });
  const done = Array.from({ length: n }, (_, e) =>
    ramp(5 + (e % 3), e % 2 ? 'truncated' : 'terminated', 100 * e),
  );
  for (const t of done) await w.writeTrajectory(t);
  await w.close();
  return { bytes: buf.get().slice(), done };
}

/** Start offset and length of every chunk, from the file's chunk index. */
async function chunkSpans(bytes: Uint8Array): Promise<{ start: number; length: number }[]> {
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.byteLength),
      read: async (offset, length) => bytes.slice(Number(offset), Number(offset + length)),
    },
  });
  return reader.chunkIndexes.map((c) => ({
    start: Number(c.chunkStartOffset),
    length: Number(c.chunkLength),
  }));
}

/** A copy of `bytes` with the byte at `at` flipped. */
function flipped(bytes: Uint8Array, ...at: number[]): Uint8Array {
  const out = bytes.slice();
  for (const i of at) out[i] = out[i]! ^ 0xff;
  return out;
}

describe('repairDemoFile past damaged chunks', () => {
  it('one damaged chunk in the middle of 25 episodes: the other 24 are recovered, episode 12 is named lost', async () => {
    const { bytes, done } = await episodesFile(25);
    const spans = await chunkSpans(bytes);
    assert.equal(spans.length, 25);
    const input = join(dir, 'middle.mcap');
    await writeFile(input, flipped(bytes, spans[12]!.start + Math.floor(spans[12]!.length / 2)));
    await rejectsFile(() => readDemoFile(input), /--repair/);
    const output = join(dir, 'middle-repaired.mcap');
    const r = await repairDemoFile(input, output);
    assert.equal(r.episodes, 24);
    assert.deepEqual(r.lostEpisodes, [12]);
    assert.deepEqual(r.cuts, []);
    assert.ok(
      r.lost.some((l) => /damaged/.test(l)),
      r.lost.join('\n'),
    );
    assert.ok(r.lost.includes('episode 12: lost whole (its header is in damaged bytes)'), r.lost.join('\n'));
    const repaired = await readDemoFile(output);
    const kept = done.filter((_, e) => e !== 12);
    assert.equal(repaired.episodes.length, kept.length);
    kept.forEach((t, i) => {
      assertSameTrajectory(repaired.episodes[i]!.trajectory, t);
    });
  });

  it('a damaged first chunk (which holds the channel records): the rest is recovered', async () => {
    const { bytes, done } = await episodesFile(5);
    const spans = await chunkSpans(bytes);
    const damaged = flipped(bytes, spans[0]!.start + Math.floor(spans[0]!.length / 2));
    const r = await repairDemoFile(await fileOf('first.mcap', damaged), join(dir, 'first-repaired.mcap'));
    assert.equal(r.episodes, 4);
    assert.deepEqual(r.lostEpisodes, [0]);
    const repaired = await readDemoFile(join(dir, 'first-repaired.mcap'));
    done.slice(1).forEach((t, i) => {
      assertSameTrajectory(repaired.episodes[i]!.trajectory, t);
    });

    // Cut short as well (no summary): the channels of the demo layout stand in; the scan finds chunk 1.
    const cutShort = damaged.subarray(0, spans[4]!.start + 10);
    const r2 = await repairDemoFile(
      await fileOf('first-cut.mcap', cutShort),
      join(dir, 'first-cut-repaired.mcap'),
    );
    assert.equal(r2.episodes, 3);
    assert.ok(
      r2.lost.some((l) => /episode 0: lost whole/.test(l)),
      r2.lost.join('\n'),
    );
    assert.ok(
      r2.lost.some((l) => /truncated/.test(l)),
      r2.lost.join('\n'),
    );
  });

  it('a damaged record length, with no summary to say where chunks start: the scan resynchronises', async () => {
    const { bytes } = await episodesFile(6);
    const spans = await chunkSpans(bytes);
    const cut = bytes.subarray(0, spans[5]!.start); // no summary: only the scan can find chunks 3 and 4
    const damaged = flipped(cut, spans[2]!.start + 3); // chunk 2's length field
    const r = await repairDemoFile(await fileOf('length.mcap', damaged), join(dir, 'length-repaired.mcap'));
    assert.equal(r.episodes, 4);
    assert.deepEqual(r.lostEpisodes, [2]);
  });

  it('an episode over two chunks, its second damaged: kept up to the damage, marked interrupted', async () => {
    const { bytes, done } = await episodesFile(3, 200);
    const spans = await chunkSpans(bytes);
    const chunksOf = spans.length;
    assert.ok(chunksOf > 3, `${chunksOf} chunks`);
    // The last chunk holds the end of episode 2, which started in an earlier chunk.
    const last = spans[chunksOf - 1]!;
    const r = await repairDemoFile(
      await fileOf('split.mcap', flipped(bytes, last.start + Math.floor(last.length / 2))),
      join(dir, 'split-repaired.mcap'),
    );
    assert.equal(r.episodes, 3);
    assert.equal(r.cuts.length, 1);
    assert.equal(r.cuts[0]!.index, 2);
    assert.ok(r.cuts[0]!.stepsKept < done[2]!.length);
    const repaired = await readDemoFile(join(dir, 'split-repaired.mcap'));
    assert.equal(repaired.episodes[2]!.trajectory.end, 'interrupted');
  });

  it('a flipped byte anywhere: repair recovers only true episodes (or cut prefixes), or says why not', async () => {
    const { bytes, done } = await episodesFile(4);
    for (let i = 0; i < bytes.byteLength; i += 13) {
      const input = await fileOf('flip.mcap', flipped(bytes, i));
      const output = join(dir, 'flip-repaired.mcap');
      let r: Awaited<ReturnType<typeof repairDemoFile>>;
      try {
        r = await within(5000, () => repairDemoFile(input, output));
      } catch (e) {
        assert.ok(e instanceof GailBridgeError, `byte ${i}: ${String(e)}`);
        continue;
      }
      const repaired = await readDemoFile(output);
      for (const ep of repaired.episodes) {
        const t = ep.trajectory;
        const original = done.find((d) => d.obs[0] === t.obs[0]);
        assert.ok(original, `byte ${i}: an episode that was never written`);
        if (t.end === 'interrupted' && original.end !== 'interrupted') {
          assert.ok(t.length < original.length, `byte ${i}`);
          assert.deepEqual([...t.acts], [...original.acts.subarray(0, t.acts.length)], `byte ${i}`);
        } else assertSameTrajectory(t, original);
      }
      assert.ok(r.episodes + r.lostEpisodes.length <= done.length, `byte ${i}`);
    }
  });

  it('nothing recoverable: an error listing the damage, and no output file', async () => {
    const { bytes } = await episodesFile(1);
    const [span] = await chunkSpans(bytes);
    const output = join(dir, 'nothing-repaired.mcap');
    await rejectsFile(
      async () =>
        repairDemoFile(
          await fileOf('nothing.mcap', flipped(bytes, span!.start + Math.floor(span!.length / 2))),
          output,
        ),
      /nothing\.mcap: nothing could be recovered, so .*nothing-repaired\.mcap was not written:\n {2}- .*damaged/,
    );
    assert.equal(existsSync(output), false);
  });
});

async function fileOf(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

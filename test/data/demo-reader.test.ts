import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McapRecordBuilder, TempBuffer } from '@mcap/core';
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
    assert.ok(result.cut && result.cut.index === 2 && result.cut.stepsKept > 0 && result.cut.stepsKept < 20);
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
    assert.equal(cut.length, result.cut!.stepsKept);
    assert.equal(cut.obs[cut.obs.length - 1], cut.length, 'the last surviving observation is the final one');
  });

  it('copies an intact file unchanged and reports nothing lost', async () => {
    const input = join(dir, 'intact.mcap');
    await writeFile(input, await smallFile('zstd'));
    const output = join(dir, 'intact-repaired.mcap');
    const result = await repairDemoFile(input, output);
    assert.deepEqual(result, { episodes: 2, steps: 5, cut: undefined, lost: [] });
    const a = await readDemoFile(input);
    const b = await readDemoFile(output);
    a.episodes.forEach((ep, i) => {
      assertSameTrajectory(b.episodes[i]!.trajectory, ep.trajectory);
    });
  });
});

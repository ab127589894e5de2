import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McapIndexedReader, TempBuffer } from '@mcap/core';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import * as zstd from '@foxglove/wasm-zstd';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeTrajectory } from '../../src/core/trajectory.js';
import { DEMO_CHANNELS } from '../../src/data/demo-format.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { assertSameTrajectory, makeSpec, trajectoryArb } from './helpers.js';

const spec = makeSpec(3, 2);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gb-demo-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fake monotonic clock advanced by hand (ns). */
function fakeClock(): { now: bigint; clock: () => bigint } {
  const c = { now: 0n, clock: () => c.now };
  return c;
}

describe('DemoWriter', () => {
  it('round-trips random episodes bit-exactly (NaN, -0, ±Infinity), with and without zstd', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(trajectoryArb(3, 2), { minLength: 0, maxLength: 4 }),
        fc.constantFrom('zstd' as const, 'none' as const),
        async (trajectories, compression) => {
          const buf = new TempBuffer();
          const w = await DemoWriter.toWritable(buf, { spec, compression });
          for (const t of trajectories) await w.writeTrajectory(t, { operator: 'test' });
          const summary = await w.close();
          assert.equal(summary.episodes, trajectories.length);
          const file = await readDemoFile(buf.get());
          assert.deepEqual(file.spec, spec);
          assert.equal(file.episodes.length, trajectories.length);
          file.episodes.forEach((ep, i) => {
            assert.equal(ep.index, i);
            assert.deepEqual(ep.metadata, { operator: 'test' });
            assertSameTrajectory(ep.trajectory, trajectories[i]!);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('writes an indexed file that McapIndexedReader reads, with protobuf schemas Foxglove can decode', async () => {
    const path = join(dir, 'indexed.mcap');
    const w = await DemoWriter.create(path, { spec });
    const t = makeTrajectory({
      obsDim: 3,
      actDim: 2,
      obs: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
      acts: Float32Array.of(0.1, 0.2, 0.3, 0.4),
      end: 'terminated',
    });
    await w.writeTrajectory(t);
    await w.writeTrajectory(t);
    await w.close();
    const bytes = await readFile(path);
    const reader = await McapIndexedReader.Initialize({
      readable: new TempBuffer(bytes),
      decompressHandlers: { zstd: (data, size) => zstd.decompress(data, Number(size)) },
    });
    const topics = [...reader.channelsById.values()].map((c) => c.topic).sort();
    assert.deepEqual(
      topics,
      Object.values(DEMO_CHANNELS)
        .map((c) => c.topic)
        .sort(),
    );
    assert.equal(reader.statistics?.messageCount, 2n * (1n + 2n + 1n));
    assert.ok(reader.chunkIndexes.length >= 2, 'one chunk per episode at least');
    assert.ok(reader.chunkIndexes.every((c) => c.compression === 'zstd'));
    const stepChannel = [...reader.channelsById.values()].find((c) => c.topic === DEMO_CHANNELS.step.topic)!;
    const schema = reader.schemasById.get(stepChannel.schemaId)!;
    assert.equal(schema.encoding, 'protobuf');
    assert.equal(stepChannel.messageEncoding, 'protobuf');
    // What Foxglove does with a protobuf channel: build a root from the FileDescriptorSet, look the
    // schema name up, decode.
    const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(b: Uint8Array): protobuf.Root })
      .fromDescriptor;
    const root = fromDescriptor(schema.data);
    const Step = root.lookupType(schema.name);
    const steps = [];
    for await (const m of reader.readMessages({ topics: [DEMO_CHANNELS.step.topic] })) {
      steps.push(Step.toObject(Step.decode(m.data)));
    }
    assert.equal(steps.length, 4);
    assert.equal(steps[1]!.index, 1);
    assert.deepEqual(Array.from(new Float32Array(new Uint8Array(steps[1]!.action).buffer)), [
      Math.fround(0.3),
      Math.fround(0.4),
    ]);
  });

  it('closes a chunk when it reaches chunkBytes or when it is chunkSeconds old', async () => {
    const c = fakeClock();
    const buf = new TempBuffer();
    const w = await DemoWriter.toWritable(buf, {
      spec,
      compression: 'none',
      chunkBytes: 4096,
      clockNs: c.clock,
    });
    await w.beginEpisode();
    const step = { obs: new Float32Array(3), action: new Float32Array(2) };
    for (let i = 0; i < 200; i++) await w.writeStep(step);
    c.now += 999_000_000n;
    await w.writeStep(step);
    c.now += 2_000_000n;
    await w.writeStep(step);
    await w.endEpisode('truncated', new Float32Array(3));
    await w.close();
    const reader = await McapIndexedReader.Initialize({ readable: new TempBuffer(buf.get()) });
    const sizes = reader.chunkIndexes.map((ci) => Number(ci.uncompressedSize));
    assert.ok(sizes.length >= 3, `expected several chunks, got ${sizes.length}`);
    // A chunk closes on the message that takes it to the bound, so it exceeds the bound by < 1 message.
    assert.ok(
      sizes.every((s) => s < 4096 + 200),
      `chunk sizes ${sizes}`,
    );
    // The chunk that was open when the clock passed 1 s was closed by that message alone.
    const byTime = reader.chunkIndexes.filter(
      (ci) => ci.messageEndTime - ci.messageStartTime >= 1_000_000_000n,
    );
    assert.equal(byTime.length, 1);
  });

  it('ends an open episode as interrupted on close(), keeping all but the last step', async () => {
    const buf = new TempBuffer();
    const w = await DemoWriter.toWritable(buf, { spec });
    await w.beginEpisode();
    for (let i = 0; i < 5; i++) {
      await w.writeStep({ obs: Float32Array.of(i, i, i), action: Float32Array.of(i, -i) });
    }
    const summary = await w.close();
    assert.deepEqual(summary, { episodes: 1, steps: 5, interruptedOnClose: 1 });
    assert.deepEqual(await w.close(), summary, 'close() is idempotent');
    const file = await readDemoFile(buf.get());
    const t = file.episodes[0]!.trajectory;
    assert.equal(t.end, 'interrupted');
    assert.equal(t.length, 4);
    assert.deepEqual(Array.from(t.obs.subarray(12)), [4, 4, 4]);
  });

  it('refuses misuse with state and shape errors', async () => {
    const w = await DemoWriter.toWritable(new TempBuffer(), { spec });
    await assert.rejects(w.writeStep({ obs: new Float32Array(3), action: new Float32Array(2) }), {
      code: 'state',
      message: /writeStep\(\) with no open episode/,
    });
    await w.beginEpisode();
    await assert.rejects(w.writeStep({ obs: new Float32Array(4), action: new Float32Array(2) }), {
      code: 'shape',
      message: /expected obs 3 and action 2 values, got 4 and 2/,
    });
    const first = w.writeStep({ obs: new Float32Array(3), action: new Float32Array(2) });
    await assert.rejects(w.writeStep({ obs: new Float32Array(3), action: new Float32Array(2) }), {
      code: 'state',
      message: /before the previous call finished/,
    });
    await first;
    await w.close();
    await assert.rejects(
      w.beginEpisode(),
      (e: unknown) => e instanceof GailBridgeError && /after close/.test(e.message),
    );
  });
});
